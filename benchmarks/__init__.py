"""Benchmarks: CPU speed against baselines measured in the same run (``python -m benchmarks``)
and the accuracy table (``python benchmarks/accuracy.py``)."""

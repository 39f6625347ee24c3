"""Measurement helpers shared by the CPU benchmarks: timing, peak memory, the machine.

Times are wall-clock medians over ``repeats`` runs; skdcore's functions get
one untimed warm-up run first (it triggers Numba compilation or a cache load,
measured separately in :mod:`benchmarks.cpu_dispatch`), the baselines none.  Peak extra memory is the
tracemalloc peak during one call, which sees every NumPy allocation (Numba's
kernels here allocate only through NumPy, outside the jitted code, apart from
per-thread float64 buffers of a few KiB).
"""

from __future__ import annotations

import gc
import math
import os
import platform
import statistics
import time
import tracemalloc

import numpy as np

__all__ = ["median_seconds", "peak_bytes", "machine", "table", "copy_seconds"]


def median_seconds(function, repeats: int, warm_up: bool = True) -> float:
    """Median wall time of ``function()`` over ``repeats`` runs, after one untimed run if ``warm_up``."""
    if warm_up:
        function()
    times = []
    for _ in range(repeats):
        gc.collect()
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def peak_bytes(function) -> int:
    """Peak bytes allocated (tracemalloc) while ``function()`` runs, above what was allocated before."""
    gc.collect()
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        before = tracemalloc.get_traced_memory()[0]
        function()
        return tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()


def copy_seconds(x: np.ndarray, repeats: int) -> tuple[float, float]:
    """A plain memory copy of the same bytes: (``np.copyto`` into a preallocated array,
    ``x.copy()`` into a new one -- which, like every function returning a new
    array, also pays the first touch of the fresh pages)."""
    out = np.empty_like(x)
    return median_seconds(lambda: np.copyto(out, x), repeats), median_seconds(x.copy, repeats, warm_up=False)


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):
        return float("nan")


def machine() -> dict:
    """The machine and software the figures were measured on, with the load average."""
    import numba
    import scipy

    info = {
        "cpus": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": round(_memory_gib(), 1),
        "load_average": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "numba": numba.__version__,
        "numba_threads": numba.get_num_threads(),
        "numba_threading_layer": None,
    }
    try:
        info["numba_threading_layer"] = numba.threading_layer()
    except ValueError:  # no parallel kernel has run yet
        pass
    try:
        import torch

        info["torch"] = torch.__version__
        info["torch_threads"] = torch.get_num_threads()
    except ImportError:
        info["torch"] = None
    return info


def table(headers: list[str], rows: list[list]) -> str:
    """A markdown table; floats printed with 3 significant digits."""

    def cell(v):
        if isinstance(v, float):
            return "n/a" if math.isnan(v) else f"{v:.3g}"
        return str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)

"""Where the Numba path starts to pay, and what compiling and caching the kernels cost.

* Threshold: ``power`` on one row of V entries through the kernel and through
  the array-API path (the same code ``skdcore.power`` runs below
  :data:`skdcore.kernels.dispatch.CPU_MIN_SIZE`), per-call medians.
* Compile time: a fresh process with an empty ``NUMBA_CACHE_DIR`` imports the
  kernels and calls each family once per dtype (compiling it, and writing the
  cache); a second process with the same directory does the same (loading
  from the cache).  A CI run from a fresh clone pays the first; an installed
  package pays it once per machine (``cache=True`` keeps the machine code in
  ``__pycache__`` next to the modules, or in ``NUMBA_CACHE_DIR``).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time

import array_api_compat.numpy as xnp
import numpy as np

from skdcore.escort import escort_from_log_ratios
from skdcore.kernels import cpu_power, dispatch
from skdcore.logratio import log_ratio_to_row_max

__all__ = ["SIZES", "FAMILIES", "threshold", "compile_times", "rows_threshold", "rows_compile"]

SIZES = (2, 8, 16, 32, 64, 128, 512, 4096)
FAMILIES = {
    "power": "k.power(p, 0.5)",
    "information": "k.kl_divergence(p, p)",
    "forward_kl": "k.forward_kl_rows(np.log(p), p, temperature=2.0, teacher_temperature=2.0)",
    "entropy_projection": "k.entropy_projection(p, 0.5, 'reciprocal')",
    "topk": "k.scatter_visible(0, 8, np.zeros((2, 1), dtype=np.int64), p[:, :1], 0.0)",
}

_PROBE = """
import json, sys, time
t = time.perf_counter()
import numpy as np
from skdcore.kernels import cpu_{family} as k
out = {{"import": time.perf_counter() - t}}
for dtype in (np.float64, np.float32):
    p = np.full((2, 64), 1 / 64, dtype=dtype)
    t = time.perf_counter()
    {call}
    out[np.dtype(dtype).name] = time.perf_counter() - t
print(json.dumps(out))
"""


def _per_call(function, calls: int = 200) -> float:
    function()
    best = float("inf")
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(calls):
            function()
        best = min(best, (time.perf_counter() - start) / calls)
    return best


def threshold() -> list[dict]:
    """Per-call seconds of the kernel and of the array-API path for one row of each size."""
    records = []
    for V in SIZES:
        p = np.full((1, V), 1 / V)
        records.append({
            "V": V,
            "kernel": _per_call(lambda: cpu_power.power(p, 0.7)),
            "array_api": _per_call(lambda: escort_from_log_ratios(log_ratio_to_row_max(xnp.asarray(p)), 0.7)),
        })
    return records


def compile_times(families) -> dict:
    """{family: {"compile": {...}, "cached": {...}}} seconds (import, first float64 call, first float32 call)."""
    results = {}
    with tempfile.TemporaryDirectory() as cache:
        env = dict(os.environ, NUMBA_CACHE_DIR=cache)
        for family in families:
            script = _PROBE.format(family=family, call=FAMILIES[family])
            runs = [subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
                    for _ in range(2)]
            results[family] = {"compile": json.loads(runs[0].stdout), "cached": json.loads(runs[1].stdout)}
    return results


def rows_threshold(records):
    headers = ["V (one row)", "kernel us", "array API us", "array/kernel", "dispatched"]
    return headers, [[r["V"], 1e6 * r["kernel"], 1e6 * r["array_api"], r["array_api"] / r["kernel"],
                      "yes" if r["V"] >= dispatch.CPU_MIN_SIZE else "no"] for r in records]


def rows_compile(results):
    headers = ["family", "compile float64 s", "compile float32 s", "cached float64 s", "cached float32 s"]
    return headers, [[family, r["compile"]["float64"], r["compile"]["float32"], r["cached"]["float64"], r["cached"]["float32"]]
                     for family, r in results.items()]

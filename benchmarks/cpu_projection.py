"""Entropy projection (reciprocal schedule) against one power pass on the same array.

Both through the Numba kernels, rows from a flat Dirichlet, at T = 0.5 and
T = 2.  The projection solves for a temperature per row (safeguarded Newton,
each evaluation one exp pass over the row) and then writes the softened row;
its mean number of evaluations per row is reported.  Baselines in the same
run: the array-API path on NumPy (skdcore's reference implementation, all
rows iterating in lock step; 12-17 s per call at the full shape, so it is
timed once on the first :data:`REFERENCE_ROWS` rows and compared per row) and
a copy of the same bytes into a preallocated array.  Target (issue 7): the
projection takes <= 3x one power pass.
"""

from __future__ import annotations

import numpy as np

from skdcore.kernels import dispatch
from skdcore.kernels.cpu_entropy_projection import entropy_projection
from skdcore.kernels.cpu_power import power
from skdcore.operators.entropy_projection import entropy_projection as public_projection

from .harness import copy_seconds, median_seconds

__all__ = ["SHAPE", "QUICK_SHAPE", "TEMPERATURES", "run", "rows", "verdicts"]

SHAPE = (1024, 32768)
QUICK_SHAPE = (128, 8192)
TEMPERATURES = (0.5, 2.0)
TARGET = 3.0
REFERENCE_ROWS = 128


def _array_path(p, T):
    """Seconds of one call of the array-API path (the kernel family switched off) on ``p``."""
    families = dispatch.CPU_FAMILIES
    dispatch.CPU_FAMILIES = families - {"entropy_projection"}
    try:
        return median_seconds(lambda: public_projection(p, T, validate=False), 1, warm_up=False)
    finally:
        dispatch.CPU_FAMILIES = families


def run(shape, repeats: int) -> list[dict]:
    records = []
    for dtype in (np.float64, np.float32):
        p = np.random.default_rng(2).dirichlet(np.ones(shape[1]), size=shape[0]).astype(dtype)
        for T in TEMPERATURES:
            iterations = entropy_projection(p, T, "reciprocal")[2]
            records.append({
                "shape": list(shape), "dtype": np.dtype(dtype).name, "T": T,
                "mean_evaluations": float(np.mean(iterations)),
                "seconds": {
                    "projection": median_seconds(lambda: entropy_projection(p, T, "reciprocal"), repeats),
                    "power": median_seconds(lambda: power(p, T), repeats),
                    "copy": copy_seconds(p, repeats)[0],
                    "array_per_row": _array_path(p[:REFERENCE_ROWS], T) / min(REFERENCE_ROWS, shape[0]),
                },
            })
    return records


def rows(records):
    headers = ["shape", "dtype", "T", "projection ms", "power ms", "projection/power", "evaluations per row", "copy ms",
               "projection/copy", f"array path ms per row ({REFERENCE_ROWS} rows)", "array/projection per row"]
    out = []
    for r in records:
        s = r["seconds"]
        per_row = s["projection"] / r["shape"][0]
        out.append(["x".join(map(str, r["shape"])), r["dtype"], r["T"], 1e3 * s["projection"], 1e3 * s["power"],
                    s["projection"] / s["power"], r["mean_evaluations"], 1e3 * s["copy"], s["projection"] / s["copy"],
                    1e3 * s["array_per_row"], s["array_per_row"] / per_row])
    return headers, out


def verdicts(records) -> list[str]:
    lines = []
    for r in records:
        ratio = r["seconds"]["projection"] / r["seconds"]["power"]
        lines.append(f"entropy projection {r['dtype']} T={r['T']:g}: {ratio:.2f}x one power pass "
                     f"(target <= {TARGET:g}x: {'met' if ratio <= TARGET else 'MISSED'})")
    return lines

"""power: skdcore's Numba fast path against its baselines, measured in the same run.

Per (shape, dtype): ``skdcore.power(p, T, validate=False)`` (the fast path;
also with validation, one run, and the kernel alone writing into a
preallocated output), the NumPy reference ``softmax(log(p) / T)`` written
plainly, ``scipy.special.softmax(np.log(p) / T, axis=-1)``,
``torch.softmax(torch.log(p) / T, -1)`` on CPU when torch is installed, and a
plain copy of the same bytes, into a preallocated array and into a new one
(``p.copy()``).  Ratios are baseline time / skdcore time (> 1: skdcore is
faster), and skdcore time / copy time for both copies.  A function that
returns a new array pays the first touch of its output's pages; on this VM
that costs about as much as the copy itself, which is why the preallocated
kernel time is shown.

Targets (issue 7), at (1024, 32768): >= 4x the NumPy reference in float64,
>= 6x in float32, and within 6x of the memory copy.
"""

from __future__ import annotations

import numpy as np
import scipy.special

import skdcore
from skdcore.kernels import cpu_power

from .harness import copy_seconds, median_seconds

__all__ = ["SHAPES", "QUICK_SHAPES", "TARGET_SHAPE", "TARGETS", "numpy_reference", "run", "rows"]

SHAPES = [(4096, 32768), (1024, 131072), (64, 262144), (1024, 32768)]
QUICK_SHAPES = [(256, 4096), (64, 16384), (8, 32768), (128, 4096)]
TARGET_SHAPE = (1024, 32768)
TARGETS = {"float64": 4.0, "float32": 6.0, "copy": 6.0}
TEMPERATURE = 0.7


def numpy_reference(p, T):
    """softmax(log(p) / T) along the last axis, written plainly."""
    z = np.log(p) / T
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def _torch_softmax():
    try:
        import torch
    except ImportError:
        return None
    return lambda p, T: torch.softmax(torch.log(torch.from_numpy(p)) / T, dim=-1)


def _rows(shape, dtype, seed=0):
    """Positive rows (1 - U[0, 1) is never 0, so the baselines' log raises no warning)."""
    p = 1 - np.random.default_rng(seed).random(shape, dtype=dtype)
    p /= p.sum(axis=-1, keepdims=True)
    return p


def run(shapes, repeats: int) -> list[dict]:
    """One record per (shape, dtype) with the median seconds of every method."""
    torch_softmax = _torch_softmax()
    records = []
    for shape in shapes:
        for dtype in (np.float64, np.float32):
            p = _rows(shape, dtype)
            T = TEMPERATURE
            out = np.empty_like(p)
            seconds = {
                "skdcore": median_seconds(lambda: skdcore.power(p, T, validate=False), repeats),
                "skdcore_validated": median_seconds(lambda: skdcore.power(p, T), 1, warm_up=False),
                "kernel_preallocated": median_seconds(lambda: cpu_power._escort_rows(p, T, False, out), repeats),
                "numpy": median_seconds(lambda: numpy_reference(p, T), repeats, warm_up=False),
                "scipy": median_seconds(lambda: scipy.special.softmax(np.log(p) / T, axis=-1), repeats, warm_up=False),
                "torch": median_seconds(lambda: torch_softmax(p, T), repeats, warm_up=False) if torch_softmax else None,
            }
            seconds["copy"], seconds["copy_new"] = copy_seconds(p, repeats)
            records.append({"shape": list(shape), "dtype": np.dtype(dtype).name, "seconds": seconds})
    return records


def rows(records) -> tuple[list[str], list[list]]:
    """Table headers and rows: times in ms and the ratios against each baseline."""
    headers = ["shape", "dtype", "skdcore ms", "validated ms", "kernel, preallocated out ms", "numpy ms", "scipy ms",
               "torch ms", "copy ms", "p.copy() ms", "numpy/skd", "scipy/skd", "torch/skd", "skd/copy", "skd/p.copy()"]
    out = []
    for r in records:
        s = r["seconds"]
        torch = s["torch"] if s["torch"] is not None else float("nan")
        out.append([
            "x".join(map(str, r["shape"])), r["dtype"], 1e3 * s["skdcore"], 1e3 * s["skdcore_validated"],
            1e3 * s["kernel_preallocated"], 1e3 * s["numpy"], 1e3 * s["scipy"], 1e3 * torch, 1e3 * s["copy"],
            1e3 * s["copy_new"], s["numpy"] / s["skdcore"], s["scipy"] / s["skdcore"], torch / s["skdcore"],
            s["skdcore"] / s["copy"], s["skdcore"] / s["copy_new"],
        ])
    return headers, out


def verdicts(records) -> list[str]:
    """The targets at TARGET_SHAPE, each as 'met' or 'missed' with the figure."""
    lines = []
    for r in records:
        if tuple(r["shape"]) != TARGET_SHAPE:
            continue
        s = r["seconds"]
        speedup, need, limit = s["numpy"] / s["skdcore"], TARGETS[r["dtype"]], TARGETS["copy"]
        copies = [s["skdcore"] / s["copy"], s["skdcore"] / s["copy_new"]]
        lines.append(f"power {r['dtype']} {TARGET_SHAPE}: {speedup:.2f}x the NumPy reference (target >= {need:g}x: "
                     f"{'met' if speedup >= need else 'MISSED'}); {copies[0]:.2f}x a copy into a preallocated array, "
                     f"{copies[1]:.2f}x p.copy() (target <= {limit:g}x: "
                     f"{'met' if copies[0] <= limit else ('met against p.copy() only' if copies[1] <= limit else 'MISSED')})")
    return lines

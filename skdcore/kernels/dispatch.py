"""Which inputs take a fast path, and the fast functions that route them.

Dispatch is by array type, never by a global flag (DESIGN.md):

* NumPy float32/float64 arrays with at least :data:`CPU_MIN_SIZE` entries go
  to the Numba kernels (``cpu_*`` modules).  Below that size the array-API
  path is used: there, a kernel call's fixed cost (the parallel launch and
  argument unboxing) is not recovered (measured in ``docs/performance.md``).
* CuPy float32/float64 arrays go to the CuPy kernels (``gpu_*`` modules),
  whatever their size, for the families that have one (:data:`GPU_FAMILIES`:
  all of them, the entropy projection with a named schedule included).

Everything else (torch, array_api_strict, the high-precision namespace, other
dtypes) stays on the array-API path.  The kernel modules are imported on
first use, so ``import skdcore`` does not import Numba or CuPy.

The public functions here take arrays already validated by the caller and
return arrays of the input's type, shape and dtype.
"""

from __future__ import annotations

import importlib

import array_api_compat
import numpy as np

__all__ = [
    "CPU_MIN_SIZE",
    "CPU_FAMILIES",
    "GPU_FAMILIES",
    "ENTROPY_SCHEDULES",
    "fast_path",
    "power",
    "from_logits",
    "entropy",
    "kl_divergence",
    "entropy_projection",
    "forward_kl_rows",
    "topk_fast_path",
    "scatter_visible",
    "unseen_position",
]

ENTROPY_SCHEDULES = ("reciprocal", "power")
"""The entropy-projection schedules the kernels evaluate (a callable stays on the array path)."""

CPU_MIN_SIZE = 64
"""Entries (N·V) from which a NumPy array takes the Numba path (docs/performance.md)."""

_FLOAT_DTYPES = (np.dtype(np.float32), np.dtype(np.float64))


CPU_FAMILIES = frozenset({"power", "information", "forward_kl", "entropy_projection", "topk"})
GPU_FAMILIES = frozenset({"power", "information", "forward_kl", "entropy_projection", "topk"})
"""Kernel families (modules ``cpu_<family>``, ``gpu_<family>``) by backend."""


def _backend(x) -> str | None:
    if isinstance(x, np.ndarray):
        return "cpu" if x.dtype in _FLOAT_DTYPES and x.size >= CPU_MIN_SIZE else None
    if array_api_compat.is_cupy_array(x):
        return "gpu" if np.dtype(x.dtype) in _FLOAT_DTYPES else None
    return None


def fast_path(family: str, *arrays) -> bool:
    """True when ``arrays`` take the fast path of ``family`` together: one backend that
    has the family, one dtype and one shape."""
    backends = {_backend(x) for x in arrays}
    if len(backends) != 1:
        return False
    backend = backends.pop()
    if backend is None or family not in (CPU_FAMILIES if backend == "cpu" else GPU_FAMILIES):
        return False
    return len({(np.dtype(x.dtype), tuple(x.shape)) for x in arrays}) == 1


def _kernels(x, family: str):
    return importlib.import_module(f"{__package__}.{_backend(x)}_{family}")


def power(p, T: float):
    """q ∝ p^(1/T) along the last axis."""
    return _kernels(p, "power").power(p, T)


def from_logits(z, T: float):
    """softmax(z / T) along the last axis."""
    return _kernels(z, "power").from_logits(z, T)


def entropy(p):
    """-sum p log p along the last axis (shape ``p.shape[:-1]``)."""
    return _kernels(p, "information").entropy(p)


def kl_divergence(q, p):
    """sum q log(q / p) along the last axis (+inf where q_i > 0 = p_i)."""
    return _kernels(q, "information").kl_divergence(q, p)


def entropy_projection(p, T: float, schedule: str):
    """(q, T_eff per row, Newton iterations per row) for a schedule in :data:`ENTROPY_SCHEDULES`."""
    return _kernels(p, "entropy_projection").entropy_projection(p, T, schedule)


def forward_kl_rows(student, teacher, **options):
    """(loss per row, gradient or None) of KL(q ‖ s); options of
    :func:`skdcore.kernels.cpu_forward_kl.forward_kl_rows`."""
    return _kernels(student, "forward_kl").forward_kl_rows(student, teacher, **options)


def topk_fast_path(indices, dtype, width: int) -> bool:
    """True when (N, width) blocks of dtype ``dtype`` of a top-k teacher with these
    ``indices`` take the fast path: NumPy indices and N·width >= :data:`CPU_MIN_SIZE`,
    or CuPy indices; a float32/float64 block."""
    if isinstance(indices, np.ndarray):
        large = indices.size // max(indices.shape[-1], 1) * width >= CPU_MIN_SIZE
    else:
        large = array_api_compat.is_cupy_array(indices) and width >= 1
    return large and np.dtype(dtype) in _FLOAT_DTYPES


def _topk_kernels(indices):
    return importlib.import_module(f"{__package__}.{'cpu' if isinstance(indices, np.ndarray) else 'gpu'}_topk")


def scatter_visible(start: int, width: int, indices, payload, base):
    """Columns [start, start + width) of a top-k block: ``payload`` at the visible indices, ``base`` elsewhere."""
    return _topk_kernels(indices).scatter_visible(start, width, indices, payload, base)


def unseen_position(start: int, width: int, indices, dtype):
    """1-based positions (as ``dtype``) of columns [start, start + width) among each row's unseen tokens."""
    return _topk_kernels(indices).unseen_position(start, width, indices, dtype)

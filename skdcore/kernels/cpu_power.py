"""Numba kernel for the power transform and softmax at temperature T.

    power(p, T)_i = exp(r_i / T) / sum_j exp(r_j / T),   r_i = log(p_i / max p)   (eq. 8)
    from_logits(z, T)_i = the same with r_i = z_i - max z                          (eq. 1)

One parallel loop over rows; per row three fused passes -- the maximum, the
weights written to the output (with their sum read back from it), the
scaling -- and no temporary array.  float32 rows are computed in float32
arithmetic (:mod:`.cpu_math32`, accurate to float32 precision by the
condition-aware measure), sums in float64 (:mod:`.cpu_escort`).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .cpu_escort import source_row, write_escort
from .cpu_math import CONTRACT

__all__ = ["power", "from_logits"]


@njit(parallel=True, cache=True, error_model="numpy", fastmath=CONTRACT)
def _escort_rows(x, T, logits, out):
    for i in prange(x.shape[0]):
        write_escort(x[i], source_row(x[i], logits), logits, T, out[i])


def _escort(x: np.ndarray, T: float, logits: bool) -> np.ndarray:
    rows = np.ascontiguousarray(x).reshape(-1, x.shape[-1])
    out = np.empty(rows.shape, dtype=x.dtype)
    _escort_rows(rows, float(T), bool(logits), out)
    return out.reshape(x.shape)


def power(p: np.ndarray, T: float) -> np.ndarray:
    """q ∝ p^(1/T) along the last axis of a float32/float64 NumPy array (not validated)."""
    return _escort(p, T, False)


def from_logits(z: np.ndarray, T: float) -> np.ndarray:
    """softmax(z / T) along the last axis of a float32/float64 NumPy array (not validated)."""
    return _escort(z, T, True)

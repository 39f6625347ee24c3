"""Numba kernels for Shannon entropy and the KL divergence along the last axis.

    H(p) = sum_i -p_i log p_i                 (0 log 0 = 0)
    KL(q || p) = sum_i q_i log(q_i / p_i)     (+inf where q_i > 0 = p_i)

as :mod:`skdcore.information`, with log p and the log-ratios of
:mod:`.cpu_math` (relative error <= 1.1 eps per term).  One parallel loop over
rows; per row one pass of column blocks whose terms go to an L1-resident
float64 buffer and are summed from there (so the sum vectorises without
letting the term arithmetic be reassociated).
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .cpu_escort import BLOCK
from .cpu_math import CONTRACT, ELEMENTWISE, log_positive, log_ratio, row_sum

__all__ = ["entropy", "kl_divergence"]


@njit(**ELEMENTWISE)
def _term(kl, a, b):
    """q log(q / p) (``kl``, a = q, b = p) or -p log p (a = p); 0 where a == 0.

    Evaluated unconditionally, then selected (0·(-inf) = NaN is discarded): a
    branch around the inlined logarithm would stop vectorisation.  ``kl`` is
    loop-invariant, so LLVM compiles one loop per value (unswitching).
    """
    term = a * log_ratio(a, b) if kl else -a * log_positive(a)
    return term if a > 0 else 0.0


@njit(parallel=True, cache=True, error_model="numpy", fastmath=CONTRACT)
def _row_sums(kl, a, b, out):
    for i in prange(a.shape[0]):
        buffer = np.empty(BLOCK)
        total = 0.0
        for start in range(0, a.shape[1], BLOCK):
            block_a, block_b = a[i, start : start + BLOCK], b[i, start : start + BLOCK]
            for j in range(block_a.shape[0]):
                buffer[j] = _term(kl, float(block_a[j]), float(block_b[j]))
            total += row_sum(buffer[: block_a.shape[0]])
        out[i] = total


def _reduce_rows(kl: bool, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    V = a.shape[-1]
    rows_a = np.ascontiguousarray(a).reshape(-1, V)
    rows_b = rows_a if b is a else np.ascontiguousarray(b).reshape(-1, V)
    out = np.empty(rows_a.shape[0], dtype=a.dtype)
    _row_sums(kl, rows_a, rows_b, out)
    return out.reshape(a.shape[:-1])


def entropy(p: np.ndarray) -> np.ndarray:
    """H(p) per row of a float32/float64 NumPy array (not validated)."""
    return _reduce_rows(False, p, p)


def kl_divergence(q: np.ndarray, p: np.ndarray) -> np.ndarray:
    """KL(q || p) per row pair of float32/float64 NumPy arrays of one shape and dtype (not validated)."""
    return _reduce_rows(True, q, p)

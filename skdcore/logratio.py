"""Accurate logarithms of ratios, log(a / b), for non-negative a and b.

Near a tie (a ≈ b) the difference log(a) - log(b) of two rounded logarithms
cancels catastrophically: its absolute error is about eps·(|log a| + |log b|)
while the result can be as small as eps.  Here

* for b/2 <= a <= 2b, the subtraction a - b is exact (Sterbenz's lemma) and
  log(a/b) = log1p((a - b) / b) has relative error about 1.2 eps;
* otherwise |log(a/b)| >= log 2 and log(a/b) is computed from the rounded
  quotient a/b (relative error <= eps/2, hence <= 1.2 eps in the result);
* when that quotient would leave the normal range of the dtype
  (|log a - log b| beyond ~0.95·|log smallest_normal|), log(a) - log(b) is
  used instead: the result is then so large that its relative error is
  below about 1.6 eps.

Zeros give -inf (a = 0) or +inf (a > 0 = b); a = b = 0 gives -inf.  No
floating-point warning is raised for any non-negative finite input.
"""

from __future__ import annotations

import math

from .backend import array_namespace

__all__ = ["log_ratio", "log_ratio_to_row_max"]


def _quotient_log_limit(xp, dtype) -> float:
    """|log(a/b)| up to which the quotient a/b is a normal number of ``dtype``."""
    smallest_normal = float(xp.finfo(dtype).smallest_normal)
    if smallest_normal == 0.0:  # no underflow (high-precision namespace)
        return math.inf
    return 0.95 * -math.log(smallest_normal)


def log_ratio(a, b):
    """Elementwise log(a / b) for arrays ``a, b >= 0`` (broadcast), to about 1.6 eps relative."""
    xp = array_namespace(a, b)
    positive = xp.logical_and(a > 0, b > 0)
    a_pos = xp.where(positive, a, xp.ones_like(a))
    b_pos = xp.where(positive, b, xp.ones_like(b))
    near = xp.logical_and(a_pos >= b_pos / 2, a_pos <= 2 * b_pos)
    # Sterbenz: a - b is exact on `near`; elsewhere a is replaced by b so that
    # the discarded quotient is 0 (not an overflow when b is subnormal).
    near_value = xp.log1p((xp.where(near, a_pos, b_pos) - b_pos) / b_pos)
    log_difference = xp.log(a_pos) - xp.log(b_pos)
    in_range = xp.abs(log_difference) <= _quotient_log_limit(xp, a_pos.dtype)
    quotient = xp.where(in_range, a_pos, b_pos) / b_pos
    far_value = xp.where(in_range, xp.log(quotient), log_difference)
    value = xp.where(near, near_value, far_value)
    infinity = xp.where(a > 0, xp.full_like(value, math.inf), xp.full_like(value, -math.inf))
    return xp.where(positive, value, infinity)


def log_ratio_to_row_max(p):
    """r_i = log(p_i / max_j p_j) along the last axis (so max r = 0, zeros -> -inf)."""
    xp = array_namespace(p)
    return log_ratio(p, xp.max(p, axis=-1, keepdims=True))

"""The escort (temperature) path q_T ∝ exp(r / T) of a row of log-ratios r.

With r_i = log(p_i / p_max) this is the power transform q_T ∝ p^(1/T) of the
paper's eq. (8) and, with r = z - max z, the softmax of logits at temperature T
(eq. (1)); the entropy projection of Construction 1 is the same path at a
temperature chosen per row.  Because max r = 0, every exp term lies in [0, 1]
and the normaliser in [1, V]: nothing overflows.  For very small T, r / T is
clipped at a log-value below which exp underflows to exactly zero in the
working dtype, so no overflow occurs even for T = 1e-300 (the clip changes no
result; it only avoids evaluating r / T = -1e302).
"""

from __future__ import annotations

from .backend import array_namespace, exp_underflow_log

__all__ = ["escort_weights", "escort_from_log_ratios", "escort_entropy"]


def escort_weights(r, T):
    """Unnormalised weights exp(r / T) in [0, 1] (max r must be 0).

    ``T`` is a positive Python float or an array broadcastable against ``r``
    (one temperature per row, shape (..., 1)).
    """
    xp = array_namespace(r)
    underflow = exp_underflow_log(xp, r.dtype)
    if underflow != -float("inf"):
        r = xp.maximum(r, underflow * T)
    return xp.exp(r / T)


def escort_from_log_ratios(r, T):
    """q_i = exp(r_i / T) / sum_j exp(r_j / T) along the last axis."""
    xp = array_namespace(r)
    w = escort_weights(r, T)
    return w / xp.sum(w, axis=-1, keepdims=True)


def escort_entropy(r, T):
    """Shannon entropy of the escort distribution, H = log Z - sum_i q_i r_i / T.

    Both terms are non-negative (Z >= 1, r <= 0), so there is no cancellation.
    Entries with r = -inf (zeros of p) contribute nothing.
    """
    xp = array_namespace(r)
    w = escort_weights(r, T)
    z = xp.sum(w, axis=-1, keepdims=True)
    q = w / z
    finite = xp.isfinite(r)
    scaled = xp.where(finite, r, xp.zeros_like(r)) / T
    return xp.log(z[..., 0]) - xp.sum(xp.where(finite, q * scaled, xp.zeros_like(q)), axis=-1)

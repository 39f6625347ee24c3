"""Construction 2 of the paper: the power transform.

    F_T(p)_i = p_i^(1/T) / sum_j p_j^(1/T)                      (eq. 8, φ = x^(1/T))

evaluated in log space as the escort path exp(r_i / T) / sum_j exp(r_j / T)
with accurate log-ratios r_i = log(p_i / p_max) (:mod:`skdcore.logratio`), so
that near-ties keep their digits at small T.  Zeros stay exactly zero, exact
ties stay exactly tied, and every finite T in [1e-300, 1e300] is evaluated
without NaN, inf or an overflow warning.
"""

from __future__ import annotations

from ..backend import working_dtype
from ..escort import escort_from_log_ratios
from ..kernels import dispatch
from ..logratio import log_ratio_to_row_max
from ..validation import check_logits, check_probabilities, check_real_floating, check_temperature

__all__ = ["power", "from_logits"]


def power(p, T: float, *, validate: bool = True):
    """Power transform (temperature scaling in the probability domain).

    Parameters
    ----------
    p : array, shape (..., V)
        Rows on the probability simplex (float32 or float64, any namespace).
    T : float
        Temperature, a positive finite real.
    validate : bool
        Check ``p`` and ``T`` (set False in hot loops).

    Returns
    -------
    q : array like ``p`` with q_i ∝ p_i^(1/T).

    Notes
    -----
    Condition-aware accuracy: each q_i is within a few units of
    eps·q_i·(1 + |log(p_i/p_max)|/T + V) of the exact value (see
    ``docs/accuracy.md``).  float32 input is evaluated in float64 and rounded.
    """
    if validate:
        xp = check_probabilities(p)
        T = check_temperature(T)
    else:
        xp = check_real_floating(p)
    if dispatch.fast_path("power", p):
        return dispatch.power(p, T)
    x = xp.astype(p, working_dtype(xp, p.dtype), copy=False)
    q = escort_from_log_ratios(log_ratio_to_row_max(x), T)
    return xp.astype(q, p.dtype, copy=False)


def from_logits(z, T: float, *, validate: bool = True):
    """softmax(z / T) along the last axis, equal to ``power(softmax(z), T)``.

    Depends on z only through z - max(z), so adding a constant to a row of
    logits leaves the result unchanged (Lemma VI.1, shift-invariance).  ``-inf``
    logits mark tokens of probability zero.
    """
    if validate:
        xp = check_logits(z)
        T = check_temperature(T)
    else:
        xp = check_real_floating(z)
    if dispatch.fast_path("power", z):
        return dispatch.from_logits(z, T)
    x = xp.astype(z, working_dtype(xp, z.dtype), copy=False)
    shifted = x - xp.max(x, axis=-1, keepdims=True)
    q = escort_from_log_ratios(shifted, T)
    return xp.astype(q, z.dtype, copy=False)

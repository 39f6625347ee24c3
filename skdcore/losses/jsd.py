"""Generalized Jensen-Shannon divergence with mixing weight β ∈ (0, 1):

    JSD_β(q, s) = β KL(q ‖ m) + (1 - β) KL(s ‖ m),   m = β q + (1 - β) s

(β = 1/2: the symmetric JSD, bounded by log 2; the generalized form is the
one of GKD/Liger-Kernel, with q the teacher).  Each log-ratio is formed from
d = log q - log s without rounding m:

    log(q/m) = -logaddexp(log β, log(1-β) - d),  log(s/m) = -logaddexp(log β + d, log(1-β)),

finite whenever the corresponding probability is positive, so JSD is always
finite.  Gradient: ∂/∂s_j = β(-q_j/m_j)(1-β) + (1-β)(log(s_j/m_j) + 1 - (1-β)s_j/m_j)
= (1-β) log(s_j/m_j), hence h_j = (1-β) s_j log(s_j/m_j) and

    ∂L/∂z_i = (1-β) s_i (log(s_i/m_i) - KL(s ‖ m)) / T.
"""

from __future__ import annotations

import math

from .divergence import Divergence
from .engine import evaluate
from .reduction import LossOptionError

__all__ = ["jsd", "jsd_divergence"]


def _logaddexp(xp, a, b):
    """log(e^a + e^b) for arrays with ``a`` finite (``b`` may be ±inf)."""
    hi, lo = xp.maximum(a, b), xp.minimum(a, b)
    return hi + xp.log1p(xp.exp(lo - hi))


def _log_ratios(xp, lq, ls, beta: float):
    """(log(q/m), log(s/m)), each 0 where its probability is 0; β is taken as
    an array of lq's dtype so a high-precision namespace keeps every digit."""
    b = xp.asarray(beta, dtype=lq.dtype)
    log_b, log_1mb = xp.log(b), xp.log1p(-b)
    q_pos, s_pos = lq > -math.inf, ls > -math.inf
    zero = xp.zeros_like(lq)
    both = xp.logical_and(q_pos, s_pos)
    d_finite = xp.where(both, lq, zero) - xp.where(both, ls, zero)
    d = xp.where(both, d_finite, xp.where(q_pos, xp.full_like(lq, math.inf), xp.full_like(lq, -math.inf)))
    q_over_m = -_logaddexp(xp, xp.full_like(d, 1) * log_b, log_1mb - d)
    s_over_m = -_logaddexp(xp, xp.full_like(d, 1) * log_1mb, log_b + d)
    return xp.where(q_pos, q_over_m, zero), xp.where(s_pos, s_over_m, zero)


def jsd_divergence(beta: float = 0.5) -> Divergence:
    """The :class:`Divergence` JSD_β; raises ValueError unless 0 < β < 1."""
    beta = float(beta)
    if not 0.0 < beta < 1.0:
        raise LossOptionError(f"beta must lie strictly between 0 and 1 (JSD_0 = JSD_1 = 0), got {beta!r}")

    def terms(xp, lq, ls):
        a, b = _log_ratios(xp, lq, ls, beta)
        weight = xp.asarray(beta, dtype=lq.dtype)
        return weight * xp.exp(lq) * a + (1 - weight) * xp.exp(ls) * b

    def weights(xp, lq, ls):
        return (1 - xp.asarray(beta, dtype=lq.dtype)) * xp.exp(ls) * _log_ratios(xp, lq, ls, beta)[1]

    return Divergence(f"jsd(beta={beta})", terms, weights)


def jsd(student, teacher, *, beta: float = 0.5, **options):
    """JSD_β(teacher_T, student_T) per row, reduced; options as :func:`skdcore.losses.evaluate`.

    >>> import numpy as np
    >>> from skdcore.losses import jsd
    >>> value = jsd(np.array([[2.0, 1.0, 0.0]]), np.array([[0.7, 0.2, 0.1]]), beta=0.1)
    """
    return evaluate(jsd_divergence(beta), student, teacher, **options)

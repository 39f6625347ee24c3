"""Shannon entropy and Kullback–Leibler divergence along the last axis.

H(p) = -sum_i p_i log p_i (paper, Axiom 3; 0 log 0 = 0) and
KL(q || p) = sum_i q_i log(q_i / p_i) (Construction 1, Definition X.1).

Entropy is a sum of non-negative terms, so its relative error is a few eps
plus the summation error.  KL uses accurate log-ratios
(:func:`skdcore.logratio.log_ratio`); its absolute error is bounded by a few
eps·sum_i q_i |log(q_i / p_i)| (the terms can cancel).  KL is +inf, never NaN,
when some q_i > 0 = p_i.
"""

from __future__ import annotations

from .backend import working_dtype
from .kernels import dispatch
from .logratio import log_ratio
from .validation import check_probabilities, check_real_floating, check_same_shape

__all__ = ["entropy", "kl_divergence"]


def entropy(p, *, validate: bool = True):
    """Shannon entropy (nats) of each row of ``p``; shape ``p.shape[:-1]``."""
    xp = check_probabilities(p) if validate else check_real_floating(p)
    if dispatch.fast_path("information", p):
        return dispatch.entropy(p)
    x = xp.astype(p, working_dtype(xp, p.dtype), copy=False)
    positive = x > 0
    x_pos = xp.where(positive, x, xp.ones_like(x))
    terms = xp.where(positive, -x_pos * xp.log(x_pos), xp.zeros_like(x))
    return xp.astype(xp.sum(terms, axis=-1), p.dtype, copy=False)


def kl_divergence(q, p, *, validate: bool = True):
    """KL(q || p) = sum_i q_i log(q_i / p_i) (nats) of each row pair; +inf where q_i > 0 = p_i."""
    if validate:
        xp = check_probabilities(q, "q")
        check_probabilities(p, "p")
        check_same_shape(q, p, ("q", "p"))
    else:
        xp = check_real_floating(q, "q")
    if dispatch.fast_path("information", q, p):
        return dispatch.kl_divergence(q, p)
    dtype = working_dtype(xp, q.dtype)
    a = xp.astype(q, dtype, copy=False)
    b = xp.astype(p, dtype, copy=False)
    support = a > 0
    a_pos = xp.where(support, a, xp.ones_like(a))
    terms = xp.where(support, a_pos * log_ratio(a_pos, b), xp.zeros_like(a))
    return xp.astype(xp.sum(terms, axis=-1), q.dtype, copy=False)

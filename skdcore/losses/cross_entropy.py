"""Soft-target cross-entropy H(q_T, s_T) = -sum_j q_j log s_j.

Equal to KL(q ‖ s) + H(q): the same gradient as the forward KL,
h_j = -q_j and ∂L/∂z_i = (s_i - q_i) / T.  +inf where s_j = 0 < q_j.
"""

from __future__ import annotations

import math

from .divergence import Divergence
from .engine import evaluate

__all__ = ["cross_entropy", "CROSS_ENTROPY"]


def _terms(xp, lq, ls):
    support = lq > -math.inf
    dead = ls == -math.inf
    zero = xp.zeros_like(lq)
    finite = -xp.exp(xp.where(support, lq, zero)) * xp.where(dead, zero, ls)
    return xp.where(support, xp.where(dead, xp.full_like(lq, math.inf), finite), zero)


def _weights(xp, lq, ls):
    return -xp.exp(lq)


CROSS_ENTROPY = Divergence("cross_entropy", _terms, _weights)


def cross_entropy(student, teacher, **options):
    """-sum_j teacher_T,j log student_T,j per row, reduced; options as :func:`skdcore.losses.evaluate`.

    >>> import numpy as np
    >>> from skdcore.losses import cross_entropy
    >>> value = cross_entropy(np.array([[2.0, 1.0, 0.0]]), np.array([[0.7, 0.2, 0.1]]))
    """
    return evaluate(CROSS_ENTROPY, student, teacher, **options)

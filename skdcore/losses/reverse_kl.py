"""Reverse KL divergence KL(s_T ‖ q_T) = sum_j s_j log(s_j / q_j).

This is the direction of the paper's Definition X.1 (argmin_S KL(S ‖ F_T(T))).
Gradient with respect to the student logits: with ℓ_j = log(s_j / q_j),
h_j = s_j (ℓ_j + 1) and, because sum_j s_j = 1, the constant cancels:

    ∂L/∂z_i = s_i (ℓ_i - KL(s ‖ q)) / T.

The loss is +inf when the student has mass where the teacher has none (for
example against a renormalised top-k teacher); the gradient does not exist
there and that row of the returned gradient is NaN.
"""

from __future__ import annotations

import math

from .divergence import Divergence, kl_terms
from .engine import evaluate

__all__ = ["reverse_kl", "REVERSE_KL"]


def _terms(xp, lq, ls):
    return kl_terms(xp, ls, lq)


def _weights(xp, lq, ls):
    finite = xp.logical_and(ls > -math.inf, lq > -math.inf)
    zero = xp.zeros_like(ls)
    ls0, lq0 = xp.where(finite, ls, zero), xp.where(finite, lq, zero)
    return xp.where(finite, xp.exp(ls0) * (ls0 - lq0), zero)


REVERSE_KL = Divergence("reverse_kl", _terms, _weights)


def reverse_kl(student, teacher, **options):
    """KL(student_T ‖ teacher_T) per row, reduced; options as :func:`skdcore.losses.evaluate`.

    >>> import numpy as np
    >>> from skdcore.losses import reverse_kl
    >>> z = np.array([[2.0, 1.0, 0.0]]); q = np.array([[0.7, 0.2, 0.1]])
    >>> value = reverse_kl(z, q)
    """
    return evaluate(REVERSE_KL, student, teacher, **options)

"""Forward KL divergence KL(q_T ‖ s_T) = sum_j q_j log(q_j / s_j) (Hinton's KD loss).

Gradient with respect to the student logits: h_j = s_j · (-q_j / s_j) = -q_j,
so ∂L/∂z_i = (s_i · sum_j q_j - q_i) / T = (s_i - q_i) / T.  The loss is +inf
where the student puts zero mass on a token the teacher supports.
"""

from __future__ import annotations

from .divergence import Divergence, kl_terms
from .engine import evaluate

__all__ = ["forward_kl", "FORWARD_KL"]


def _weights(xp, lq, ls):
    return -xp.exp(lq)


FORWARD_KL = Divergence("forward_kl", kl_terms, _weights)


def forward_kl(student, teacher, **options):
    """KL(teacher_T ‖ student_T) per row, reduced; options as :func:`skdcore.losses.evaluate`.

    >>> import numpy as np
    >>> from skdcore.losses import forward_kl
    >>> z = np.array([[2.0, 1.0, 0.0]]); q = np.array([[0.7, 0.2, 0.1]])
    >>> value, grad = forward_kl(z, q, temperature=2.0, return_grad=True)
    """
    return evaluate(FORWARD_KL, student, teacher, **options)

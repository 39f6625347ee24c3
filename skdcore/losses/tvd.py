"""Total variation distance TVD(q_T, s_T) = (1/2) sum_j |q_j - s_j|.

Not differentiable where q_j = s_j; the returned (sub)gradient uses
sign(0) = 0: h_j = s_j sign(s_j - q_j) / 2 and
∂L/∂z_i = (h_i - s_i sum_j h_j) / T.  Always finite, in [0, 1].
"""

from __future__ import annotations

from .divergence import Divergence
from .engine import evaluate

__all__ = ["tvd", "TVD"]


def _terms(xp, lq, ls):
    return xp.abs(xp.exp(lq) - xp.exp(ls)) / 2


def _weights(xp, lq, ls):
    q, s = xp.exp(lq), xp.exp(ls)
    return s * xp.sign(s - q) / 2


TVD = Divergence("tvd", _terms, _weights)


def tvd(student, teacher, **options):
    """Total variation distance per row, reduced; options as :func:`skdcore.losses.evaluate`.

    >>> import numpy as np
    >>> from skdcore.losses import tvd
    >>> value = tvd(np.array([[2.0, 1.0, 0.0]]), np.array([[0.7, 0.2, 0.1]]))
    """
    return evaluate(TVD, student, teacher, **options)

"""The elementwise form shared by every loss, and its gradient.

Each loss is a sum over the vocabulary of elementwise terms,
L(q, s) = sum_j φ(q_j, s_j), of the softened teacher q and student
s = softmax(z / T).  Since ∂s_j/∂z_i = s_j (δ_ij - s_i) / T,

    ∂L/∂z_i = (h_i - s_i · sum_j h_j) / T,     h_j = s_j · ∂φ/∂s_j (q_j, s_j),

so a loss is fully described by φ and h, both evaluated from the
log-probabilities (lq, ls) of a column block.  The same formula gives the
gradient with respect to the logits log s of a student given as
probabilities.  ``terms`` may return +inf (an infinite divergence) but never
NaN; ``weights`` (h) is always finite.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Divergence", "kl_terms"]


@dataclass(frozen=True)
class Divergence:
    """A loss as its elementwise term φ(lq, ls) and gradient weight h(lq, ls)."""

    name: str
    terms: Callable
    weights: Callable


def kl_terms(xp, la, lb):
    """a_j log(a_j / b_j) from log a and log b: 0 where a_j = 0, +inf where
    a_j > 0 = b_j (also when a_j underflows but log a_j is finite)."""
    support = la > -math.inf
    dead = lb == -math.inf
    zero = xp.zeros_like(la)
    la0 = xp.where(support, la, zero)
    lb0 = xp.where(dead, zero, lb)
    finite = xp.exp(la0) * (la0 - lb0)
    return xp.where(support, xp.where(dead, xp.full_like(la, math.inf), finite), zero)

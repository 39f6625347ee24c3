"""The unrestricted class 𝒮 = Δ^V (paper, Theorem X.2).

Gibbs' inequality, KL(a‖b) >= 0 with equality iff a = b, gives both
projections at once:

    argmin_{S ∈ Δ^V} KL(S‖q) = argmin_{S ∈ Δ^V} KL(q‖S) = {q}.

So operators F, G are Δ^V-KD-equivalent iff F_T(p) = G_T(p) for every
teacher p: the first half of Theorem X.2, whose proof is this line.
"""

from __future__ import annotations

import numpy as np

from .base import UNIQUE, Argmin, StudentClass

__all__ = ["Simplex"]


class Simplex(StudentClass):
    """Every distribution on V tokens; both projections return the target itself."""

    spec = "simplex"
    summary = "Δ^V (every distribution)"

    def _solve(self, xp, q, direction):
        return Argmin(UNIQUE, q, xp.zeros((), dtype=q.dtype))

    def sensitivity(self, q, result, bound, direction, eps):
        return np.asarray(bound, dtype=np.float64).copy()

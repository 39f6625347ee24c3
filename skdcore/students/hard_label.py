"""Hard-label students: the one-hot vectors e_1, ..., e_V (Σ_1 of :mod:`.topk_support`).

Reverse (Definition X.1): KL(e_j‖q) = log(1/q_j) = -log q_j, so

    argmin_j KL(e_j‖q) = argmax_j q_j,

the most probable token of the target (+inf for q_j = 0, never chosen since
some q_j > 0).  Tied maxima M give the minimisers {e_j : j ∈ M} (kind
``ties``, ``free`` = M, canonical e_{min M}).  Hence F ~ G under hard labels
iff argmax F_T(p) = argmax G_T(p) (as sets) for every p.  Every operator that
maps a teacher's maxima to the target's maxima -- Axiom 1 (ranking) plus
keeping exact ties, as the power transform, convex mixing with α(T) > 0 and
the entropy projection on the interior do -- is equivalent to every other
one: the relation is as coarse as it gets.  Operators that move the argmax
are not: the entropy projection with the reciprocal schedule returns the
uniform distribution on supp p for teachers with zeros once h(T) >= log|supp p|
(e.g. p = (0.7, 0.3, 0), T = 2), making every supported token a maximum.

Convex mixing with α(T) > 1 (T < 1 under the paper's schedules) is an
increasing affine map, so it keeps the argmax -- but its target has negative
entries (it leaves the simplex), where KL(e_j‖q) = -log q_j is undefined: the
projection, and Definition X.1 with it, does not apply (the engine reports
such a pair as ``undefined``).

Forward: KL(q‖e_j) = sum_{i≠j} q_i log(q_i/0) = +inf unless q = e_j.  So the
forward projection is {e_j} for a one-hot target and the whole class
(``everything``) otherwise: the forward loss gives a hard-label student no
signal at all (its gradient is undefined), and under it two operators are
equivalent iff they send the same teachers to one-hot targets, to the same
one-hots.  The power transform keeps a one-hot teacher one-hot; convex
mixing (α < 1) never returns a one-hot, so the two are not equivalent.
"""

from __future__ import annotations

from .topk_support import TopK

__all__ = ["HardLabel"]


class HardLabel(TopK):
    """One-hot students; reverse projection e_{argmax q} (ties: the smallest index)."""

    def __init__(self):
        super().__init__(1)
        self.spec = "hard"
        self.summary = "one-hot students {e_1, ..., e_V} (reverse projection: e at argmax of the target)"

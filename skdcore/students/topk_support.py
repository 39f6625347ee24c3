"""Sparse students: at most k tokens (:class:`TopK`), or a fixed support A (:class:`FixedSupport`).

Both rest on one identity.  For a support set A with q(A) = sum_{i∈A} q_i > 0
and any S supported on A,

    KL(S‖q) = KL(S ‖ q|_A / q(A)) - log q(A),                      (R)

so the reverse projection onto distributions on A is the renormalised
restriction q|_A / q(A) (Gibbs), at divergence -log q(A); if q(A) = 0, every
S on A has KL(S‖q) = +inf.  Forward: KL(q‖S) is finite only if
supp q ⊆ supp S, and then it is minimised by S = q.

Top-k students, 𝒮 = Σ_k = {S : |supp S| <= k}
---------------------------------------------
Reverse: by (R) the best S on a set A costs -log q(A), so the projection
keeps the set of at most k tokens with the largest mass: the top-k of the
*target* q, renormalised.  Ties at the cut (the k-th largest value v > 0
shared by more tokens than places left) give several minimisers, one per
choice of the tied tokens, all at the same divergence (kind ``ties``,
``free`` = the tied tokens; canonical: the smallest indices).  If q has at
most k positive entries, S = q.  Forward: S = q if |supp q| <= k, else every
k-sparse student has KL(q‖S) = +inf (kind ``everything``) -- the forward
loss cannot train a sparse student on a denser target.

Link to truncation consistency (:mod:`proofs_checks.truncation`): with
K = the top-k of p and F ranking-preserving (Axiom 1, ties kept), the top-k
of F_T(p) is K, so the Σ_k-projection of F_T(p) is trunc_K(F_T(p)), the
soften-then-truncate side.  Hence F ~ G under Σ_k (reverse) iff their
soften-then-truncate targets agree for every p, and for truncation-consistent
F and G iff F_T(t) = G_T(t) for every t with at most k tokens.

Fixed support, 𝒮 = Δ(A)
-----------------------
Reverse: q|_A / q(A) if q(A) > 0, else ``everything``.  Forward: q if
supp q ⊆ A, else ``everything``.  (A single token: the class is {e_a} and
e_a is the unique minimiser whatever its divergence.)
"""

from __future__ import annotations

import math

import numpy as np

from ..errors import ShapeError
from ..information import kl_divergence
from .base import EVERYTHING, TIES, UNIQUE, Argmin, StudentClass, host

__all__ = ["TopK", "FixedSupport"]


def _restriction(xp, q, keep: np.ndarray):
    """(q|_A / q(A), -log q(A)) for the boolean mask ``keep`` of A, q(A) > 0."""
    mask = xp.asarray(keep)
    zero = xp.zeros_like(q)
    inside = xp.sum(xp.where(mask, q, zero))
    outside = xp.sum(xp.where(mask, zero, q))  # 1 - q(A) without cancellation when q(A) ~ 1
    objective = -xp.log1p(-outside) if bool(inside >= 0.5) else -xp.log(inside)
    return xp.where(mask, q, zero) / inside, objective


def _restriction_bound(q: np.ndarray, keep: np.ndarray, bound: np.ndarray, eps: float) -> np.ndarray | None:
    """First-order bound on the change of q|_A / q(A) for |δq| <= bound, plus rounding.

    δS_i = (δq_i - S_i δq(A)) / q(A), so |δS_i| <= (b_i + S_i b(A)) / (q(A) - b(A));
    the float evaluation adds (|A| + 2)·eps·S_i (the sum and the division).
    """
    inside, slack = q[keep].sum(), bound[keep].sum()
    if inside - slack <= 0:
        return None
    s = np.where(keep, q / inside, 0.0)
    return np.where(keep, (bound + s * slack) / (inside - slack) + (keep.sum() + 2) * eps * s, 0.0)


def _zero_objective(xp, q):
    return xp.zeros((), dtype=q.dtype)


def _infinite_objective(xp, q):
    return xp.full((), math.inf, dtype=q.dtype)


class TopK(StudentClass):
    """Σ_k: students with at most k tokens; the reverse projection keeps the target's top k."""

    def __init__(self, k: int):
        if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
            raise ValueError(f"k must be a positive integer, got {k!r}")
        self.k = int(k)
        self.spec = f"topk:{self.k}"
        self.summary = f"Σ_{self.k} = {{S : |supp S| <= {self.k}}} (reverse projection: top-{self.k} of the target, renormalised)"

    def _solve(self, xp, q, direction):
        values = host(q)
        positive = (values > 0).astype(bool)
        if positive.sum() <= self.k:
            return Argmin(UNIQUE, q, _zero_objective(xp, q))
        if direction == "forward":
            return Argmin(EVERYTHING, None, _infinite_objective(xp, q))
        cut = values[np.argsort(-values, kind="stable")[self.k - 1]]  # the k-th largest, > 0
        keep = (values > cut).astype(bool)
        tied = np.flatnonzero((values == cut).astype(bool))
        places = self.k - int(keep.sum())
        keep[tied[:places]] = True
        student, objective = _restriction(xp, q, keep)
        if tied.size > places:
            return Argmin(TIES, student, objective, free=tuple(int(i) for i in tied))
        return Argmin(UNIQUE, student, objective)

    def sensitivity(self, q, result, bound, direction, eps):
        if result.kind == TIES:
            return None
        if result.kind == EVERYTHING:  # stable while more than k entries stay positive
            return np.zeros_like(q) if (q > bound).sum() > self.k else None
        if np.count_nonzero(q) <= self.k:  # S = q, stable while no zero can turn positive past k tokens
            return bound.copy() if np.count_nonzero((q > 0) | (bound > 0)) <= self.k else None
        keep = result.student > 0
        if (q[keep] - bound[keep]).min() <= (q[~keep] + bound[~keep]).max():
            return None  # the top-k set can change within the box
        return _restriction_bound(q, keep, bound, eps)


class FixedSupport(StudentClass):
    """Δ(A): students supported on a fixed set A of token ids."""

    def __init__(self, indices):
        given = tuple(int(i) for i in indices)
        ids = tuple(sorted(set(given)))
        if not ids or ids[0] < 0 or len(ids) != len(given):
            raise ValueError(f"a support is a non-empty set of distinct token ids >= 0, got {given!r}")
        self.indices = ids
        self.min_size = max(2, ids[-1] + 1)
        self.spec = "support:" + ",".join(map(str, ids))
        self.summary = f"Δ(A), A = {{{', '.join(map(str, ids))}}} (reverse projection: the target restricted to A, renormalised)"

    def _mask(self, V: int) -> np.ndarray:
        if self.indices[-1] >= V:
            raise ShapeError(f"support {self.indices} needs V > {self.indices[-1]}, but the target has V = {V}")
        keep = np.zeros(V, dtype=bool)
        keep[list(self.indices)] = True
        return keep

    def _solve(self, xp, q, direction):
        keep = self._mask(int(q.shape[-1]))
        values = host(q)
        outside_support = bool((values[~keep] > 0).any())
        if len(self.indices) == 1:  # the class {e_a}: its member is the minimiser whatever it costs
            student = xp.asarray(keep.astype(np.float64)) * xp.ones_like(q)
            pair = (student, q) if direction == "reverse" else (q, student)
            return Argmin(UNIQUE, student, kl_divergence(*pair, validate=False))
        if direction == "forward":
            if outside_support:
                return Argmin(EVERYTHING, None, _infinite_objective(xp, q))
            return Argmin(UNIQUE, q, _zero_objective(xp, q))
        if not bool((values[keep] > 0).any()):
            return Argmin(EVERYTHING, None, _infinite_objective(xp, q))
        student, objective = _restriction(xp, q, keep)
        return Argmin(UNIQUE, student, objective)

    def sensitivity(self, q, result, bound, direction, eps):
        keep = self._mask(q.shape[-1])
        if len(self.indices) == 1:
            return np.zeros_like(q)
        if direction == "forward":
            if result.kind == EVERYTHING:
                return np.zeros_like(q) if (q[~keep] > bound[~keep]).any() else None
            return bound.copy() if not (bound[~keep] > 0).any() else None
        if result.kind == EVERYTHING:
            return np.zeros_like(q) if not (bound[keep] > 0).any() else None
        return _restriction_bound(q, keep, bound, eps)

"""Bounded-entropy students, 𝒮_h = {S ∈ Δ^V : H(S) <= h}.

The constraint set is not convex (H is concave: its *super*-level sets are
convex, these sub-level sets are not), so neither projection is a convex
problem; both have closed-form structure all the same.

Common step: if H(q) <= h, then S = q (divergence 0).  Otherwise the
minimiser lies on the boundary H(S) = h: KL(·‖q) and KL(q‖·) are convex with
their unique minimum at q, so a minimiser with H(S) < h would be a local
minimum in a relatively open set of the simplex, hence global, hence q --
which is not in 𝒮_h.  (A minimiser exists: the set is compact and both
divergences are lower semicontinuous.)

Reverse, argmin KL(S‖q) with H(q) > h
------------------------------------
Write KL(S‖q) = -H(S) - sum_i S_i log q_i.  Let M be the m tied maxima of q.

* h > log m: on {H(S) = h} the Lagrange conditions give S ∝ q^β on supp q,
  and the derivation of :mod:`skdcore.operators.entropy_projection`
  (KL(S‖q) - KL(q_β‖q) = KL(S‖q_β)/β >= 0 for β > 0) makes the β > 0 escort
  the unique minimiser.  H(q_β) decreases strictly in β from H(q_1) = H(q) > h,
  so β > 1: **the projection is the entropy projection of Construction 1 at
  the fixed target h** (computed by :func:`skdcore.entropy_projection` with
  the constant schedule h), i.e. the power transform of q at T_eff = 1/β < 1.
* h <= log m: -H(S) >= -h and -sum S_i log q_i >= -log max q, with equality
  iff H(S) = h and S lives on M.  So the minimisers are *all* distributions
  on M with entropy h (kind ``ties``, ``free`` = M; one, the uniform on M,
  when h = log m).  Canonical member: the most mass on the first tied index,
  (a, b, ..., b) with a >= b and entropy h (for h = 0 the one-hot e_{min M}:
  𝒮_0 is the hard-label class, and the two projections agree).

Consequence for KD-equivalence: every operator whose targets lie on the
escort path {q ∝ p^β} of the teacher (power transform, entropy projection
with any schedule) projects to the same student, p's escort of entropy h,
whenever its target has entropy above h -- the targets then differ only in
β, which the projection forgets.  They are not equivalent overall, because a
target with entropy below h is its own projection.

Forward, argmin KL(q‖S) with H(q) > h > 0
----------------------------------------
KKT with multipliers λ (sum) and ν > 0 (entropy): q_i/S_i = λ - ν(1 + log S_i);
summing S_i·(...) over i with sum S = 1 and H(S) = h gives λ - ν = 1 - νh,
and with t = 1/ν

    -log S_i = h + t (q_i/S_i - 1)        for i ∈ supp q,  S_i = 0 elsewhere.

For fixed t, the map S -> -log S - t q_i/S increases up to S = t q_i and
decreases after, so each entry has a lower root (S_i < t q_i) and an upper
root.  With u_i = t q_i / S_i the lower root solves u - log u = L_i,
L_i = t - log(t q_i) - h, u >= 1 (Lambert W_{-1}).  The minimiser puts every
entry on its lower root except one entry j of largest q, which may sit on
either side (the mode is boosted past t q_j when concentrating mass pays).
Parametrised by r = 1 - S_j (the mass off j), t(r) = (-log(1 - r) - h)(1 - r)
/ (r - (1 - q_j)) follows from entry j's equation, and the one remaining
equation sum_{i≠j} S_i(t(r)) = r is solved by safeguarded Newton on
r ∈ (0, min(1 - q_j, 1 - e^{-h})).  (This structure was checked against
brute-force constrained optimisation; see tests/test_students_entropy.py.)
Tied maxima with entry j pushed past t q_j break the tie: the minimisers are
the m mirror images (kind ``ties``, canonical j = min M).  For h = 0 the
class is the one-hots and the forward projection is ``everything`` unless q is
one-hot (see :mod:`.hard_label`).
"""

from __future__ import annotations

import math

import numpy as np

from ..information import entropy, kl_divergence
from ..operators.entropy_projection import effective_temperature, entropy_projection
from .base import (
    EVERYTHING,
    TIES,
    UNIQUE,
    Argmin,
    StudentClass,
    finite_difference_sensitivity,
    host,
)

__all__ = ["BoundedEntropy"]


class BoundedEntropy(StudentClass):
    """Students of entropy at most h (nats)."""

    def __init__(self, h: float):
        value = float(h)
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"the entropy bound h must be a finite number >= 0 (nats), got {h!r}")
        self.h = value
        self.spec = f"entropy:h={value!r}"
        self.summary = f"{{S : H(S) <= {value!r}}} (reverse projection: the entropy projection of the target at h)"

    def _schedule(self, T, entropy_p, V):
        return self.h

    def _solve(self, xp, q, direction):
        if bool(entropy(q, validate=False) <= self.h):
            return Argmin(UNIQUE, q, xp.zeros((), dtype=q.dtype))
        if direction == "reverse":
            return self._reverse(xp, q)
        if self.h == 0.0:  # one-hot students, q is not one-hot: KL(q‖e_j) = +inf for every j
            return Argmin(EVERYTHING, None, xp.full((), math.inf, dtype=q.dtype))
        return self._forward(xp, q)

    # -- reverse ------------------------------------------------------------

    def _reverse(self, xp, q):
        values = host(q)
        ties = np.flatnonzero((values == values.max()).astype(bool))
        log_m = xp.log(xp.asarray(float(ties.size), dtype=q.dtype))
        h = xp.asarray(self.h, dtype=q.dtype)
        if bool(h > log_m):
            student = entropy_projection(q, 1.0, schedule=self._schedule, validate=False)
            return Argmin(UNIQUE, student, kl_divergence(student, q, validate=False))
        # Every distribution on the maxima with entropy h; the objective is -h - log max q.
        objective = -h - xp.log(xp.max(q))
        if bool(h == log_m):
            on_ties = xp.where(xp.asarray(values == values.max()), xp.ones_like(q), xp.zeros_like(q))
            return Argmin(UNIQUE, on_ties / xp.sum(on_ties), objective)
        return Argmin(TIES, self._two_level(xp, q, ties), objective, free=tuple(int(i) for i in ties))

    def _two_level(self, xp, q, ties):
        """(a, b, ..., b) on ``ties`` (a on the first) with entropy h: the entropy
        projection at h of any two-level base on the ties (the escort path of a
        two-level base is the family of two-level distributions)."""
        base = np.zeros(q.shape[-1], dtype=np.float64)
        base[ties] = 0.5
        base[ties[0]] = 1.0
        w = xp.asarray(base) * xp.ones_like(q)
        return entropy_projection(w / xp.sum(w), 1.0, schedule=self._schedule, validate=False)

    # -- forward ------------------------------------------------------------

    def _forward(self, xp, q):
        values = host(q)
        ties = np.flatnonzero((values == values.max()).astype(bool))
        j = int(ties[0])
        others = xp.asarray(((values > 0) & (np.arange(values.size) != j)).astype(bool))
        zero = xp.zeros_like(q)
        q_o = xp.where(others, q, xp.ones_like(q))  # placeholders off the support keep logs finite
        rest = xp.sum(xp.where(others, q, zero))  # 1 - q_j, without cancellation
        h = xp.asarray(self.h, dtype=q.dtype)
        r, t, boosted = _forward_root(xp, q_o, others, rest, h)
        u = _lower_branch(xp, t - xp.log(t * q_o) - h, others)
        student = xp.where(others, t * q_o / u, zero)
        student = xp.where(xp.asarray(np.arange(values.size) == j), 1 - r, student)
        objective = kl_divergence(q, student, validate=False)
        free = tuple(int(i) for i in ties) if boosted and ties.size > 1 else ()
        return Argmin(TIES if free else UNIQUE, student, objective, free=free, parameters=(t,))

    # -- perturbation ---------------------------------------------------------

    def sensitivity(self, q, result, bound, direction, eps):
        H, support = float(entropy(q, validate=False)), q > 0
        logs = np.log(np.where(support, q, 1.0))
        slack = float(np.sum(bound * np.abs(np.where(support, logs + 1, 1.0)))) + 4 * eps * q.size
        if H < self.h - slack:  # S = q in every target of the box
            return bound.copy()
        if H <= self.h + slack or result.kind == TIES:
            return None
        if direction == "forward":
            return finite_difference_sensitivity(self, q, result, bound, direction, eps)
        top = q.max()
        near_ties = np.count_nonzero(q + bound >= top - bound[np.argmax(q)])
        if near_ties > np.count_nonzero(q == top) and self.h <= math.log(near_ties):
            return None  # the tied maxima can change, and with them the branch
        beta = 1.0 / float(effective_temperature(q, 1.0, schedule=self._schedule, validate=False))
        s = result.student
        rel = np.where(support, bound / np.where(support, q, 1.0), 0.0)  # relative perturbation of log q
        x = np.where(support, logs, 0.0)
        centred = np.where(support, x - np.sum(s * x), 0.0)
        variance = float(np.sum(s * centred**2))
        if variance <= 0:
            return None
        d_beta = beta * float(np.sum(s * np.abs(centred) * rel)) / variance
        d_h = 8 * eps * (math.log(q.size) + self.h)  # the solver's resolution of the target entropy
        change = s * (beta * (rel + float(np.sum(s * rel))) + (d_beta + d_h / (beta * variance)) * np.abs(centred))
        rounding = 4 * eps * s * (4 + beta * np.abs(np.where(support, x - np.log(top), 0.0)) + q.size)
        off_support = np.where(support, 0.0, bound / top)  # a zero turned into b: S_i <= (b/max q)^β <= b/max q
        return 2 * (change + rounding) + off_support


def _lower_branch(xp, L, active):
    """u >= 1 with u - log u = L (the W_{-1} branch: u = -W_{-1}(-e^{-L})), where ``active``.

    f(u) = u - log u - L is convex and increasing for u > 1, so Newton from a
    start above the root decreases monotonically to it; the start
    max(L + log L + 1, 1 + sqrt(2(L - 1)) + (L - 1)) is above it (u - log u
    grows like u and like 1 + (u - 1)²/2 near 1).  Entries with L <= 1 have
    no lower root but the branch point; they return u = 1.
    """
    L = xp.where(active, L, 2 * xp.ones_like(L))
    excess = xp.maximum(L - 1, xp.zeros_like(L))
    u = xp.maximum(L + xp.log(L) + 1, 1 + xp.sqrt(2 * excess) + excess)
    eps = float(xp.finfo(L.dtype).eps)
    for _ in range(_iterations(eps)):
        slope = 1 - 1 / u
        f = u - xp.log(u) - L
        step = xp.where(slope > 0, f / xp.where(slope > 0, slope, xp.ones_like(slope)), xp.zeros_like(u))
        u = xp.maximum(u - step, xp.ones_like(u))
        if bool(xp.all(xp.abs(step) <= 4 * eps * u)):
            break
    return xp.where(active, u, xp.ones_like(u))


def _iterations(eps: float) -> int:
    return 4 * max(1, round(-math.log2(eps))) + 64


def _forward_root(xp, q_o, others, rest, h):
    """(r, t, boosted) for the forward projection (module docstring): r = 1 - S_j in
    (0, r_hi), r_hi = min(1 - q_j, 1 - e^{-h}), the root of
    g(r) = sum_{i≠j} S_i(t(r)) - r, which is positive near 0 and negative near r_hi."""
    one = xp.ones((), dtype=q_o.dtype)
    r_hi = xp.minimum(rest, -xp.expm1(-h))
    q_j = 1 - rest

    def residual(r):
        t = (-xp.log1p(-r) - h) * (1 - r) / (r - rest)
        dt = (((r - rest) / (1 - r)) / (1 - r) - (-xp.log1p(-r) - h) * q_j / (1 - r) ** 2) / ((r - rest) / (1 - r)) ** 2
        u = _lower_branch(xp, t - xp.log(t * q_o) - h, others)
        s = t * q_o / u
        zero = xp.zeros_like(s)
        curvature = 1 - 1 / u  # 0 at the branch point u = 1 (placeholders off the support sit there too)
        du = xp.where(curvature > 0, (1 - 1 / t) / xp.where(curvature > 0, curvature, xp.ones_like(u)), zero)
        ds = q_o / u - t * q_o * du / u**2
        g = xp.sum(xp.where(others, s, zero)) - r
        slope = xp.sum(xp.where(others, ds, zero)) * dt - 1
        return g, slope, t

    lo, hi = xp.zeros((), dtype=q_o.dtype), r_hi
    r = r_hi / 2
    eps = float(xp.finfo(q_o.dtype).eps)
    for _ in range(_iterations(eps)):
        g, slope, t = residual(r)
        if bool(g == 0):
            break
        if bool(g > 0):
            lo = r
        else:
            hi = r
        newton = r - g / slope if bool(slope != 0) else -one
        r_next = newton if bool(lo < newton) and bool(newton < hi) else (lo + hi) / 2
        converged = bool(xp.abs(r_next - r) <= 4 * eps * r)
        r = r_next
        if converged:
            break
    _, _, t = residual(r)
    boosted = bool(1 - r > t * q_j)  # entry j on its upper root
    return r, t, boosted

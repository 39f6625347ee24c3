"""Bounded-entropy students {S : H(S) <= h}: both projections against independent references.

* Reverse: the closed form (the entropy projection of Construction 1 at the
  fixed target h, exponent β > 1) is compared at 50 digits with the *other*
  mpmath implementation of that projection, :func:`skdcore.reference.entropy_projection_ref`
  (written independently for the operator): both are exact to ~10^-45 up to the
  conditioning of h -> S (at most ~1e10 on these inputs), so they must agree
  to 1e-30 relative.
* Both directions against brute force: the V = 3 level-curve walk of
  :func:`skdcore.reference.students.entropy_level_ref` (objective to 1e-12,
  students to 1e-6: the walk locates the minimiser along a flat curve) and, in
  the forward direction, SLSQP multi-start (the closed form must never lose).
* float64 against the same code at 50 digits, within the first-order bound of
  :meth:`StudentClass.sensitivity` for a 4-ulp perturbation of the target
  (the conditioning of the projection), which also tests that bound.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from proofs_checks.strategies import probability_vectors
from skdcore import entropy
from skdcore.reference import entropy_projection_ref
from skdcore.reference.context import context
from skdcore.reference.students import entropy_level_ref
from skdcore.students import EVERYTHING, TIES, UNIQUE, BoundedEntropy, HardLabel

EPS = float(np.finfo(np.float64).eps)
MP = context(50)  # every high-precision check below evaluates in this 50-digit context
vectors = st.one_of(probability_vectors("interior", max_size=12), probability_vectors("boundary", max_size=12))
small = st.one_of(probability_vectors("interior", max_size=6), probability_vectors("boundary", max_size=6))
levels = st.sampled_from([0.05, 0.3, 0.5, 1.0, 2.0])


def as_floats(values) -> np.ndarray:
    return np.array([float(v) for v in values])


def shannon(S) -> float:
    S = np.asarray(S, dtype=np.float64)
    return float(-np.sum(S[S > 0] * np.log(S[S > 0])))


@settings(max_examples=12, deadline=None)
@given(small, levels)
def test_reverse_is_the_entropy_projection_with_beta_above_one(q, h):
    cls = BoundedEntropy(h)
    exact = cls.reference(q, "reverse", 50)
    if float(entropy(q)) <= h:
        total = MP.fsum(MP.mpf(x) for x in q)
        assert exact.kind == UNIQUE and max(abs(s - MP.mpf(x) / total) for s, x in zip(exact.student, q)) <= MP.mpf("1e-45")
        return
    assume(exact.kind == UNIQUE and np.count_nonzero(q == q.max()) < np.count_nonzero(q))
    other = entropy_projection_ref(q, 1.0, 50, schedule=lambda T, H_p, V: h)
    scale = max(abs(x) for x in other)
    assert max(abs(a - b) for a, b in zip(exact.student, other)) <= MP.mpf("1e-30") * scale
    # S ∝ q^β on supp q with β > 1: log S_i - log S_top = β log(q_i / q_top).
    top = int(np.argmax(q))
    inner = [i for i in range(q.size) if 0 < q[i] < q[top]]
    betas = [MP.log(exact.student[i] / exact.student[top]) / MP.log(MP.mpf(q[i]) / MP.mpf(q[top])) for i in inner]
    assert all(abs(b - betas[0]) <= MP.mpf("1e-30") * betas[0] for b in betas) and betas[0] > 1
    assert abs(-MP.fsum(s * MP.log(s) for s in exact.student if s > 0) - h) <= MP.mpf("1e-40")


@settings(max_examples=20, deadline=None)
@given(vectors, levels, st.sampled_from(["reverse", "forward"]))
def test_float_is_within_the_first_order_bound_of_the_exact_projection(q, h, direction):
    cls = BoundedEntropy(h)
    result, exact = cls.argmin(q, direction), cls.reference(q, direction, 50)
    assert (result.kind, result.free) == (exact.kind, exact.free)
    if result.student is None:
        return
    limit = cls.sensitivity(q, result, 4 * EPS * q, direction, EPS)
    assume(limit is not None)  # at a branch point the structure itself is ill-conditioned
    assert np.all(np.abs(result.student - as_floats(exact.student)) <= limit + 4 * EPS * result.student)


def test_first_order_bound_has_teeth():
    """An implementation whose exponent β is off by 1e-10 relative leaves the bound the test above uses."""
    q = np.array([0.5, 0.3, 0.15, 0.05])
    cls = BoundedEntropy(0.5)
    result = cls.argmin(q)
    limit = cls.sensitivity(q, result, 4 * EPS * q, "reverse", EPS)
    beta = math.log(result.student[1] / result.student[0]) / math.log(q[1] / q[0])
    wrong = q ** (beta * (1 + 1e-10))
    assert np.any(np.abs(wrong / wrong.sum() - result.student) > limit + 4 * EPS * result.student)


@pytest.mark.parametrize("direction", ["reverse", "forward"])
def test_level_curve_brute_force_agrees(direction):
    q = np.array([0.55, 0.3, 0.15])
    result = BoundedEntropy(0.6).argmin(q, direction)
    best, S = entropy_level_ref(q, 0.6, direction)
    assert result.kind == UNIQUE
    assert abs(result.objective - float(best)) <= 1e-12
    assert np.max(np.abs(result.student - as_floats(S))) <= 1e-6


def test_reverse_tied_maxima_below_log_m_is_a_set():
    """h < log m: every distribution on the tied maxima with entropy h is a minimiser,
    at divergence -h - log max q; the brute force reaches the same minimum."""
    q, h = np.array([0.4, 0.4, 0.2]), 0.3
    result = BoundedEntropy(h).argmin(q)
    assert result.kind == TIES and result.free == (0, 1)
    assert result.student[2] == 0 and result.student[0] > result.student[1] > 0  # the canonical two-level member
    assert abs(shannon(result.student) - h) <= 8 * EPS
    assert abs(result.objective - (-h - math.log(0.4))) <= 4 * EPS
    best, _ = entropy_level_ref(q, h, "reverse")
    assert abs(result.objective - float(best)) <= 1e-12


@settings(max_examples=30)
@given(vectors, st.sampled_from(["reverse", "forward"]))
def test_zero_entropy_bound_is_the_hard_label_class(q, direction):
    a, b = BoundedEntropy(0.0).argmin(q, direction), HardLabel().argmin(q, direction)
    assert (a.kind, a.free) == (b.kind, b.free)
    if a.student is not None:
        np.testing.assert_array_equal(a.student, b.student)


@settings(max_examples=30)
@given(vectors, levels, st.sampled_from(["reverse", "forward"]))
def test_targets_inside_the_class_are_their_own_projection(q, h, direction):
    assume(float(entropy(q)) <= h)
    result = BoundedEntropy(h).argmin(q, direction)
    assert result.kind == UNIQUE and result.objective == 0
    np.testing.assert_array_equal(result.student, q)


@settings(max_examples=25, deadline=None)
@given(vectors, levels)
def test_forward_solves_the_kkt_system_on_the_boundary(q, h):
    """sum S = 1, H(S) = h and -log S_i = h + t (q_i/S_i - 1) on supp q (t = 1/ν), at 50 digits."""
    assume(float(entropy(q)) > h)
    exact = BoundedEntropy(h).reference(q, "forward", 50)
    assert exact.kind in (UNIQUE, TIES)
    t = exact.parameters[0]
    S = exact.student
    tol = MP.mpf("1e-35")
    assert abs(MP.fsum(S) - 1) <= tol
    assert abs(-MP.fsum(s * MP.log(s) for s in S if s > 0) - h) <= tol * 100
    total = MP.fsum(MP.mpf(x) for x in q)  # the reference projects q / sum(q) at 50 digits
    for qi, si in zip(q, S):
        if qi > 0:
            assert abs(-MP.log(si) - h - t * (MP.mpf(qi) / total / si - 1)) <= tol * (1 + t / si)
        else:
            assert si == 0


@settings(max_examples=8, deadline=None)
@given(probability_vectors("interior", min_size=3, max_size=5), levels)
def test_forward_never_loses_to_slsqp(q, h):
    """The closed form's divergence is at most the best of SLSQP started from 12 points."""
    optimize = pytest.importorskip("scipy.optimize")
    assume(float(entropy(q)) > h)
    result = BoundedEntropy(h).argmin(q, "forward")

    def student(z):
        w = np.exp(z - z.max())
        return w / w.sum()

    def kl(z):
        return float(np.sum(q * np.log(q / student(z))))

    rng = np.random.default_rng(0)
    constraint = {"type": "ineq", "fun": lambda z: h - shannon(student(z))}
    best = math.inf
    for scale in np.tile([0.3, 1.0, 3.0], 4):
        z0 = np.log(q) + scale * rng.standard_normal(q.size)
        found = optimize.minimize(kl, z0, constraints=[constraint], method="SLSQP", options={"maxiter": 500, "ftol": 1e-14})
        if shannon(student(found.x)) <= h + 1e-9:
            best = min(best, kl(found.x))
    assert result.objective <= best + 1e-9


def test_forward_tied_maxima_break_the_tie():
    """Concentrating mass pays: one of the tied maxima is boosted, the mirror image is
    the other minimiser (kind ties), at the same divergence."""
    q, h = np.array([0.4, 0.4, 0.2]), 0.3
    result = BoundedEntropy(h).argmin(q, "forward")
    assert result.kind == TIES and result.free == (0, 1)
    assert result.student[0] > result.student[1]
    mirror = result.student[[1, 0, 2]]
    assert abs(float(np.sum(q * np.log(q / mirror))) - result.objective) <= 8 * EPS
    assert BoundedEntropy(h).argmin(np.array([0.45, 0.35, 0.2]), "forward").kind == UNIQUE


def test_forward_zero_bound_is_degenerate():
    assert BoundedEntropy(0.0).argmin(np.array([0.5, 0.5]), "forward").kind == EVERYTHING
    with pytest.raises(ValueError, match=">= 0"):
        BoundedEntropy(-0.1)

"""Student classes: protocol, the unrestricted simplex, hard labels and sparse students.

Each closed form is checked twice:

* its *math*, against the brute-force references of
  :mod:`skdcore.reference.students` (exhaustive enumeration of one-hots or of
  supports, each inner convex problem minimised by golden-section coordinate
  descent at 30 digits; that search pins the minimiser to about 10^-15
  -- golden section locates a minimum to the square root of the objective's
  resolution -- so students are compared to 1e-12 and objectives, which are
  flat at the minimum, to 1e-20);
* its *float64 evaluation*, against the same class code on ``skdcore.mp`` at
  50 digits: the renormalised restriction q_i / q(A) is a sum of |A| terms and
  one division, so each entry is within (|A| + 2)·eps relative of the exact one,
  and -log q(A) within (|A| + 2)·eps·(1 + |log q(A)|)·... absolute.
"""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from proofs_checks.strategies import probability_vectors
from skdcore.errors import NotOnSimplexError, ShapeError
from skdcore.reference.students import onehot_ref, sparse_ref
from skdcore.students import (
    EVERYTHING,
    TIES,
    UNIQUE,
    FixedSupport,
    HardLabel,
    ProjectionError,
    Simplex,
    StudentSpecError,
    TopK,
    student_class,
)

EPS = float(np.finfo(np.float64).eps)
BRUTE_STUDENT_TOL = 1e-12
BRUTE_OBJECTIVE_TOL = 1e-20
small_vectors = st.one_of(probability_vectors("interior", max_size=5), probability_vectors("boundary", max_size=5))


def as_floats(values) -> np.ndarray:
    return np.array([float(v) for v in values])


# -- protocol ------------------------------------------------------------------


@pytest.mark.parametrize("spec", ["simplex", "hard", "topk:3", "support:0,2", "loglinear:d=2,seed=7", "entropy:h=0.25"])
def test_spec_round_trips(spec):
    cls = student_class(spec)
    assert student_class(cls.spec).spec == cls.spec == spec
    assert student_class(cls) is cls


@pytest.mark.parametrize("spec", ["", "topk", "topk:0", "topk:x", "support:", "support:1,1", "support:-1",
                                  "loglinear:seed=1", "loglinear:d=2,e=3", "entropy:h=-1", "entropy:x=1", "nope"])
def test_bad_specs_raise_with_the_accepted_forms(spec):
    with pytest.raises(StudentSpecError, match="accepted forms"):
        student_class(spec)


def test_targets_are_validated():
    cls = TopK(2)
    with pytest.raises(NotOnSimplexError):
        cls.argmin(np.array([0.5, 0.6, -0.1]))
    with pytest.raises(ShapeError):
        cls.argmin(np.full((2, 2), 0.5))
    with pytest.raises(ValueError, match="direction"):
        cls.argmin(np.array([0.5, 0.5]), "sideways")
    with pytest.raises(ShapeError, match="V > 4"):
        FixedSupport((0, 4)).argmin(np.full(4, 0.25))


def test_project_is_the_canonical_minimiser_row_by_row():
    q = np.array([[0.5, 0.3, 0.2], [0.2, 0.4, 0.4]])
    np.testing.assert_array_equal(HardLabel().project(q), [[1.0, 0, 0], [0, 1.0, 0]])
    np.testing.assert_array_equal(TopK(2).project(q[:1] * 0 + [0.5, 0.5, 0.0], "forward"), [[0.5, 0.5, 0.0]])
    with pytest.raises(ProjectionError, match=r"row \(1,\).*'everything'"):
        TopK(2).project(np.array([[0.5, 0.5, 0.0], [0.2, 0.4, 0.4]]), "forward")


# -- simplex (Theorem X.2) -------------------------------------------------------


@given(small_vectors, st.sampled_from(["reverse", "forward"]))
def test_simplex_projection_is_the_target(q, direction):
    result = Simplex().argmin(q, direction)
    assert result.kind == UNIQUE and result.objective == 0
    np.testing.assert_array_equal(result.student, q)


# -- hard labels ------------------------------------------------------------------


@settings(max_examples=30)
@given(small_vectors)
def test_hard_label_reverse_is_the_argmax_set(q):
    """Exhaustive enumeration of the one-hots: the minimisers are the tied maxima."""
    best, minimisers = onehot_ref(q, "reverse")
    result = HardLabel().argmin(q)
    assert list(result.free or (int(np.argmax(result.student)),)) == minimisers
    assert result.kind == (TIES if len(minimisers) > 1 else UNIQUE)
    assert result.student[minimisers[0]] == 1.0 and result.student.sum() == 1.0
    # -log max q: one rounding of log, plus the normalisation of q, whose sum is 1
    # only within V·eps (which moves -log max q by up to V·eps absolutely).
    assert abs(result.objective - float(best)) <= 2 * EPS * abs(float(best)) + q.size * EPS


@settings(max_examples=30)
@given(small_vectors)
def test_hard_label_forward_is_degenerate_unless_one_hot(q):
    best, minimisers = onehot_ref(q, "forward")
    result = HardLabel().argmin(q, "forward")
    if np.count_nonzero(q) == 1:
        assert result.kind == UNIQUE and best == 0 and minimisers == [int(np.argmax(q))]
        np.testing.assert_array_equal(result.student, q)
    else:
        assert result.kind == EVERYTHING and result.student is None and best == mpmath.inf
        assert minimisers == list(range(q.size))  # every one-hot ties at +inf


# -- sparse students ----------------------------------------------------------------


BRUTE_RESOLVES = 1e-9  # 10 × the enumeration's student tolerance 10^(-dps/3) at 30 digits


def assert_matches_brute_force(result, brute, q):
    """Objective and student against the enumeration; the kind too where the enumeration
    can tell minimisers apart (they may differ only in entries of q as small as q's
    smallest positive one, which below BRUTE_RESOLVES it counts as one student)."""
    best, minimisers = brute
    if best == mpmath.inf:
        assert result.kind == EVERYTHING and result.objective == math.inf
        return
    assert abs(mpmath.mpf(result.objective) - best) <= BRUTE_OBJECTIVE_TOL + 8 * EPS * (1 + abs(float(best)))
    distances = [np.max(np.abs(result.student - as_floats(S))) for S in minimisers]
    assert min(distances) <= BRUTE_STUDENT_TOL, (result, minimisers)
    if np.min(q[q > 0]) >= BRUTE_RESOLVES:
        assert result.kind == (TIES if len(minimisers) > 1 else UNIQUE)
    else:
        assert result.kind in (TIES, UNIQUE)


@settings(max_examples=6, deadline=None)
@given(probability_vectors("interior", max_size=4) | probability_vectors("boundary", max_size=4), st.data())
def test_sparse_topk_matches_exhaustive_search(q, data):
    k = data.draw(st.integers(1, q.size))
    direction = data.draw(st.sampled_from(["reverse", "forward"]))
    result = TopK(k).argmin(q, direction)
    assert_matches_brute_force(result, sparse_ref(q, direction, k=k), q)
    if result.kind == TIES:  # the minimisers differ only on the tied tokens, which share one value
        free = list(result.free)
        assert len(set(q[free])) == 1 and np.count_nonzero(result.student[free]) < len(free)


@settings(max_examples=20, deadline=None)
@given(probability_vectors("interior", min_size=3, max_size=4) | probability_vectors("boundary", min_size=3, max_size=4),
       st.sampled_from([(0,), (0, 2), (1, 2)]), st.sampled_from(["reverse", "forward"]))
def test_sparse_fixed_support_matches_exhaustive_search(q, support, direction):
    result = FixedSupport(support).argmin(q, direction)
    best, minimisers = sparse_ref(q, direction, support=support)
    if len(support) == 1:  # the class {e_a}: its one member is the minimiser
        assert result.kind == UNIQUE and result.student[support[0]] == 1.0
        assert (result.objective == math.inf) == (best == mpmath.inf)
        return
    assert_matches_brute_force(result, (best, minimisers), q)


def test_sparse_ties_at_the_cut_give_every_choice():
    q = np.array([0.4, 0.2, 0.2, 0.2])
    result = TopK(2).argmin(q)
    assert result.kind == TIES and result.free == (1, 2, 3)
    np.testing.assert_allclose(result.student, [2 / 3, 1 / 3, 0, 0], rtol=4 * EPS)
    _, minimisers = sparse_ref(q, "reverse", k=2)
    assert len(minimisers) == 3  # one per choice of the tied token
    assert TopK(3).argmin(np.array([0.4, 0.3, 0.2, 0.1])).kind == UNIQUE


@settings(max_examples=25)
@given(probability_vectors("interior", max_size=12) | probability_vectors("boundary", max_size=12), st.data())
def test_sparse_float_evaluation_is_within_the_rounding_bound(q, data):
    k = data.draw(st.integers(1, q.size))
    cls = data.draw(st.sampled_from([TopK(k), FixedSupport(tuple(range(min(k, q.size))))]))
    result, exact = cls.argmin(q), cls.reference(q, "reverse", 50)
    assert (result.kind, result.free) == (exact.kind, exact.free)
    if result.student is None:
        return
    support = np.count_nonzero(result.student)
    error = np.abs(result.student - as_floats(exact.student))
    assert np.all(error <= (support + 2) * EPS * as_floats(exact.student))
    if exact.objective == mpmath.inf:  # a singleton support on a zero of q
        assert result.objective == math.inf
        return
    objective_error = abs(mpmath.mpf(result.objective) - exact.objective)
    assert objective_error <= (support + 4) * EPS * (1 + abs(float(exact.objective)))


def test_restriction_bound_has_teeth():
    """The rounding bound above rejects a restriction that is off by 8 ulps."""
    q = np.array([0.5, 0.3, 0.15, 0.05])
    exact = as_floats(TopK(2).reference(q, "reverse", 50).student)
    shifted = exact * (1 + 8 * EPS)
    assert not np.all(np.abs(shifted - exact) <= 4 * EPS * exact)


@settings(max_examples=25)
@given(probability_vectors("interior", max_size=8), st.data())
def test_sparse_sensitivity_bounds_random_perturbations(q, data):
    """Perturbing the target inside the box moves the student by at most the
    first-order bound (twice the linear term): checked on random corners."""
    k = data.draw(st.integers(1, q.size - 1))
    cls = TopK(k)
    result = cls.argmin(q)
    bound = q * data.draw(st.sampled_from([1e-12, 1e-9, 1e-6]))
    limit = cls.sensitivity(q, result, bound, "reverse", EPS)
    if limit is None:
        return
    rng = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1)))
    for _ in range(5):
        moved = q + bound * rng.choice([-1.0, 1.0], q.size)
        other = cls.argmin(moved / moved.sum())
        assert other.kind == result.kind
        assert np.all(np.abs(other.student - result.student) <= limit + 4 * EPS * bound.sum())

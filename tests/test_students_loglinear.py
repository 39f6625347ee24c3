"""Log-linear students softmax(Φθ): moment matching (forward), multi-start stationarity (reverse).

High-precision checks run the class code on ``skdcore.mp`` at 50 digits
(Newton polishing of the float64 θ converges quadratically), where the
optimality conditions must hold to 1e-35 (the Hessians here have condition
numbers far below 1e10).  float64 is checked against that solution within the
first-order bound of :meth:`StudentClass.sensitivity` for a 4-ulp
perturbation of the target, plus the solver's stopping rule (both derived in
:mod:`skdcore.students.loglinear`).  SciPy's BFGS is the independent brute force.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from proofs_checks.strategies import probability_vectors
from skdcore.reference.context import context
from skdcore.students import EVERYTHING, UNATTAINED, UNIQUE, LogLinear

EPS = float(np.finfo(np.float64).eps)
MP = context(50)
interior = probability_vectors("interior", min_size=3, max_size=10)
classes = st.builds(LogLinear, d=st.integers(1, 3), seed=st.integers(0, 3))


def as_floats(values) -> np.ndarray:
    return np.array([float(v) for v in values])


def mp_moments(phi, S, q):
    """max_a |sum_i Φ_ia (S_i - q_i)| at 50 digits (q normalised there, as the reference does)."""
    total = MP.fsum(MP.mpf(x) for x in q)
    return max(abs(MP.fsum(MP.mpf(phi[i, a]) * (S[i] - MP.mpf(q[i]) / total) for i in range(len(q))))
               for a in range(phi.shape[1]))


@settings(max_examples=15, deadline=None)
@given(interior, classes)
def test_forward_is_moment_matching(q, cls):
    exact = cls.reference(q, "forward", 50)
    assume(exact.kind == UNIQUE)
    assert mp_moments(cls.features(q.size), exact.student, q) <= MP.mpf("1e-35")
    result = cls.argmin(q, "forward")
    limit = cls.sensitivity(q, result, 4 * EPS * q, "forward", EPS)
    assert limit is not None
    assert np.all(np.abs(result.student - as_floats(exact.student)) <= limit + 4 * EPS * result.student)


@settings(max_examples=6, deadline=None)
@given(interior, classes)
def test_reverse_is_stationary_and_no_worse_than_bfgs(q, cls):
    optimize = pytest.importorskip("scipy.optimize")
    result = cls.argmin(q)
    assume(result.kind == UNIQUE)
    exact = cls.reference(q, "reverse", 50)
    if exact.kind != UNIQUE:
        # The infimum lies at infinity, flatter than float64 resolves (θ drifts along a
        # direction of zero curvature): float64 cannot tell, but must not certify with it.
        assert exact.kind == UNATTAINED
        assert cls.sensitivity(q, result, 4 * EPS * q, "reverse", EPS) is None
        return
    phi = cls.features(q.size)
    # Stationarity at 50 digits: Ψᵀ(S ⊙ (c - c̄)) = 0 with c = log S - log q.
    total = MP.fsum(MP.mpf(x) for x in q)
    S = exact.student
    c = [MP.log(s) - MP.log(MP.mpf(x) / total) for s, x in zip(S, q)]
    mean_c = MP.fsum(s * ci for s, ci in zip(S, c))
    mean_phi = [MP.fsum(S[i] * MP.mpf(phi[i, a]) for i in range(q.size)) for a in range(cls.d)]
    gradient = [MP.fsum(S[i] * (c[i] - mean_c) * (MP.mpf(phi[i, a]) - mean_phi[a]) for i in range(q.size))
                for a in range(cls.d)]
    assert max(abs(g) for g in gradient) <= MP.mpf("1e-35")

    def objective(theta):
        z = phi @ theta
        log_s = z - z.max() - np.log(np.sum(np.exp(z - z.max())))
        return float(np.sum(np.exp(log_s) * (log_s - np.log(q))))

    rng = np.random.default_rng(1)
    best = min(optimize.minimize(objective, rng.standard_normal(cls.d) * scale, method="BFGS").fun
               for scale in (0.0, 1.0, 3.0, 1.0, 3.0))
    assert result.objective <= best + 1e-10


def test_reverse_reports_other_local_minima():
    """A bimodal target along one feature: the mode-seeking objective has a local
    minimum at each mode; the note names the other one."""
    cls = LogLinear(np.array([[-1.0], [0.0], [1.0]]), starts=6)
    result = cls.argmin(np.array([0.6, 0.001, 0.399]))
    assert result.kind == UNIQUE and result.student[0] > result.student[2]
    assert "other local minima" in result.note


def test_reverse_running_off_past_every_local_minimum_is_unattained():
    """A near-one-hot target with entries down to 1e-286: the divergence keeps falling as θ
    grows (S_θ -> e_2 along the largest feature) past the float64 range of softmax, below the
    one converged local minimum (336.8): no minimiser is returned."""
    q = np.array([6.37236764e-058, 7.35449178e-186, 1.0, 2.18234609e-252, 8.40609137e-286,
                  1.87267054e-096, 1.18182126e-125, 1.42873424e-101, 3.37701701e-226])
    result = LogLinear(d=1, seed=0).argmin(q / q.sum())
    assert result.kind == UNATTAINED and "ran off" in result.note and "336.8" in result.note


@settings(max_examples=15)
@given(probability_vectors("boundary", min_size=3, max_size=8), classes)
def test_reverse_with_a_zero_in_the_target_is_degenerate(q, cls):
    """Every softmax student has full support: KL(S_θ‖q) = +inf for all θ."""
    assert cls.argmin(q).kind == EVERYTHING


@settings(max_examples=10, deadline=None)
@given(interior, st.integers(0, 3), st.sampled_from(["reverse", "forward"]))
def test_enough_features_cover_the_interior(q, seed, direction):
    """With d = V - 1 generic features the family is the whole interior, so S = q."""
    cls = LogLinear(d=q.size - 1, seed=seed)
    result = cls.argmin(q, direction)
    assume(result.kind == UNIQUE)
    limit = cls.sensitivity(q, result, 4 * EPS * q, direction, EPS)
    assume(limit is not None)
    assert np.all(np.abs(result.student - q) <= limit + 4 * EPS * q)


def test_forward_unattained_at_a_vertex():
    """Φᵀq at a vertex of the hull of Φ's rows: θ runs off, no minimiser exists."""
    cls = LogLinear(np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, -1.0]]))
    result = cls.argmin(np.array([1.0, 0.0, 0.0]), "forward")
    assert result.kind == UNATTAINED and result.student is None
    assert cls.argmin(np.array([0.5, 0.25, 0.25]), "forward").kind == UNIQUE


def test_features_are_seeded_per_vocabulary_size():
    a, b = LogLinear(d=3, seed=5), LogLinear(d=3, seed=5)
    np.testing.assert_array_equal(a.features(7), b.features(7))
    assert a.features(7).shape == (7, 3) and not np.array_equal(a.features(7)[:5], a.features(5))
    with pytest.raises(ValueError, match="rows"):
        LogLinear(np.ones((4, 2))).features(5)

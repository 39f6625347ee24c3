"""Measurements of the theorem checks: the bias-variance identity to rounding,
the constrained fit of Theorem IX.1, slopes and per-stage deviations."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from skdcore.train.measurements import (
    bias_variance,
    fit_power_law,
    fit_stage_tradeoff,
    homotopy_summary,
    loglog_slope,
    parameter_deviation,
    sparse_vs_dense,
    stage_record,
    stage_tradeoff_summary,
)

shapes = st.tuples(st.integers(2, 6), st.integers(1, 20), st.integers(1, 8))


@given(shape=shapes, seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([1e-3, 1.0, 1e3]))
def test_bias_variance_identity_holds_to_rounding(shape, seed, scale):
    """E = Bias² + Var for any real arrays, and the rounding bound is tight
    enough to catch the classic slip of dividing Var by K - 1."""
    rng = np.random.default_rng(seed)
    K, N, V = shape
    S, t = scale * rng.normal(size=shape), scale * rng.normal(size=(N, V))
    r = bias_variance(S, t)
    assert r["sigma2"] == 0 and r["identity_holds"], r
    assert abs(r["residual"]) <= r["rounding_bound"]
    assume(r["variance"] > 1e-6 * r["expected_loss"])
    assert r["variance"] / (K - 1) > r["rounding_bound"]


@given(shape=shapes, seed=st.integers(0, 2**32 - 1))
def test_bias_variance_against_a_label_distribution(shape, seed):
    """With Y ~ Cat(η): E_Y ‖S - Y‖² = Σ_c η_c ‖S - e_c‖², σ² = 1 - ‖η‖², and the identity holds."""
    rng = np.random.default_rng(seed)
    K, N, V = shape
    S = rng.dirichlet(np.ones(V), size=(K, N))
    eta = rng.dirichlet(np.ones(V), size=N)
    r = bias_variance(S, eta, label_distribution=True)
    assert r["identity_holds"], r
    eye = np.eye(V)
    direct = np.mean(
        [[sum(eta[x, c] * np.sum((S[k, x] - eye[c]) ** 2) for c in range(V)) for x in range(N)] for k in range(K)]
    )
    assert r["expected_loss"] == pytest.approx(direct, rel=64 * V * np.finfo(float).eps)
    assert r["sigma2"] == pytest.approx(np.mean(1 - np.sum(eta**2, axis=1)), rel=64 * V * np.finfo(float).eps)


def test_sparse_vs_dense_is_consistent_with_the_decomposition():
    rng = np.random.default_rng(3)
    q = rng.dirichlet(np.ones(4), size=30)
    labels = np.eye(4)[rng.integers(0, 4, size=30)]
    teacher = q + 0.05 * rng.normal(size=(5, 30, 4))  # unbiased against q, noisy
    student = np.broadcast_to(q + 0.01, (5, 30, 4))  # biased, no variance
    r = sparse_vs_dense(teacher, student, q, labels, label_distribution=False)
    assert r["delta_bias2"] == pytest.approx(30 * 4 * 1e-4 / 30)
    assert r["delta_var"] > r["delta_bias2"] and r["predicted_student_beats_teacher"]
    assert r["vs_q"]["student_beats_teacher"] and r["vs_q"]["agree"]
    out = r["vs_labels"]
    difference = out["student_risk"] - out["teacher_risk"]
    decomposed = out["student_bias2"] - out["teacher_bias2"] - r["delta_var"]
    assert difference == pytest.approx(decomposed, abs=1e-14)


@given(a=st.floats(0.01, 10), b=st.floats(0.001, 1), c=st.floats(-5, 5))
def test_fit_recovers_an_exact_tradeoff(a, b, c):
    n = np.array([1, 2, 4, 8, 16] * 2, dtype=float)
    fit = fit_stage_tradeoff(n, a / n + b * n + c)
    assert fit["a"] == pytest.approx(a, rel=1e-8, abs=1e-9) and fit["b"] == pytest.approx(b, rel=1e-8, abs=1e-9)
    assert fit["optimum"] == "interior" and fit["n_star"] == pytest.approx(math.sqrt(a / b), rel=1e-6)


def test_fit_respects_the_sign_constraints():
    n = np.array([1, 2, 4, 8, 16], dtype=float)
    rising = fit_stage_tradeoff(n, 0.1 + 0.02 * n - 0.05 / n)  # unconstrained a < 0
    assert rising["a"] == 0 and rising["n_star"] is None and rising["optimum"].startswith("fewest")
    falling = fit_stage_tradeoff(n, 0.1 + 0.3 / n - 0.001 * n)  # unconstrained b < 0
    assert falling["b"] == 0 and falling["n_star"] is None and falling["optimum"].startswith("more")
    flat = fit_stage_tradeoff(n, np.full(5, 0.3))
    assert flat["a"] == 0 and flat["b"] == 0 and flat["r2"] is None


def test_power_law_fit_recovers_the_exponent():
    n = np.array([1, 2, 4, 8, 16], dtype=float)
    r = fit_power_law(n, 0.4 * n**-0.5 + 0.03)
    assert r["alpha"] == pytest.approx(0.5) and r["a"] == pytest.approx(0.4) and r["const"] == pytest.approx(0.03)
    assert not r["at_grid_edge"]
    assert fit_power_law(n, 1.0 - 0.2 * np.log(n))["at_grid_edge"]  # logarithmic decay: α -> 0
    assert fit_power_law(n, 0.1 + 0.01 * n)["alpha"] is None  # rising: no a >= 0 with alpha in [0, 3]


def test_tradeoff_summary_is_reproducible_and_paired():
    rng = np.random.default_rng(0)
    values = {n: list(0.2 / n + 0.01 * n + rng.normal(scale=0.01, size=4)) for n in (1, 2, 4, 8)}
    one, two = stage_tradeoff_summary(values), stage_tradeoff_summary(values)
    assert one == two
    assert one["best_observed_n"] in (2, 4, 8) and 0 <= one["bootstrap_interior_fraction"] <= 1
    two_counts = stage_tradeoff_summary({n: values[n] for n in (1, 8)})  # 3 coefficients, 2 abscissae
    assert two_counts["fit"] is None and two_counts["best_observed_n"] in (1, 8)


def test_loglog_slope():
    x = np.geomspace(0.01, 1, 9)
    r = loglog_slope(x, 3 * x**0.5)
    assert r["slope"] == pytest.approx(0.5, abs=1e-12) and r["stderr"] < 1e-10
    assert loglog_slope([0.1, 0.1, 0.1], [1, 2, 3])["slope"] is None


def test_stage_record_and_the_vacuous_paper_ratio():
    a, b = [np.zeros((1, 2)), np.zeros(1)], [np.array([[3.0, 4.0]]), np.zeros(1)]
    assert parameter_deviation(a, b) == (5.0, 4.0)
    f0, f1 = np.array([[0.5, 0.5]]), np.array([[0.8, 0.2]])
    r = stage_record(0.0, 0.25, (a, b, b), (f0, f1, f1), (0.1, 0.2, 0.1))
    assert r["c"] == 20.0 and r["lipschitz_ratio"] == pytest.approx(0.3 / 5)
    assert r["paper_ratio"] == 0.8  # ‖Δθ‖∞ / ‖Δθ‖₂ <= 1 for every vector: L = 1 always works
    assert stage_record(0.0, 0.0, (a, a, a), (f0, f0, f0), (0.1,) * 3)["c"] is None


def test_homotopy_summary_recognises_a_constant_c():
    """‖Δθ‖ = c Δρ exactly gives slope 1 and the same c for every n."""
    records, ends = {}, {}
    for n in (1, 2, 4):
        stage = {
            "d_rho": 0.9 / n,
            "stage_param_l2": 7 * 0.9 / n,
            "prune_param_l2": 6 * 0.9 / n,
            "stage_function_sup": 0.1 / n,
            "lipschitz_ratio": 0.1 / (7 * 0.9),
            "prune_lipschitz_ratio": 0.01,
            "c": 7.0,
            "paper_ratio": 0.5,
        }
        records[n] = [[dict(stage) for _ in range(n)]] * 2
        ends[n] = [0.1, 0.1]
    r = homotopy_summary(records, ends)
    assert r["slope_stage_param_vs_d_rho"]["slope"] == pytest.approx(1.0)
    assert r["c"]["min"] == r["c"]["max"] == 7.0
    assert r["per_n"]["4"]["path_function_sup"] == pytest.approx(0.1)

"""Perturbed teachers: the simplex projection against a brute-force KKT
reference, and the Gaussian/Laplace mechanisms."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from skdcore.errors import NotOnSimplexError
from skdcore.partial import (
    NoiseScaleError,
    gaussian_mechanism,
    gaussian_sigma,
    laplace_mechanism,
    laplace_scale,
    project_to_simplex,
)
from skdcore.reference.partial import simplex_projection_ref

EPS = np.finfo(np.float64).eps


@settings(max_examples=40)
@given(arrays(np.float64, st.integers(1, 8), elements=st.floats(-10, 10, allow_subnormal=False)))
def test_projection_matches_brute_force(y):
    """Error of the sort-based τ: a cumulative sum of V terms of size <= max|y| + 1."""
    x = project_to_simplex(y)
    ref = np.array([float(v) for v in simplex_projection_ref(y, dps=40)])
    tol = 4 * len(y) * EPS * (1 + np.abs(y).max())
    assert np.all(np.abs(x - ref) <= tol)
    assert np.all(x >= 0) and abs(x.sum() - 1) <= tol


def test_projection_edge_cases(xp):
    p = np.array([[0.1, 0.2, 0.7], [1.0, 0.0, 0.0]])
    np.testing.assert_allclose(np.asarray(project_to_simplex(xp.asarray(p))), p, atol=2 * EPS)  # fixed points
    ties = np.asarray(project_to_simplex(xp.asarray([3.0, 3.0, -1.0])))
    np.testing.assert_array_equal(ties, [0.5, 0.5, 0.0])
    np.testing.assert_allclose(np.asarray(project_to_simplex(xp.asarray([5.0, 5.0, 5.0, 5.0]))), 0.25)
    batch = np.asarray(project_to_simplex(xp.asarray(np.random.default_rng(0).normal(size=(2, 3, 5)))))
    assert batch.shape == (2, 3, 5)
    np.testing.assert_allclose(batch.sum(-1), 1, atol=8 * EPS)
    with pytest.raises(NotOnSimplexError):
        project_to_simplex(xp.asarray([1.0, math.inf]))


@pytest.mark.parametrize("mechanism", [gaussian_mechanism, laplace_mechanism])
@pytest.mark.parametrize("domain", ["probabilities", "log_probabilities"])
def test_mechanisms_return_distributions_reproducibly(xp, mechanism, domain):
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(20), size=4)
    p[0, :5] = 0.0
    p[0] /= p[0].sum()
    a = np.asarray(mechanism(xp.asarray(p), 0.05, domain=domain, rng=7))
    b = np.asarray(mechanism(xp.asarray(p), 0.05, domain=domain, rng=np.random.default_rng(7)))
    np.testing.assert_array_equal(a, b)
    assert np.all(a >= 0)
    np.testing.assert_allclose(a.sum(-1), 1, atol=64 * EPS)
    if domain == "log_probabilities":
        assert np.all(a[0, :5] == a[0, 0])  # zeros get no noise, only the common projection shift
    assert not np.array_equal(a, p)


def test_noise_is_the_stated_scale():
    p = np.full((20000, 2), 0.5)
    y = gaussian_mechanism(p, 0.01, rng=3)  # tiny noise: the projection only re-centres each pair
    diff = (y[:, 0] - y[:, 1]) / 2  # = (η0 - η1)/2, standard deviation σ/√2
    assert abs(diff.std() - 0.01 / math.sqrt(2)) < 3e-4


def test_calibrations_and_errors():
    assert gaussian_sigma(0.5, 1e-5) == pytest.approx(math.sqrt(2) * math.sqrt(2 * math.log(1.25e5)) / 0.5)
    assert laplace_scale(0.5) == 4.0
    for bad in (0.0, -1.0, math.nan, math.inf):
        with pytest.raises(NoiseScaleError):
            gaussian_mechanism(np.array([0.5, 0.5]), bad)
    with pytest.raises(NoiseScaleError):
        gaussian_sigma(2.0, 1e-5)
    with pytest.raises(NoiseScaleError):
        laplace_mechanism(np.array([0.5, 0.5]), 1.0, domain="logits")
    with pytest.raises(NoiseScaleError):
        gaussian_mechanism(np.full(8, 0.125), 1e4, domain="log_probabilities", rng=0)
    with pytest.raises(NotOnSimplexError):
        gaussian_mechanism(np.array([0.5, 0.6]), 0.1)

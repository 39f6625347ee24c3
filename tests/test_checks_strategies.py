"""The exported Hypothesis strategies draw what they promise, labelled."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from proofs_checks import strategies as sks
from skdcore.validation import sum_tolerance


def _on_simplex(p: np.ndarray) -> bool:
    return bool((p >= 0).all()) and abs(math.fsum(p) - 1) <= sum_tolerance(np, p.dtype, p.shape[-1])


@given(sks.simplex_points("interior", max_size=300))
def test_interior_points_are_positive_and_on_the_simplex(point):
    assert point.p.ndim == 1 and 2 <= point.p.shape[0] <= 300
    assert (point.p > 0).all(), point
    assert _on_simplex(point.p)
    assert point.regime.startswith("interior:")


@given(sks.simplex_points("boundary", max_size=300))
def test_boundary_points_have_zeros_and_mass(point):
    assert (point.p == 0).any() and (point.p > 0).any(), point
    assert _on_simplex(point.p)
    assert point.regime.startswith("boundary:")


@given(sks.simplex_points("interior", regimes=("near-ties",), max_size=8))
def test_near_ties_stay_distinct_at_their_gap(point):
    k = int(point.regime.split("gap=1e-")[1].split(")")[0].split(",")[0])
    p = point.p
    i = int(np.argmax(p)) if "at max" in point.regime else 0
    j = 1 if i == 0 else 0
    assert p[j] < p[i], point  # one ulp apart at least, even at gap 1e-16
    assert (p[i] - p[j]) / p[i] <= 10.0**-k + 4 * np.finfo(np.float64).eps


@given(sks.simplex_points("interior", regimes=("ties",), max_size=8))
def test_tied_maxima_are_exact(point):
    if "tied max" in point.regime:
        assert (point.p == point.p.max()).sum() >= 2


@given(sks.simplex_points("interior", regimes=("dynamic-range",), max_size=8, dtype=np.float32))
def test_float32_points_keep_their_support(point):
    assert point.p.dtype == np.float32 and (point.p > 0).all() and _on_simplex(point.p)


@given(sks.temperatures())
def test_temperatures_are_in_range(T):
    assert isinstance(T, float) and 1e-300 <= T <= 1e300


@given(sks.temperatures(1e-6, 1e6))
def test_temperature_bounds_are_respected(T):
    assert 1e-6 <= T <= 1e6


@given(sks.temperature_pairs())
def test_temperature_pairs_are_ordered(pair):
    T, T2 = pair
    assert 1e-300 <= T < T2 <= 1e300


def test_temperatures_reach_the_extremes_and_one():
    seen = set()

    @given(sks.temperatures())
    def collect(T):
        seen.add(T)

    collect()
    assert 1.0 in seen
    assert min(seen) <= 1e-200 and max(seen) >= 1e200


@pytest.mark.parametrize("domain", sks.DOMAINS)
def test_explicit_points_are_labelled_and_valid(domain):
    points = sks.explicit_points(domain)
    assert {p.regime.split(":")[0] for p in points} == {domain}
    for point in points:
        assert _on_simplex(point.p)
        assert ((point.p > 0).all()) == (domain == "interior")


def test_probability_vectors_yield_arrays():
    @given(sks.probability_vectors("boundary", max_size=5))
    def check(p):
        assert isinstance(p, np.ndarray) and (p == 0).any()

    check()


@given(st.data())
def test_unknown_domain_is_rejected(data):
    with pytest.raises(ValueError, match="domain"):
        data.draw(sks.simplex_points("edge"))

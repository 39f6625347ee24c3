"""Convex mixing (eq. 9) against its mpmath reference, including T < 1 where
the paper's schedules leave [0, 1]."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import skdcore
from skdcore.backend import to_numpy
from skdcore.operators import MIX_SCHEDULES
from skdcore.reference import mix_ref
from skdcore.reference.context import context

DPS = 40


def _alpha_ref(schedule: str, T: float):
    """α(T) for each named schedule, evaluated directly in mpmath."""
    ctx = context(DPS)
    t = ctx.mpf(T)
    return {
        "reciprocal": 1 / t,
        "exponential": ctx.exp(1 - t),
        "clipped_reciprocal": min(ctx.one, 1 / t),
    }[schedule]


def _assert_matches_reference(q, p, alpha, eps):
    """|q_i - q*_i| <= 4 eps (|α| p_i + |1 - α|/V): each of α, 1 - α, the
    product, quotient and sum is rounded once (a few eps relative), so the
    error is a few eps of the magnitude of the two terms."""
    ref = mix_ref(p, alpha, dps=DPS)
    V = p.shape[-1]
    for qi, exact, pi in zip(q, ref, p):
        bound = 4 * eps * (abs(alpha) * pi + abs(1 - alpha) / V)
        assert abs(float(qi) - exact) <= bound


@pytest.mark.parametrize("schedule", sorted(MIX_SCHEDULES))
@pytest.mark.parametrize("T", [1e-300, 1e-3, 0.5, 1 - 2**-40, 1.0, 1 + 2**-40, 2.0, 1e3, 1e300])
def test_schedules_match_reference(xp, schedule, T):
    p = np.random.default_rng(3).dirichlet(np.ones(12))
    q = to_numpy(skdcore.mix(xp.asarray(p), T, alpha=schedule))
    _assert_matches_reference(q, p, _alpha_ref(schedule, T), float(np.finfo(np.float64).eps))


@given(T=st.floats(1e-3, 1e3), seed=st.integers(0, 2**32 - 1))
def test_float32_matches_reference(T, seed):
    p = np.random.default_rng(seed).dirichlet(np.ones(9)).astype(np.float32)
    q = skdcore.mix(p, T)
    assert q.dtype == np.float32
    _assert_matches_reference(q, p, _alpha_ref("reciprocal", T), float(np.finfo(np.float32).eps))


def test_below_one_extrapolates_away_from_uniform_as_eq9_says():
    # α(1/2) = 2: q = 2p - u, which is negative where p_i < 1/(2V).
    p = np.array([0.7, 0.25, 0.05])
    q = skdcore.mix(p, 0.5)
    np.testing.assert_allclose(q, 2 * p - 1 / 3, rtol=0, atol=4e-16)
    assert q[2] < 0


def test_clipped_schedule_is_identity_below_one():
    p = np.array([0.7, 0.25, 0.05])
    np.testing.assert_array_equal(skdcore.mix(p, 0.01, alpha="clipped_reciprocal"), p)


def test_callable_schedule():
    p = np.array([0.5, 0.5, 0.0, 0.0])
    np.testing.assert_allclose(skdcore.mix(p, 3.0, alpha=lambda T: 0.5), [0.375, 0.375, 0.125, 0.125], rtol=0, atol=1e-16)


def test_unknown_schedule_is_rejected():
    with pytest.raises(ValueError, match="unknown mixing schedule"):
        skdcore.mix(np.array([1.0]), 2.0, alpha="linear")

"""The power transform against its mpmath reference (issue 2's accuracy bar).

Errors are measured in condition-aware ulps (skdcore.reference.accuracy): the
target is <= 4 in float64 on the stress set, for every namespace, and the same
in float32 with float32's eps.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import skdcore
from skdcore.backend import to_numpy
from skdcore.reference import power_ref, softmax_ref
from skdcore.reference.accuracy import condition_aware_ulp_error
from skdcore.reference.stress import STRESS_TEMPERATURES, stress_rows

TARGET_ULPS = 4.0
REFERENCE_DPS = 40  # far beyond float64; the error measure needs ~20 digits
STRESS = dict(stress_rows())
EPS64 = float(np.finfo(np.float64).eps)


@lru_cache(maxsize=None)
def _reference(label: str, dtype, T: float):
    return power_ref(STRESS[label].astype(dtype), T, dps=REFERENCE_DPS)


def _worst_error(xp, p, T, reference):
    q = to_numpy(skdcore.power(xp.asarray(p), T))
    assert q.dtype == p.dtype and q.shape == p.shape
    return condition_aware_ulp_error(q, reference, p, T, p.dtype, dps=REFERENCE_DPS)


@pytest.mark.parametrize("label", sorted(STRESS))
def test_stress_set_float64_within_target(xp, label):
    p = STRESS[label]
    worst = max(_worst_error(xp, p, T, _reference(label, np.float64, T)) for T in STRESS_TEMPERATURES)
    assert worst <= TARGET_ULPS


@pytest.mark.parametrize("label", [k for k in sorted(STRESS) if "subnormal" not in k])
def test_stress_set_float32_within_target(label):
    p = STRESS[label].astype(np.float32)
    worst = max(_worst_error(np, p, T, _reference(label, np.float32, T)) for T in STRESS_TEMPERATURES)
    assert worst <= TARGET_ULPS


def _simplex_rows(max_v=40):
    weights = hnp.arrays(
        np.float64,
        st.integers(2, max_v),
        elements=st.one_of(st.just(0.0), st.floats(1e-300, 1.0), st.floats(0.5, 1.0)),
    ).filter(lambda w: w.sum() > 0)
    return weights.map(lambda w: w / w.sum())


temperatures = st.one_of(
    st.floats(-300, 300).map(lambda e: 10.0**e),
    st.floats(0.5, 2.0),
    st.sampled_from([1e-300, 1.0, 1e300]),
)


@given(p=_simplex_rows(), T=temperatures)
def test_random_rows_within_target(p, T):
    assert _worst_error(np, p, T, power_ref(p, T)) <= TARGET_ULPS


@given(p=_simplex_rows(), T=temperatures)
def test_zeros_stay_zero_and_ties_stay_tied(p, T):
    q = skdcore.power(p, T)
    assert np.all(q[p == 0] == 0)
    assert np.all(np.isfinite(q)) and np.all(q >= 0)
    for value in np.unique(p):
        assert np.unique(q[p == value]).size == 1


def test_exact_tied_maxima_split_evenly_at_tiny_temperature():
    p = np.array([0.3, 0.3, 0.2, 0.2])
    q = skdcore.power(p, 1e-300)
    np.testing.assert_array_equal(q, [0.5, 0.5, 0.0, 0.0])


def test_batch_dimensions_match_rowwise_evaluation(xp):
    rng = np.random.default_rng(1)
    p = rng.dirichlet(np.ones(6), size=(2, 3))
    q = to_numpy(skdcore.power(xp.asarray(p), 0.7))
    for i in range(2):
        for j in range(3):
            ref = power_ref(p[i, j], 0.7)
            assert condition_aware_ulp_error(q[i, j], ref, p[i, j], 0.7) <= TARGET_ULPS


@given(
    z=hnp.arrays(np.float64, st.integers(1, 30), elements=st.floats(-700, 700)),
    shift=st.integers(-40, 40).map(lambda k: math.ldexp(1.0, k)),
    T=temperatures,
)
def test_from_logits_matches_softmax_reference_and_is_shift_invariant(z, shift, T):
    z = np.round(z)  # integer logits: adding a power of two below 2**40 is exact
    q = skdcore.from_logits(z, T)
    ref = softmax_ref(z, T)
    top = float(np.max(z))
    for qi, exact, zi in zip(q, ref, z):
        condition = 1 + len(z) + abs(zi - top) / T
        assert abs(float(qi) - float(exact)) <= TARGET_ULPS * EPS64 * max(float(exact), 1e-300) * condition
    np.testing.assert_array_equal(skdcore.from_logits(z + shift, T), q)


def test_from_logits_masked_tokens_are_zero():
    z = np.array([[0.0, -np.inf, 1.0], [-np.inf, 5.0, -np.inf]])
    q = skdcore.from_logits(z, 2.0)
    np.testing.assert_array_equal(q[:, 1][1], 1.0)
    assert q[0, 1] == 0 and q[1, 0] == 0 and q[1, 2] == 0


def test_torch_tensors_give_the_numpy_result():
    torch = pytest.importorskip("torch")
    p = np.random.default_rng(2).dirichlet(np.ones(50), size=4)
    q = skdcore.power(torch.from_numpy(p), 0.3)
    assert isinstance(q, torch.Tensor) and q.dtype == torch.float64
    for row, q_row in zip(p, q.numpy()):
        assert condition_aware_ulp_error(q_row, power_ref(row, 0.3), row, 0.3) <= TARGET_ULPS

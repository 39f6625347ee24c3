"""The entropy-projection kernel against the mpmath reference and the array-API path.

The tolerance model is the one of ``tests/test_entropy_projection.py``
(imported from there): escort error at a fixed temperature, plus the error of
the entropy target mapped through the problem's own sensitivity dq/dh, plus
the solver's resolution.  The kernel is called directly on the stress rows
(also those below the dispatch threshold) and on random batches.
"""

from __future__ import annotations

import math
import warnings

import array_api_strict
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_entropy_projection import (
    REFERENCE_DPS,
    SHORT_TEMPERATURES,
    STRESS,
    STRICT,
    _check_against_reference,
    _eps,
    _reference,
    _tiny,
)

from skdcore.kernels.cpu_entropy_projection import entropy_projection
from skdcore.operators.entropy_projection import effective_temperature
from skdcore.reference import entropy_projection_ref


def _worst(dtype, labels, schedules):
    eps_w, tiny_w = _eps(np.float64), _tiny(np.float64)
    eps_out, tiny_out = _eps(dtype), _tiny(dtype)
    worst = (0.0, ())
    for label in labels:
        p = STRESS[label].astype(dtype)
        for schedule in schedules:
            for T in SHORT_TEMPERATURES:
                q, _, _ = entropy_projection(p[None], T, schedule)
                assert q.dtype == p.dtype
                q_ref, info = _reference(label, np.dtype(dtype).name, T, schedule)
                ratio = _check_against_reference(q[0], p, T, schedule, q_ref, info, eps_w, eps_out, tiny_w, tiny_out)
                worst = max(worst, (ratio, (label, schedule, T)))
    return worst


@pytest.mark.parametrize("schedule", ["reciprocal", "power"])
def test_stress_rows_agree_with_reference_float64(schedule):
    worst, where = _worst(np.float64, sorted(STRESS), (schedule,))
    assert worst <= 1.0, f"error {worst:.3g} x tolerance at {where}"


def test_stress_rows_agree_with_reference_float32():
    worst, where = _worst(np.float32, STRICT, ("reciprocal",))
    assert worst <= 1.0, f"error {worst:.3g} x tolerance at {where}"


@st.composite
def batches(draw):
    n, V = draw(st.integers(1, 4)), draw(st.integers(1, 30))
    element = st.one_of(st.just(0.0), st.just(0.25), st.floats(1e-12, 1.0))
    w = draw(hnp.arrays(np.float64, (n, V), elements=element).filter(lambda w: np.all(w.sum(axis=-1) > 0)))
    return w / w.sum(axis=-1, keepdims=True)


@given(p=batches(), T=st.sampled_from((1e-300, 0.05, 0.5, 1.0, 1.7, 30.0, 1e300)), schedule=st.sampled_from(["reciprocal", "power"]))
def test_random_batches_agree_with_reference_and_array_path(p, T, schedule):
    """Within the tolerance model of the exact result, with the array path's case
    (uniform, unreachable above or below, solved) for every row."""
    q, t_eff, _ = entropy_projection(p, T, schedule)
    with warnings.catch_warnings():
        # The array path overflows in a division for some rows at T = 1e-300 (e.g.
        # p = [4e-12, 1]); its own tests own that.  Only its cases are compared here.
        warnings.simplefilter("ignore", RuntimeWarning)
        t_array = np.asarray(effective_temperature(array_api_strict.asarray(p), T, schedule=schedule, validate=False))
    np.testing.assert_array_equal(np.isinf(t_eff), np.isinf(t_array))
    np.testing.assert_array_equal(t_eff == 0, t_array == 0)
    eps, tiny = _eps(np.float64), _tiny(np.float64)
    for row, q_row in zip(p, q):
        q_ref, info = entropy_projection_ref(row, T, dps=REFERENCE_DPS, schedule=schedule, details=True)
        assert _check_against_reference(q_row, row, T, schedule, q_ref, info, eps, eps, tiny, tiny) <= 1.0


def test_power_schedule_reproduces_the_power_transform_exactly():
    from skdcore.kernels.cpu_power import power

    p = np.random.default_rng(5).dirichlet(np.full(200, 0.5), size=3)
    for T in (0.3, 2.0):
        q, t_eff, iterations = entropy_projection(p, T, "power")
        np.testing.assert_array_equal(t_eff, T)
        np.testing.assert_array_equal(iterations, 1)
        np.testing.assert_allclose(q, power(p, T), rtol=1e-13, atol=1e-300)


def test_unreachable_targets_and_uniform_rows():
    p = np.array([[0.5, 0.5, 0.0, 0.0], [0.4, 0.4, 0.2, 0.0], [0.7, 0.2, 0.1, 0.0]])
    q, t_eff, _ = entropy_projection(p, 1e300, "reciprocal")  # h -> log V > log |supp p|
    np.testing.assert_array_equal(q[0], p[0])  # uniform on its support: p itself
    np.testing.assert_array_equal(q[1], [1 / 3, 1 / 3, 1 / 3, 0.0])
    assert t_eff[1] == math.inf
    q, t_eff, _ = entropy_projection(p, 1e-300, "reciprocal")  # h = H(p)·1e-300 <= log 2 = log m
    np.testing.assert_array_equal(q[1], [0.5, 0.5, 0.0, 0.0])
    assert t_eff[1] == 0.0  # a single maximum (m = 1) can reach h > 0 = log m: solved, T_eff > 0
    assert 0.0 < t_eff[2] < 0.01

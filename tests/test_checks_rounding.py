"""The rounding-error model covers correct implementations and no more."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given

from proofs_checks import strategies as sks
from proofs_checks.rounding import float_arithmetic, mp_arithmetic
from skdcore import mp, power
from skdcore.reference import power_ref

F64 = float_arithmetic(np.float64)


def logit_softmax(p, T):
    with np.errstate(divide="ignore", over="ignore", under="ignore"):
        z = np.log(p)
        w = np.exp((z - z.max()) / T)
    return w / w.sum()


def _exact(p, T):
    return np.array([float(x) for x in power_ref(p, T, 60)])


@pytest.mark.parametrize("implementation", [power, logit_softmax], ids=["power", "logit_softmax"])
@given(point=sks.simplex_points("interior", max_size=16), T=sks.temperatures())
def test_entry_bound_covers_correct_implementations(implementation, point, T):
    q = implementation(point.p, T)
    exact = _exact(point.p, T)
    bound = F64.entry_bound(q, point.p.size, point.p, T)
    assert (np.abs(q - exact) <= bound).all(), (point, T, np.abs(q - exact) / bound)


def test_entry_bound_is_tight_enough_to_see_float32_rounding():
    p = np.array([0.4, 0.35, 0.25])
    q = p.astype(np.float32).astype(np.float64)  # what a float32 pipeline returns at T = 1
    assert (np.abs(q - p) > F64.entry_bound(p, 3, p, 1.0)).any()


def test_near_ties_relax_the_bound_only_where_the_logit_form_is_blind():
    p = np.array([0.5, np.nextafter(0.5, 0.0)])
    q = np.array([0.6, 0.4])
    relaxed = F64.entry_bound(q, 2, p, 1e-16)  # one ulp apart at T = 1e-16: unresolvable
    assert (relaxed > 0.1 * q).all()
    separated = F64.entry_bound(q, 2, np.array([0.6, 0.4]), 1e-16)
    assert (separated < 1e-13 * q).all()


def test_high_precision_model_has_no_underflow_and_trusts_its_digits():
    A = mp_arithmetic(mp.namespace(80), 50)
    assert A.exact and A.smallest_normal == 0 and not A.is_underflow(A.number(1e-400))
    bound = A.entry_bound(np.array([A.number(0.5), A.number(0.5)], dtype=object), 2)
    assert 1e-52 < float(bound[0]) < 1e-47


def test_underflow_is_recognised_in_floating_point():
    assert F64.is_underflow(0.0) and F64.is_underflow(1e-310) and not F64.is_underflow(1e-300)

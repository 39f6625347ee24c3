"""Entropy and KL divergence against mpmath, with error bounds from their conditioning."""

from __future__ import annotations

import numpy as np
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import skdcore
from skdcore.backend import to_numpy
from skdcore.reference import entropy_ref, kl_ref
from skdcore.reference.context import context, exact_row

EPS = float(np.finfo(np.float64).eps)
DPS = 40


def _rows(min_v=1, max_v=60):
    weights = hnp.arrays(
        np.float64, st.integers(min_v, max_v), elements=st.one_of(st.just(0.0), st.floats(1e-300, 1.0))
    ).filter(lambda w: w.sum() > 0)
    return weights.map(lambda w: w / w.sum())


@given(p=_rows())
def test_entropy_matches_reference(p):
    # A sum of V non-negative terms, each with a few eps relative error:
    # |H - H*| <= (V + 4) eps H*.
    H = float(skdcore.entropy(p))
    exact = entropy_ref(p, dps=DPS)
    assert abs(H - exact) <= (p.size + 4) * EPS * exact


def test_entropy_closed_forms(xp):
    p = xp.asarray(np.array([[0.25, 0.25, 0.25, 0.25], [1.0, 0.0, 0.0, 0.0], [0.5, 0.5, 0.0, 0.0]]))
    H = to_numpy(skdcore.entropy(p))
    np.testing.assert_allclose(H, [np.log(4), 0.0, np.log(2)], rtol=4 * EPS, atol=0)


@given(data=st.data(), V=st.integers(1, 40))
def test_kl_matches_reference(data, V):
    q = data.draw(_rows(V, V))
    p = data.draw(_rows(V, V))
    kl = float(skdcore.kl_divergence(q, p))
    exact = kl_ref(q, p, dps=DPS)
    if exact == np.inf:
        assert kl == np.inf
        return
    # Terms q_i log(q_i/p_i) each carry ~3 eps relative error and may cancel:
    # |KL - KL*| <= (V + 4) eps sum_i q_i |log(q_i / p_i)|.
    ctx = context(DPS)
    magnitude = ctx.fsum(abs(a * ctx.log(a / b)) for a, b in zip(exact_row(ctx, q), exact_row(ctx, p)) if a > 0)
    assert abs(kl - exact) <= (V + 4) * EPS * magnitude


def test_kl_is_inf_not_nan_where_support_is_missing(xp):
    q = xp.asarray(np.array([0.5, 0.5, 0.0]))
    p = xp.asarray(np.array([1.0, 0.0, 0.0]))
    assert float(skdcore.kl_divergence(q, p)) == np.inf
    assert float(skdcore.kl_divergence(p, q)) == np.log(2)


def test_kl_near_equal_rows_keeps_relative_accuracy():
    # q = p(1 + d) with d tiny: KL ≈ sum p d^2 / 2 needs accurate log-ratios.
    p = np.array([0.5, 0.25, 0.25])
    q = np.array([0.5 + 1e-9, 0.25 - 1e-9, 0.25])
    exact = kl_ref(q, p, dps=DPS)
    magnitude = sum(abs(a * np.log(a / b)) for a, b in zip(q, p))
    assert abs(float(skdcore.kl_divergence(q, p)) - exact) <= 7 * EPS * magnitude


def test_log_ratio_far_from_a_subnormal_raises_no_overflow():
    # (a - b)/b overflows for a ~ 1 and subnormal b; that branch must not be evaluated.
    from skdcore.logratio import log_ratio

    a = np.array([1.0, 0.25, 5.56268465e-309])
    b = np.array([5.56268465e-309, 5.56268465e-309, 1.0])
    expected = np.log(a) - np.log(b)
    np.testing.assert_allclose(log_ratio(a, b), expected, rtol=2 * EPS, atol=0)

"""The built-in operators re-executed on the high-precision namespace (skdcore.mp)
agree with the independent mpmath references to the namespace's precision."""

from __future__ import annotations

import numpy as np
import pytest

import skdcore
from skdcore import mp
from skdcore.backend import to_numpy
from skdcore.reference import entropy_ref, kl_ref, mix_ref, power_ref
from skdcore.reference.context import context
from skdcore.reference.stress import stress_rows

DPS = 60
REFERENCE_DPS = 90
ROWS = dict(stress_rows())
LABELS = ["two-point", "tied-maxima-with-zero", "subnormal", "near-tie-1e-16", "dirichlet-1.0-V10"]


def _eps(xp):
    return xp.finfo(xp.float64).eps


@pytest.mark.parametrize("label", LABELS)
@pytest.mark.parametrize("T", [1e-300, 1e-3, 0.7, 1.0, 3.0, 1e300])
def test_power(label, T):
    xp = mp.namespace(DPS)
    p = ROWS[label]
    q = to_numpy(skdcore.power(xp.asarray(p), T))
    ctx = context(REFERENCE_DPS)
    top = ctx.mpf(float(p.max()))
    # The condition-aware bound used in float64 (reference/accuracy.py), with
    # the namespace's eps; below 1e-300 entries are judged absolutely there too
    # (a first-order bound means nothing once eps·condition exceeds 1).
    for qi, exact, pi in zip(q, power_ref(p, T, dps=REFERENCE_DPS), p):
        condition = 1 + len(p) + (abs(ctx.log(ctx.mpf(float(pi)) / top)) / ctx.mpf(T) if pi > 0 else 0)
        assert abs(ctx.mpf(qi) - exact) <= 4 * _eps(xp) * max(exact, ctx.mpf(1e-300)) * condition


@pytest.mark.parametrize("T", [1e-3, 0.5, 1.0, 2.0, 1e3])
def test_mix(T):
    xp = mp.namespace(DPS)
    p = ROWS["dirichlet-1.0-V10"]
    q = to_numpy(skdcore.mix(xp.asarray(p), T))
    ctx = context(REFERENCE_DPS)
    alpha = 1 / ctx.mpf(T)
    for qi, exact, pi in zip(q, mix_ref(p, alpha, dps=REFERENCE_DPS), p):
        assert abs(ctx.mpf(qi) - exact) <= 4 * _eps(xp) * (abs(alpha) * pi + abs(1 - alpha))


@pytest.mark.parametrize("label", LABELS)
def test_entropy_and_kl(label):
    xp = mp.namespace(DPS)
    p = ROWS[label]
    other = np.full_like(p, 1 / p.size)
    V = p.size
    H = to_numpy(skdcore.entropy(xp.asarray(p)))[()]
    assert abs(H - entropy_ref(p, dps=REFERENCE_DPS)) <= (V + 4) * _eps(xp) * entropy_ref(p, dps=REFERENCE_DPS)
    kl = to_numpy(skdcore.kl_divergence(xp.asarray(p), xp.asarray(other)))[()]
    exact = kl_ref(p, other, dps=REFERENCE_DPS)
    ctx = context(REFERENCE_DPS)
    magnitude = sum(abs(ctx.mpf(float(a)) * ctx.log(ctx.mpf(float(a)) / ctx.mpf(float(b)))) for a, b in zip(p, other) if a > 0)
    assert abs(kl - exact) <= (V + 4) * _eps(xp) * magnitude

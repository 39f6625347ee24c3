"""The entropy projection (Construction 1) against its mpmath reference.

Tolerances are derived, not tuned.  For a row solved at exponent β* (from the
reference) with x_i = β* log(p_i / p_max), the array result can differ from the
exact q* by

* the escort evaluation at a fixed temperature: eps·q_i·(4 + |x_i| + V)
  (as for the power transform);
* the error of the entropy target and of the computed entropy, δh (a few eps
  times h, V-term sums, plus the solver's stopping rule), mapped through the
  problem's own sensitivity dq_i/dh = -q_i (x_i - x̄) / Var_q(x): near the
  uniform end Var_q(x) ~ β² and this blows up like 1/β -- the conditioning,
  not an error of the implementation;
* the solver's resolution in log β (4 eps);
* the final rounding to the output dtype and its subnormal spacing.

Each test can fail: ``test_tolerance_has_teeth`` checks that perturbing the
effective temperature by a few hundred ulps is caught.
"""

from __future__ import annotations

import math
import warnings
from functools import cache

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import skdcore
from skdcore import entropy_projection
from skdcore.backend import to_numpy
from skdcore.errors import DtypeError, NotOnSimplexError, ShapeError, TemperatureError
from skdcore.operators.entropy_projection import (
    ENTROPY_SCHEDULES,
    effective_temperature,
)
from skdcore.reference import entropy_projection_ref
from skdcore.reference.context import context, exact_row

REFERENCE_DPS = 32  # twice float64's digits: the measured errors need ~3 digits
SAFETY = 2.0  # the bounds below drop constant factors of order 1
TEMPERATURES = (1e-300, 1e-10, 1e-3, 0.1, 0.5, 0.9, 1.0, 1.1, 2.0, 1e3, 1e10, 1e300)
SHORT_TEMPERATURES = (1e-300, 1e-10, 1e-3, 0.5, 1.0, 2.0, 1e3, 1e10, 1e300)


def _normalise(w) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    return w / w.sum()


def _stress_rows() -> dict[str, np.ndarray]:
    rng = np.random.default_rng(20240611)
    rows = {
        "two-point": _normalise([0.7, 0.3]),
        "interior": _normalise([0.5, 0.3, 0.15, 0.05]),
        "zeros": _normalise([0.5, 0.0, 0.25, 0.0, 0.125, 0.125]),
        "tied-maxima": _normalise([0.3, 0.3, 0.2, 0.1, 0.1]),
        "tied-maxima-with-zero": _normalise([0.4, 0.0, 0.4, 0.2]),
        "tied-below-max": _normalise([0.5, 0.2, 0.2, 0.1]),
        "one-hot": np.array([0.0, 1.0, 0.0, 0.0]),
        "uniform-on-support": np.array([0.5, 0.0, 0.5]),
        "uniform": np.full(7, 1 / 7),
        "subnormal": _normalise([0.6, 0.4, 1e-310, 5e-324]),
        "tiny": _normalise([1.0, 1e-200, 1e-300]),
        "dirichlet-0.3-V10": rng.dirichlet(np.full(10, 0.3)),
        "dirichlet-1-V50": rng.dirichlet(np.full(50, 1.0)),
        "dirichlet-0.05-V60": rng.dirichlet(np.full(60, 0.05)),
    }
    for gap in (1e-3, 1e-8, 1e-15):
        rows[f"near-tie-{gap:g}"] = _normalise([1.0, 1.0 - gap, 0.5, 0.25])
        rows[f"near-tie-below-{gap:g}"] = _normalise([1.0, 0.5, 0.5 * (1 - gap), 0.1])
    # V = 3000 from few distinct levels (a cheap reference): near-tied maxima, a zero.
    levels = np.array([0.2, 0.2 * (1 - 1e-12), 1e-3, 1e-9, 1e-30, 0.0])
    rows["levels-V3000"] = _normalise(np.repeat(levels, [1, 1, 50, 1500, 1447, 1]))
    levels = np.array([0.3, 0.3, 1e-4, 0.0])  # tied maxima in a long row
    rows["tied-levels-V2000"] = _normalise(np.repeat(levels, [1, 1, 1000, 998]))
    return rows


STRESS = _stress_rows()
STRICT = ["interior", "zeros", "tied-maxima-with-zero", "one-hot", "subnormal", "near-tie-1e-15"]


@cache
def _reference(label: str, dtype: str, T: float, schedule: str, dps: int = REFERENCE_DPS):
    p = STRESS[label].astype(dtype)
    q, info = entropy_projection_ref(p, T, dps=dps, schedule=schedule, details=True)
    return q, info


def _eps(dtype) -> float:
    return float(np.finfo(dtype).eps)


def _tiny(dtype) -> float:
    """The subnormal spacing of ``dtype``."""
    info = np.finfo(dtype)
    return float(info.smallest_normal) * float(info.eps)


def _target_error(info, V: int, T: float, schedule: str, eps_w: float, tiny_w: float) -> float:
    """A bound on |computed target - h| and |computed H - H| near the solution.

    The entropies are sums of V terms (<= (V + 8) eps relative), the reciprocal
    schedule above T = 1 subtracts from log V (absolute eps·log V), tied maxima
    make H - log m an absolute-error quantity (eps·log m), subnormal weights add
    an absolute V·(subnormal spacing)·(1 + |x|) with |x| < 800; the solver stops
    when its step is below the rounding noise of its residual, which is worth
    16 eps·(D + (log s + h)·D / log(s/m)) in the entropy, D = h - log m.
    """
    h = float(info["target"])
    s, m = info["support"], info["ties"]
    log_v = math.log(V)
    err = (V + 8) * eps_w * (h + 2 * math.log(m) + (2 * log_v if schedule == "reciprocal" and T > 1 else 0.0))
    err += V * tiny_w * 800
    if s > m:
        d = max(h - math.log(m), 0.0)
        err += 16 * eps_w * (d + (math.log(s) + h) * d / math.log(s / m))
    return err


def _tolerance(p_row, T, schedule, q_ref, info, eps_w, eps_out, tiny_w, tiny_out) -> np.ndarray:
    """Per-entry bound on |q - q*| (module docstring)."""
    V = len(p_row)
    q = np.array([float(v) for v in q_ref])
    base = eps_out * q + 2 * tiny_out
    h_err = _target_error(info, V, T, schedule, eps_w, tiny_w)
    escort = eps_w * q * (4 + V)
    case = info["case"]
    if case == "solved":
        ctx = context(REFERENCE_DPS)
        values, first, inverse, counts = np.unique(np.asarray(p_row, dtype=np.float64), return_index=True, return_inverse=True, return_counts=True)
        top = ctx.mpf(float(values[-1]))
        beta = info["beta"]
        x_mp = [beta * ctx.log(ctx.mpf(float(v)) / top) if v > 0 else ctx.zero for v in values]
        q_mp = [q_ref[i] for i in first]
        mean = ctx.fsum(int(c) * a * b for c, a, b in zip(counts, q_mp, x_mp))
        var = ctx.fsum(int(c) * a * (b - mean) ** 2 for c, a, b in zip(counts, q_mp, x_mp))
        # |dq_i/du|·δu with δu = δh / Var_q(x) + 4 eps, in mpf (Var may be far below 1e-308).
        factor = h_err / var + 4 * eps_w
        sensitivity = np.array([float(a * abs(b - mean) * factor) for a, b in zip(q_mp, x_mp)])[inverse]
        x = np.array([float(v) for v in x_mp])[inverse]
        bound = escort + eps_w * q * np.abs(x) + sensitivity
    elif case == "hot":  # the array may solve at a tiny β with log s - H <= h_err
        bound = escort + q * math.sqrt(2 * info["support"] * h_err)
    elif case == "cold":  # ... or at a huge β with H - log m <= h_err (mass off the maxima <= that)
        bound = escort + h_err
    else:  # uniform on the support: p itself
        bound = escort
    return SAFETY * bound + base


def _check_against_reference(q_out, p_row, T, schedule, q_ref, info, eps_w, eps_out, tiny_w, tiny_out):
    """Return the worst |q - q*| / tolerance (<= 1 passes).

    Equal entries of p give equal entries of q (exact ties are kept exactly,
    checked here), so the error is measured once per distinct value of p."""
    q_out = np.asarray(q_out)
    tol = _tolerance(p_row, T, schedule, q_ref, info, eps_w, eps_out, tiny_w, tiny_out)
    _, first, inverse = np.unique(np.asarray(p_row, dtype=np.float64), return_index=True, return_inverse=True)
    assert np.array_equal(q_out, q_out[first][inverse]), "equal entries of p must stay exactly equal"
    ctx = context(REFERENCE_DPS)
    err = np.array([float(abs(ctx.mpf(float(q_out[i])) - q_ref[i])) for i in first])
    return float(np.max(err / tol[first]))


def _groups(labels):
    """Stress rows grouped by length, so each group runs as one batch."""
    by_v: dict[int, list[str]] = {}
    for label in labels:
        by_v.setdefault(len(STRESS[label]), []).append(label)
    return list(by_v.values())


def _run_stress(xp, dtype, labels, temperatures=TEMPERATURES, schedules=("reciprocal", "power")):
    eps_w, tiny_w = _eps(np.float64), _tiny(np.float64)
    eps_out, tiny_out = _eps(dtype), _tiny(dtype)
    worst = (0.0, None)
    for group in _groups(labels):
        batch = np.stack([STRESS[k].astype(dtype) for k in group])
        for schedule in schedules:
            # The power schedule is checked on all rows and T by the next test group.
            for T in temperatures if schedule == "reciprocal" else SHORT_TEMPERATURES:
                q = to_numpy(entropy_projection(xp.asarray(batch), T, schedule=schedule))
                assert q.dtype == batch.dtype and q.shape == batch.shape
                for row, label in enumerate(group):
                    q_ref, info = _reference(label, np.dtype(dtype).name, T, schedule)
                    ratio = _check_against_reference(
                        q[row], batch[row], T, schedule, q_ref, info, eps_w, eps_out, tiny_w, tiny_out
                    )
                    if ratio > worst[0]:
                        worst = (ratio, (label, schedule, T, info["case"]))
    return worst


# ---------------------------------------------------------------------------
# Agreement with the mpmath reference


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stress_set_agrees_with_reference_numpy(dtype):
    if dtype == np.float64:
        worst, where = _run_stress(np, dtype, list(STRESS))
    else:
        worst, where = _run_stress(np, dtype, STRICT, temperatures=SHORT_TEMPERATURES)
    assert worst <= 1.0, f"error {worst:.3g} x tolerance at {where}"


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_stress_set_agrees_with_reference_strict(dtype):
    import array_api_strict

    worst, where = _run_stress(array_api_strict, dtype, STRICT, temperatures=SHORT_TEMPERATURES)
    assert worst <= 1.0, f"error {worst:.3g} x tolerance at {where}"


@pytest.mark.parametrize("label", ["interior", "zeros", "tied-maxima", "near-tie-below-1e-08", "dirichlet-0.3-V10"])
def test_reference_is_self_consistent(label):
    """The reference meets its constraint, H(q*) = h, and with the power schedule
    it returns the power transform (computed independently) -- to ~dps digits."""
    p = STRESS[label]
    ctx = context(REFERENCE_DPS)
    close = ctx.mpf(10) ** (-REFERENCE_DPS + 8)
    for T in (0.01, 0.3, 0.9, 1.7, 50.0):
        q, info = _reference(label, "float64", T, "reciprocal")
        assert info["case"] in ("solved", "hot", "cold")
        if info["case"] == "solved":
            assert abs(-ctx.fsum(v * ctx.log(v) for v in q if v > 0) - info["target"]) <= close
        q, info = _reference(label, "float64", T, "power")
        if info["case"] == "solved":
            # h is known to ~10^-dps·(h + log m) absolute (h - log m cancels when
            # m > 1); through dβ/β = dh / Var_q(β log(p/p_max)) that bounds β·T - 1.
            x = [info["beta"] * ctx.log(ctx.mpf(float(v)) / float(p.max())) if v > 0 else ctx.zero for v in p]
            mean = ctx.fsum(a * b for a, b in zip(q, x))
            var = ctx.fsum(a * (b - mean) ** 2 for a, b in zip(q, x))
            slack = close * (1 + (info["target"] + ctx.log(info["ties"])) / var)
            assert abs(info["beta"] * T - 1) <= slack
            for a, b, xi in zip(q, _power_exact(p, T), x):
                assert abs(a - b) <= slack * b * (1 + abs(xi - mean))


def test_tolerance_has_teeth():
    """A result off by a few hundred ulps of T_eff in a well-conditioned case fails."""
    p = STRESS["interior"]
    T = 0.5
    q_ref, info = _reference("interior", "float64", T, "reciprocal")
    assert info["case"] == "solved"
    t_eff = float(effective_temperature(p, T))
    eps = _eps(np.float64)
    good = skdcore.power(p, t_eff)
    bad = skdcore.power(p, t_eff * (1 + 300 * eps))
    args = (p, T, "reciprocal", q_ref, info, eps, eps, _tiny(np.float64), _tiny(np.float64))
    assert _check_against_reference(good, *args) <= 1.0
    assert _check_against_reference(bad, *args) > 1.0


# ---------------------------------------------------------------------------
# The entropy constraint and the power schedule


def _entropy_exact(q_row, dps=REFERENCE_DPS):
    ctx = context(dps)
    return ctx.fsum(-v * ctx.log(v) for v in exact_row(ctx, q_row) if v > 0)


@pytest.mark.parametrize("label", ["interior", "zeros", "tied-maxima", "near-tie-1e-08", "dirichlet-0.3-V10", "dirichlet-1-V50", "tiny"])
def test_entropy_matches_target_to_working_precision(label):
    """H(F_T(p)) = h(T) to the accuracy of the target itself -- independent of
    the (poor) conditioning of h -> q near the uniform end."""
    p = STRESS[label]
    eps, tiny = _eps(np.float64), _tiny(np.float64)
    for schedule in ("reciprocal", "power"):
        for T in TEMPERATURES:
            _, info = _reference(label, "float64", T, schedule)
            if info["case"] != "solved":
                continue
            q = entropy_projection(p, T, schedule=schedule)
            h = info["target"]
            ctx = context(REFERENCE_DPS)
            qm = [ctx.mpf(float(v)) for v in q]
            weight = float(ctx.fsum(a * abs(1 + ctx.log(a)) for a in qm if a > 0))
            x = float(info["beta"]) * np.abs(np.log(np.where(p > 0, p, 1.0) / p.max()))
            escort = eps * (4 + len(p) + float(np.max(np.where(q > 0, x, 0.0)))) * weight
            tol = SAFETY * (_target_error(info, len(p), T, schedule, eps, tiny) + escort) + len(p) * tiny * 800
            assert abs(float(_entropy_exact(q) - h)) <= tol, (schedule, T)


def _power_exact(p_row, T, dps=REFERENCE_DPS):
    """p_i^(1/T) / sum_j p_j^(1/T) as exp(log(p_i/p_max)/T), once per distinct value
    (skdcore.reference.power_ref raises to the power 1/T, slow when 1/T is a
    huge integer such as 1e10)."""
    ctx = context(dps)
    values, inverse, counts = np.unique(np.asarray(p_row, dtype=np.float64), return_inverse=True, return_counts=True)
    top = ctx.mpf(float(values[-1]))
    w = [ctx.exp(ctx.log(ctx.mpf(float(v)) / top) / ctx.mpf(T)) if v > 0 else ctx.zero for v in values]
    total = ctx.fsum(int(c) * x for c, x in zip(counts, w))
    return [w[i] / total for i in inverse]


@pytest.mark.parametrize("label", sorted(STRESS))
def test_power_schedule_reproduces_power_transform(label):
    """schedule="power" targets H(power(p, T)); by uniqueness the answer is power(p, T)."""
    p = STRESS[label]
    eps, tiny = _eps(np.float64), _tiny(np.float64)
    worst = 0.0
    for T in SHORT_TEMPERATURES:
        q = entropy_projection(p, T, schedule="power")
        exact = _power_exact(p, T)
        _, info = _reference(label, "float64", T, "power")
        # Same tolerance, with the reference of the *power transform* as q*: where
        # the entropy reference is solved its β is 1/T.
        ratio = _check_against_reference(q, p, T, "power", exact, info, eps, eps, tiny, tiny)
        worst = max(worst, ratio)
    assert worst <= 1.0


@pytest.mark.parametrize("label", ["interior", "zeros", "tied-maxima", "dirichlet-0.3-V10", "near-tie-below-1e-08"])
def test_solver_reproduces_power_from_a_wrong_start(label):
    """A callable schedule h(T) = H(power(p, T²)) makes the solver start at T_eff = T
    and iterate to T_eff = T²; the result must be power(p, T²)."""
    p = STRESS[label]
    eps, tiny = _eps(np.float64), _tiny(np.float64)
    for T in (0.05, 0.3, 0.7, 1.5, 4.0, 30.0):
        target_T = T * T

        _, info = entropy_projection_ref(p, target_T, dps=REFERENCE_DPS, schedule="power", details=True)
        h = float(info["target"])  # H(power(p, T²)), accurate also when tiny

        def schedule(t, h_p, V, _h=h):
            return _h

        q = entropy_projection(p, T, schedule=schedule)
        ratio = _check_against_reference(q, p, target_T, "power", _power_exact(p, target_T), info, eps, eps, tiny, tiny)
        assert ratio <= 1.0, (T, ratio)


# ---------------------------------------------------------------------------
# KL optimality


def _kl(ctx, a, b):
    return ctx.fsum(x * ctx.log(x / y) for x, y in zip(a, b) if x > 0)


def _on_constraint_set(ctx, base, h):
    """The escort q ∝ base^γ (γ > 0) with H = h: a member of the constraint set."""
    support = [v for v in base if v > 0]
    top = max(support)
    logs = [ctx.log(v / top) for v in support]

    def f(u):  # H(q_γ) - h with γ = e^u, decreasing in u
        w = [ctx.exp(ctx.exp(u) * ell) for ell in logs]
        total = ctx.fsum(w)
        log_total = ctx.log(total)
        return -ctx.fsum((x / total) * (ctx.exp(u) * ell - log_total) for x, ell in zip(w, logs)) - h

    lo, hi = ctx.mpf(-20), ctx.mpf(20)
    if not (f(lo) > 0 > f(hi)):
        return None
    u = ctx.findroot(f, (lo, hi), solver="anderson", verify=False)
    assert abs(f(u)) <= ctx.mpf(10) ** (-REFERENCE_DPS + 5)
    gamma = ctx.exp(u)
    w = [ctx.exp(gamma * ctx.log(v / top)) if v > 0 else ctx.zero for v in base]
    total = ctx.fsum(w)
    return [x / total for x in w]


@pytest.mark.parametrize("label", ["interior", "zeros", "tied-below-max", "dirichlet-0.3-V10"])
@pytest.mark.parametrize("T", [0.3, 1.2])
def test_kl_optimal_among_random_members_of_the_constraint_set(label, T):
    """Every q with supp q ⊆ supp p and H(q) = h has KL(q||p) >= KL(F_T(p)||p), and
    the gap is KL(q||q*)/β (the identity of the module docstring)."""
    p = STRESS[label]
    q_ref, info = _reference(label, "float64", T, "reciprocal")
    assert info["case"] == "solved"
    ctx = context(REFERENCE_DPS)
    pm = exact_row(ctx, p)
    q_float = entropy_projection(p, T)
    q_out = [ctx.mpf(float(v)) for v in q_float]
    kl_out = _kl(ctx, q_out, pm)
    eps, tiny = _eps(np.float64), _tiny(np.float64)
    tol = _tolerance(p, T, "reciprocal", q_ref, info, eps, eps, tiny, tiny)
    kl_slack = 2 * sum(float(abs(1 + ctx.log(a / b))) * t for a, b, t in zip(q_ref, pm, tol) if a > 0)
    rng = np.random.default_rng(7)
    support = p > 0
    checked = 0
    for _ in range(8):
        v = np.where(support, rng.dirichlet(np.ones(len(p))), 0.0)
        v = v / v.sum()
        lam = ctx.mpf(float(rng.uniform(0.1, 0.9)))
        base = [(1 - lam) * a + lam * ctx.mpf(float(b)) for a, b in zip(q_ref, v)]
        other = _on_constraint_set(ctx, base, info["target"])
        if other is None:
            continue
        checked += 1
        gap = _kl(ctx, other, pm) - kl_out
        predicted = _kl(ctx, other, q_ref) / info["beta"]
        assert gap > 0
        # The identity holds exactly for q*; the float output moves KL(.||p) by at
        # most sum |log(q*/p) + 1|·tol_i to first order (tol_i: the agreement bound).
        assert abs(gap - predicted) <= kl_slack
        # ... and to the reference precision for q* itself.
        exact_gap = _kl(ctx, other, pm) - _kl(ctx, q_ref, pm)
        assert abs(exact_gap - predicted) <= ctx.mpf(10) ** (-REFERENCE_DPS + 10)
    assert checked >= 4


@pytest.mark.parametrize(
    "label, T", [("interior", 0.5), ("interior", 2.0), ("tied-maxima-with-zero", 0.9), ("dirichlet-0.3-V10", 0.5), ("dirichlet-0.3-V10", 2.0)]
)
def test_kl_beats_the_negative_beta_branch(label, T):
    """The β < 0 stationary point at the same entropy (ranking reversed) has larger KL.
    (It exists when h exceeds log of the number of minimal entries on the support.)"""
    p = STRESS[label]
    _, info = _reference(label, "float64", T, "reciprocal")
    assert info["case"] == "solved"
    ctx = context(REFERENCE_DPS)
    pm = exact_row(ctx, p)
    reversed_base = [1 / v if v > 0 else ctx.zero for v in pm]  # q ∝ p^(-γ)
    other = _on_constraint_set(ctx, reversed_base, info["target"])
    assert other is not None
    q_out = [ctx.mpf(float(v)) for v in entropy_projection(p, T)]
    assert _kl(ctx, other, pm) > _kl(ctx, q_out, pm)


# ---------------------------------------------------------------------------
# Unreachable targets and the identity


def test_identity_at_one():
    for label, p in STRESS.items():
        for schedule in ("reciprocal", "power"):
            q = entropy_projection(p, 1.0, schedule=schedule)
            if np.count_nonzero(p) == np.count_nonzero(p == p.max()):  # uniform on its support
                np.testing.assert_array_equal(q, p, err_msg=label)
            # Otherwise the power path at T_eff = 1: p to the power transform's
            # accuracy, eps·p_i·(1 + |log(p_i/p_max)| + V).
            r = np.abs(np.log(np.where(p > 0, p, 1.0) / p.max()))
            assert np.all(np.abs(q - p) <= 4 * _eps(np.float64) * p * (1 + r + len(p)) + 2 * _tiny(np.float64)), label


def test_zeros_hot_limit_is_uniform_on_support_not_on_V():
    """The paper's T -> ∞ limit (uniform over V) is unreachable for p with zeros."""
    p = STRESS["zeros"]
    for T in (1e10, 1e100, 1e300):
        q = entropy_projection(p, T)
        np.testing.assert_array_equal(q, np.where(p > 0, 0.25, 0.0))
    # A target above log|supp p| (here log V) gives the same limit.
    q = entropy_projection(p, 0.7, schedule=lambda T, h_p, V: math.log(V))
    np.testing.assert_array_equal(q, np.where(p > 0, 0.25, 0.0))
    assert float(effective_temperature(p, 1e300)) == math.inf


def test_tied_maxima_cold_limit_and_targets_below_log_m():
    p = STRESS["tied-maxima"]  # m = 2
    expected = np.array([0.5, 0.5, 0.0, 0.0, 0.0])
    for T in (1e-300, 1e-10, 0.1):
        np.testing.assert_array_equal(entropy_projection(p, T), expected)
    # Asked for an entropy below log 2 (reachable by no β > 0):
    np.testing.assert_array_equal(entropy_projection(p, 3.0, schedule=lambda T, h_p, V: 0.5), expected)
    np.testing.assert_array_equal(entropy_projection(p, 3.0, schedule=lambda T, h_p, V: 0.0), expected)
    assert float(effective_temperature(p, 1e-10)) == 0.0
    # A unique maximum and target 0: one-hot.
    q = entropy_projection(STRESS["interior"], 2.0, schedule=lambda T, h_p, V: 0.0)
    np.testing.assert_array_equal(q, [1.0, 0.0, 0.0, 0.0])


def test_documented_discontinuities():
    """The reachable interval (log m, log s) jumps with the support and the ties,
    so the exact operator is discontinuous in p there (module docstring)."""
    q = entropy_projection(np.array([0.6, 0.4, 0.0]), 100.0)
    np.testing.assert_array_equal(q, [0.5, 0.5, 0.0])
    for eps in (1e-6, 1e-300):
        q = entropy_projection(np.array([0.6, 0.4 - eps, eps]), 100.0)
        assert 0.28 < q[2] < 0.30
    tied = _normalise([0.4, 0.4, 0.2])
    np.testing.assert_array_equal(entropy_projection(tied, 0.01), [0.5, 0.5, 0.0])
    broken = _normalise([0.4, 0.4 * (1 - 1e-12), 0.2])
    assert entropy_projection(broken, 0.01)[0] > 0.99


def test_cold_limit_unique_maximum_is_near_one_hot():
    p = STRESS["interior"]
    q = entropy_projection(p, 1e-300)
    assert q[0] == 1.0 and 0 < q[1] < 1e-300  # the target H(p)·1e-300 is still reachable
    assert entropy_projection(p, 1e-300, schedule="power")[0] == 1.0


def test_uniform_on_support_returns_p():
    for label in ("uniform", "uniform-on-support", "one-hot"):
        p = STRESS[label]
        for T in (1e-300, 0.3, 3.0, 1e300):
            for schedule in ("reciprocal", "power"):
                np.testing.assert_array_equal(entropy_projection(p, T, schedule=schedule), p)


def test_batch_matches_rows_and_keeps_shape(xp):
    rows = [STRESS[k] for k in ("interior", "tied-below-max", "near-tie-1e-08", "tied-maxima-with-zero")]
    batch = np.stack(rows[::-1] + rows).reshape(2, 4, 4)
    for T in (1e-3, 0.5, 30.0):
        out = to_numpy(entropy_projection(xp.asarray(batch), T))
        assert out.shape == batch.shape
        for i in range(2):
            for j in range(4):
                single = to_numpy(entropy_projection(xp.asarray(batch[i, j]), T))
                np.testing.assert_array_equal(out[i, j], single)


def test_float32_in_float32_out(xp):
    p = xp.asarray(STRESS["interior"].astype(np.float32))
    q = entropy_projection(p, 0.5)
    assert q.dtype == xp.float32


# ---------------------------------------------------------------------------
# The high-precision namespace


def test_high_precision_namespace():
    mp = pytest.importorskip("skdcore.mp")
    dps = 60
    xp = mp.namespace(dps=dps)
    eps = float(xp.finfo(xp.float64).eps)
    labels = ["interior", "zeros", "tied-maxima", "near-tie-1e-15"]
    for label in labels:
        p = STRESS[label]
        for schedule in ("reciprocal", "power"):
            for T in (1e-300, 1e-3, 3.0, 1e5):
                q = entropy_projection(xp.asarray(p), T, schedule=schedule)
                q_ref, info = _reference(label, "float64", T, schedule, dps=2 * dps)
                tol = _tolerance(p, T, schedule, q_ref, info, eps, eps, 0.0, 0.0)
                err = [float(abs(a - b)) for a, b in zip(q.to_numpy_object(), q_ref)]
                # values below 1e-300 are judged absolutely (float conversion of the bound)
                assert np.all(np.array(err) <= tol + 1e-300 * eps), (label, schedule, T)


def test_high_precision_namespace_beyond_float_range():
    """At 350 digits eps = 2**-1165 underflows as a float: the solver must not need it as one."""
    mp = pytest.importorskip("skdcore.mp")
    xp = mp.namespace(dps=350)
    p = STRESS["interior"]
    q = entropy_projection(xp.asarray(p), 0.3)
    q_ref = entropy_projection_ref(p, 0.3, dps=400)
    ctx = context(400)
    assert all(abs(a - b) <= ctx.mpf(10) ** -330 * b for a, b in zip(q.to_numpy_object(), q_ref))


# ---------------------------------------------------------------------------
# Properties on random input (cheap: no reference solve)


def _simplex_rows(max_v=12):
    weights = hnp.arrays(
        np.float64,
        st.integers(2, max_v),
        elements=st.one_of(st.just(0.0), st.sampled_from([0.5, 0.25, 1.0]), st.floats(1e-300, 1.0)),
    )
    return weights.filter(lambda w: w.sum() > 0).map(_normalise)


@given(p=_simplex_rows(), log_t=st.floats(-300, 300), schedule=st.sampled_from(sorted(ENTROPY_SCHEDULES)))
def test_properties(p, log_t, schedule):
    T = 10.0**log_t
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        q = entropy_projection(p, T, schedule=schedule)
        t_eff = float(effective_temperature(p, T, schedule=schedule))
    V = len(p)
    eps = _eps(np.float64)
    assert np.all(np.isfinite(q)) and np.all(q >= 0)
    assert abs(q.sum() - 1) <= 4 * V * eps
    assert np.all(q[p == 0] == 0)  # support never grows
    order = np.argsort(p, kind="stable")
    assert np.all(np.diff(q[order]) >= 0)  # ranking (weakly, after rounding)
    for value in np.unique(p):
        assert np.all(q[p == value] == q[p == value][0])  # ties stay exact ties
    assert t_eff >= 0 and not math.isnan(t_eff)
    uniform = np.count_nonzero(p) == np.count_nonzero(p == p.max())
    if 0 < t_eff < math.inf and not uniform:
        # The result is the power path at T_eff.
        np.testing.assert_array_equal(q, skdcore.power(p, t_eff))


@given(p=_simplex_rows(), log_t=st.floats(-5, 5), factor=st.floats(1.01, 100))
@settings(max_examples=30)
def test_entropy_monotone_in_T(p, log_t, factor):
    T = 10.0**log_t
    h1 = float(skdcore.entropy(entropy_projection(p, T)))
    h2 = float(skdcore.entropy(entropy_projection(p, T * factor)))
    # Each output entropy is within ~2(V + 8) eps·h of its target (plus the
    # evaluation of entropy(), V eps·h), and the targets increase with T.
    assert h2 >= h1 - 6 * (len(p) + 8) * _eps(np.float64) * max(h1, 1.0)


# ---------------------------------------------------------------------------
# Input validation


@pytest.mark.parametrize("T", [0.0, -1.0, math.nan, math.inf, -math.inf, "1", True, None])
def test_bad_temperature(T):
    with pytest.raises(TemperatureError):
        entropy_projection(STRESS["interior"], T)


@pytest.mark.parametrize(
    "p",
    [np.array([0.5, 0.6, -0.1]), np.array([0.5, 0.6, 0.1]), np.array([0.5, math.nan, 0.5]), np.array([[0.5, 0.5], [0.5, math.inf]])],
)
def test_off_simplex(p):
    with pytest.raises(NotOnSimplexError):
        entropy_projection(p, 0.5)


def test_bad_dtype_and_shape(xp):
    with pytest.raises(DtypeError):
        entropy_projection(xp.asarray([1, 0, 0]), 0.5)
    with pytest.raises(ShapeError):
        entropy_projection(xp.asarray(np.zeros((2, 0))), 0.5)


def test_bad_schedule():
    p = STRESS["interior"]
    with pytest.raises(ValueError, match="unknown entropy schedule"):
        entropy_projection(p, 0.5, schedule="cubic")
    for bad in (math.nan, -1.0, math.inf, "x"):
        with pytest.raises(ValueError, match="schedule returned"):
            entropy_projection(p, 0.5, schedule=lambda T, h, V, _b=bad: _b)


def test_registered_as_entropy():
    assert skdcore.resolve_operator("entropy")[1] is entropy_projection

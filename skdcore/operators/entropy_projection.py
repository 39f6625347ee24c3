"""Construction 1 of the paper: the entropy projection.

    F_T(p) = argmin_q KL(q || p)   subject to   H(q) = h(T)

for a target-entropy schedule h (paper, Theorem V.1, Construction 1).

Derivation
----------
Only the ratios of p matter below, so p is read as p / sum(p).  Let
S = supp(p), s = |S|, r_i = log(p_i / max p) <= 0 on S, and m the number of
tied maxima (entries with r_i = 0).

*Support.*  KL(q || p) is finite only if q_i = 0 wherever p_i = 0, so q lives
on S.

*Stationary points.*  With multipliers λ (for sum q = 1) and μ (for the
entropy), the Lagrangian sum q log(q/p) + λ(sum q - 1) + μ(-sum q log q - h)
is stationary where log(q_i/p_i) + 1 + λ - μ(log q_i + 1) = 0, i.e.
(1 - μ) log q_i = log p_i + const.  Hence q ∝ p^β on S with β = 1/(1 - μ)
(μ = 1 is possible only if log p is constant on S: p uniform on its support).
This is the escort / power path q_β,i = exp(β r_i) / Z(β) with effective
temperature T_eff = 1/β.

*Which branch.*  On the constraint set, KL(q || p) = -h - E_q[log p], so
minimising KL means maximising E_q[log p].  For any q on S with H(q) = h
(zeros on S allowed, so this also covers the boundary of the simplex, where
the Lagrange conditions say nothing) and q_β with H(q_β) = h, expanding
KL(q || q_β) with log q_β = β log p - log Z(β) gives the exact identity

    KL(q || p) - KL(q_β || p) = KL(q || q_β) / β.

For β > 0 the right side is >= 0, with equality only for q = q_β: the β > 0
stationary point is the unique global minimiser (and it keeps the ranking of
p).  For β < 0 the sign flips: q_β with β < 0 reverses the ranking and is
the maximiser of KL on the constraint set.

*Monotone entropy.*  With log q_β = β r - log Z, d log Z / dβ = E_q[r] and
d E_q[r] / dβ = Var_q(r),

    H(q_β) = log Z - β E_q[r],   dH/dβ = E_q[r] - E_q[r] - β Var_q(r) = -β Var_q(r),

and in u = log β, dH/du = -β² Var_q(r) = -Var_q(β r).  Unless p is uniform on
its support (Var = 0), H(q_β) decreases strictly for β > 0, from log s
(β -> 0+: uniform on S) to log m (β -> ∞: uniform on the tied maxima).  So for
every h in (log m, log s) there is exactly one β > 0, and the operator is

    F_T(p) = escort_from_log_ratios(r, T_eff),   T_eff = 1/β,  H(q_β) = h(T).

Schedules
---------
The named ones have h(1) = H(p), so F_1(p) = p (Axiom 4: by uniqueness β = 1;
at T == 1 the operator returns the power path with T_eff = 1 exactly, without
solving).

* ``"reciprocal"`` (default): h(T) = H(p)·T for T <= 1 and
  h(T) = log V - (log V - H(p)) / T for T >= 1: continuous, increasing,
  h(0+) = 0, h(∞) = log V.
* ``"power"``: h(T) = H(power(p, T)); the projection then reproduces the power
  transform (β = 1/T is the unique solution).
* a callable ``h(T, H_p, V) -> float``, called once per row with Python floats
  (so it is evaluated in float64 whatever the namespace); it must return a
  finite number >= 0.

The named schedules are evaluated in the array's namespace and working
precision, so the high-precision namespace gets a high-precision target.

Unreachable targets (the paper's Construction 1 is wrong on the boundary)
-------------------------------------------------------------------------
The reachable entropies on the β > 0 path are the open interval
(log m, log s), not [0, log V] as the paper claims.  Deterministically:

* p uniform on its support (s == m): every q_β equals p; p is returned.
* h >= log s: the uniform distribution on supp(p) (the β -> 0+ limit).  In
  particular, for p with zeros, the T -> ∞ target log V is unreachable and
  the limit is uniform on the support, *not* on all V tokens (Axiom 5's
  T -> ∞ limit fails for such p).  This is not repaired here: the
  conformance engine reports it.
* h <= log m: uniform over the tied maxima (the β -> ∞ limit), e.g. T -> 0
  (target 0) or tied maxima asked for less than log m -- the paper's claim
  fails at this end too: with m tied maxima no entropy in [0, log m] is
  attained (only approached as T -> 0, which matches Axiom 5's tie rule).

Consequence for Axiom 2 (continuity in p): the reachable interval depends on
s and m, which jump under arbitrarily small perturbations of p, so F_T is
discontinuous there -- a property of the exact operator, not of rounding:

* at a row with m >= 2 tied maxima and h(T) < log m, F_T(p) is uniform over
  the maxima, while every nearby row with a unique maximum must have entropy
  h(T) < log m and so concentrates on that maximum (the conformance engine
  certifies this at 57 and 107 digits);
* at a row with zeros and h(T) > log s, F_T(p) is uniform on the support,
  while moving a mass ε onto a zero lets the target be met on s + 1 entries:
  p = (0.6, 0.4, 0) at T = 100 gives (0.5, 0.5, 0), but (0.6, 0.4 - ε, ε)
  gives about (0.355, 0.355, 0.290) for every ε from 1e-6 down to 1e-300.

Solver
------
Per row, all rows iterating together (a bounded loop over iterations, no loop
over rows): safeguarded Newton in u = log β on the residual

    φ(u) = log(D_cold / g_cold) - log(D_hot / g_hot),
    D_cold = H(q_β) - log m,  D_hot = log s - H(q_β),
    g_cold = h - log m,       g_hot = log s - h,

which is zero exactly where H(q_β) = h, is decreasing, and has the closed-form
derivative -dφ/du = Var_q(x)/D_cold + Var_q(x)/D_hot (x = β r, from
dH/du = -Var_q(x)).  Newton on H - h itself crawls near the one-hot end,
where H - log m ~ βΔ e^{-βΔ} is doubly exponential in u; log D_cold is nearly
linear in β there and log D_hot ~ 2u + const near the uniform end, so φ is
close to linear on both sides.  The log ratios are taken with
:func:`skdcore.logratio.log_ratio` (accurate to ~eps absolute near the root).
A bracket [T_lo, T_hi] for T_eff = 1/β is kept (updated by the sign of φ at
every evaluation); a Newton step that leaves it, is longer than 32 in u, or
fails to halve |φ| is replaced by geometric bisection.  The state is T_eff
itself, so it carries full relative precision (u would lose |u|·eps), and the
start T_eff = T is kept bit for bit when it is already the root (the
``"power"`` schedule).  The bracket is rigorous and finite, derived from the
data (both ends proved here):

* β_lo = min(1, sqrt(g_hot/2)) / R with R = max_S |r_i|:
  s·q_i ∈ [e^{-βR}, e^{βR}], so log s - H = KL(q || u_S) <= χ² <=
  (e^{βR} - 1)(1 - e^{-βR}) = 2(cosh βR - 1) <= 1.09 (βR)² < g_hot.
* β_hi = (2 log(2.44 s / g_cold) + 2) / Δ with Δ = -max{r_i : r_i < 0} the
  gap to the second level: the mass a off the maxima is at most s e^{-βΔ},
  and H - log m <= a(1 + log s - log a) <= s(1 + βΔ)e^{-βΔ}
  <= 1.22 s e^{-βΔ/2} = g_cold/(2e) < g_cold.

The iteration stops when φ == 0 or the Newton step is below 4 eps (keeping
the current T_eff), after a Newton step below the rounding noise of φ at the
root mapped to u (8 eps·(1 + (log s + H)/g_hot) / |dφ/du|), when the bracket
is narrower than 4 eps relative (eps of the working dtype from ``xp.finfo``,
so the high-precision namespace runs to its own precision), or at a hard cap
of 4·(mantissa bits) + 64 iterations (never reached on the test stress set,
where at most 12 and on average about 4 iterations are taken).

H is evaluated from the escort weights w = exp(β r)
(:func:`skdcore.escort.escort_weights`) as log1p((m - 1) + tail) - E_q[x] and
D_cold as log1p(tail/m) - E_q[x], tail = sum_{r_i<0} w_i: sums of two
non-negative terms, so D_cold (and H for m = 1) stays accurate to a few eps
*relative* however small -- e.g. the target H(p)·T at T = 1e-300.
:func:`skdcore.escort.escort_entropy` computes log Z rather than
log1p(Z - 1) and would lose that relative accuracy once H < eps; the solver
also needs the variance from the same weights, so it evaluates both here.
log s and log m are evaluated as log1p(s - 1), log1p(m - 1), the same function
as log Z, so a numerically uniform row compares exactly equal to its limit.

Accuracy
--------
At a fixed T_eff the result is as accurate as the power transform.  The map
h -> q has dq_i/dh = -q_i (x_i - E_q x) / Var_q(x); an error of a few eps in
the target (from evaluating h and H: relative for h itself when m = 1 and
T <= 1, absolute ~eps·log V otherwise) moves q by that factor.  Near the
uniform end Var_q(x) ~ β² Var(r) and the factor grows like 1/β; with tied
maxima (m >= 2) near the cold end the entries off the maxima are known only
to an absolute ~eps·log m.  This is the problem's conditioning, not the
solver's; the tests derive their tolerance from it.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..backend import exp_underflow_log, to_numpy, working_dtype
from ..escort import escort_from_log_ratios, escort_weights
from ..kernels import dispatch
from ..logratio import log_ratio, log_ratio_to_row_max
from ..validation import check_probabilities, check_real_floating, check_temperature

__all__ = ["entropy_projection", "effective_temperature", "ENTROPY_SCHEDULES"]


# ---------------------------------------------------------------------------
# Per-row structure of the escort path


class _Levels:
    """The quantities of a batch of log-ratio rows r (max r = 0) the solver needs."""

    def __init__(self, xp, r):
        self.xp = xp
        self.r = r
        dtype = r.dtype
        self.finite = xp.isfinite(r)  # the support of p
        self.lower = r < 0  # below the maximum (includes the zeros of p)
        zero = xp.zeros_like(r)
        self.support = xp.sum(xp.astype(self.finite, dtype), axis=-1)  # s
        self.ties = xp.sum(xp.astype(r == 0, dtype), axis=-1)  # m
        # log s and log m as log1p(count - 1): the same function that evaluates
        # log Z below, so that the limits compare exactly (a uniform escort row
        # has computed entropy exactly log s, never one ulp off).
        self.log_support = xp.log1p(self.support - 1)
        self.log_ties = xp.log1p(self.ties - 1)
        self.r_finite = xp.where(self.finite, r, zero)
        self.spread = xp.max(-self.r_finite, axis=-1)  # R = max_S |r_i|
        below = xp.logical_and(self.finite, self.lower)
        second = xp.max(xp.where(below, r, xp.full_like(r, -math.inf)), axis=-1)
        self.uniform = self.support == self.ties  # p uniform on its support (no level below the max)
        self.gap = -xp.where(self.uniform, -xp.ones_like(second), second)  # Δ (1 where undefined)
        self.clip = exp_underflow_log(xp, dtype)

    def moments(self, t_eff, *, variance: bool):
        """(H, H - log m, Var_q(x)) of q ∝ exp(r / t_eff), x = r / t_eff, per row.

        ``t_eff`` is a positive Python float or an array of shape (..., 1).
        With tail = sum_{r_i<0} w_i and Z = m + tail,

            H = log1p((m - 1) + tail) - E_q[x],   H - log m = log1p(tail / m) - E_q[x],

        sums of two non-negative terms (no cancellation; the excess over log m
        stays accurate to a few eps relative however small it is).  The
        variance is None unless requested.
        """
        xp = self.xp
        w = escort_weights(self.r, t_eff)  # exactly 1 at the maxima, 0 at zeros of p
        zero = xp.zeros_like(w)
        tail = xp.sum(xp.where(self.lower, w, zero), axis=-1)
        q = w / (self.ties + tail)[..., None]
        x = self.r_finite / t_eff
        if self.clip != -math.inf:
            # Entries with x below the underflow log have q == 0 exactly; clipping
            # them keeps x² finite without changing any term.
            x = xp.maximum(x, xp.full_like(x, self.clip))
        mean = xp.sum(q * x, axis=-1)  # E_q[x] <= 0
        entropy = xp.log1p((self.ties - 1) + tail) - mean
        excess = xp.log1p(tail / self.ties) - mean
        if not variance:
            return entropy, excess, None
        d = x - mean[..., None]
        return entropy, excess, xp.sum(q * d * d, axis=-1)


# ---------------------------------------------------------------------------
# Schedules h(T)


def _reciprocal(xp, dtype, T: float, entropy_p, V: int, levels):
    t = xp.asarray(T, dtype=dtype)
    if T <= 1.0:
        return entropy_p * t
    log_v = xp.log1p(xp.asarray(float(V - 1), dtype=dtype))  # as log s (see _Levels)
    return log_v - (log_v - entropy_p) / t


def _power(xp, dtype, T: float, entropy_p, V: int, levels):
    return levels.moments(T, variance=False)[0]


# Named schedules: (xp, dtype, T, H(p) per row, V, levels) -> h(T) per row, in
# the array's namespace and working dtype.
ENTROPY_SCHEDULES: dict[str, Callable] = {
    "reciprocal": _reciprocal,
    "power": _power,
}


def _callable_target(xp, dtype, T: float, entropy_p, V: int, h) -> object:
    """Evaluate a user schedule once per row with Python floats."""
    values = []
    for h_p in to_numpy(entropy_p).reshape(-1):
        value = h(T, float(h_p), V)
        try:
            value = float(value)
        except (TypeError, ValueError):
            raise ValueError(f"entropy schedule returned {value!r}, not a real number") from None
        if not math.isfinite(value) or value < 0.0:
            raise ValueError(f"entropy schedule returned {value!r} for T={T!r}; a target entropy must be finite and >= 0")
        values.append(value)
    return xp.reshape(xp.asarray(values, dtype=dtype), tuple(entropy_p.shape))


def _resolve_schedule(schedule):
    if callable(schedule):
        return None
    try:
        return ENTROPY_SCHEDULES[schedule]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown entropy schedule {schedule!r}; choose one of {sorted(ENTROPY_SCHEDULES)} or pass a callable h(T, H_p, V)"
        ) from None


# ---------------------------------------------------------------------------
# The root finder


def _max_iterations(xp, dtype, eps) -> int:
    """4·(mantissa bits) + 64.  ``eps`` may be a high-precision scalar far below
    the float range (2**-1165 at 350 digits), so log2 is taken in ``xp``."""
    bits = float(-xp.log2(xp.asarray(eps, dtype=dtype)))
    return 4 * max(1, round(bits)) + 64


def _solve_temperature(xp, levels, target, active, T: float):
    """T_eff = 1/β with H(q_β) = target on the ``active`` rows; (T_eff, iterations per row).

    Solves φ(u) = log(D_cold / g_cold) - log(D_hot / g_hot) = 0 in u = log β, with
    D_cold = H - log m, D_hot = log s - H, g_cold = h - log m, g_hot = log s - h
    (φ > 0 exactly when H > h).  Near the one-hot end H - log m ~ βΔ e^{-βΔ},
    so log D_cold is nearly linear in β and Newton on H itself would crawl
    (steps of 1/(βΔ) in u); near the uniform end log D_hot ~ 2u + const is
    nearly linear in u.  The state is T_eff itself, so it keeps full relative
    precision (u would lose |u|·eps) and a guess that is already the root (the
    ``"power"`` schedule: T_eff = T) is returned bit for bit.  Inactive rows
    return 1 and are never updated.  Every operation is elementwise or a
    reduction over the last axis, so all rows iterate together.
    """
    dtype = levels.r.dtype
    one = xp.ones_like(target)
    # Rigorous bracket (module docstring); unused rows get harmless values.
    g_hot = xp.where(active, levels.log_support - target, one)
    g_cold = xp.where(active, target - levels.log_ties, one)
    log_g_cold = xp.log(g_cold)
    spread = xp.where(active, levels.spread, one)
    gap = xp.where(active, levels.gap, one)
    t_lo = gap / (2 * (xp.log(2.44 * levels.support) - log_g_cold) + 2)  # 1 / β_hi
    t_hi = spread / xp.minimum(one, xp.sqrt(g_hot / 2))  # 1 / β_lo
    guess = xp.asarray(T, dtype=dtype) * one
    t = xp.where(active, xp.minimum(xp.maximum(guess, t_lo), t_hi), one)
    lo, hi = t_lo, t_hi
    phi_previous = xp.full_like(target, math.inf)
    done = xp.logical_not(active)
    iterations = xp.zeros_like(target)
    eps = xp.finfo(dtype).eps  # a namespace scalar: no float conversion (it may underflow)
    tolerance = 4 * eps
    for _ in range(_max_iterations(xp, dtype, eps)):
        if bool(xp.all(done)):
            break
        entropy, d_cold, variance = levels.moments(t[..., None], variance=True)
        d_hot = levels.log_support - entropy
        valid = xp.logical_and(d_cold > 0, d_hot > 0)
        d_cold_safe, d_hot_safe = xp.where(valid, d_cold, one), xp.where(valid, d_hot, one)
        # log(D/g) by log_ratio: accurate to ~eps absolute near the root, where
        # log D - log g would carry eps·|log D| (up to ~700 eps at the one-hot end).
        # Numerically at a limit: H >= log s means H > h, H <= log m the reverse.
        fallback = xp.where(d_hot > 0, -one, one)
        phi = xp.where(valid, log_ratio(d_cold_safe, g_cold) - log_ratio(d_hot_safe, g_hot), fallback)
        phi = xp.where(done, xp.zeros_like(phi), phi)
        hi = xp.where(phi > 0, t, hi)  # H too large: β must grow, T_eff shrink
        lo = xp.where(phi < 0, t, lo)
        # -dφ/du = Var_q(x)/D_cold + Var_q(x)/D_hot >= 0.  No overflow: Var_q(x) <= E_q[x²]
        # <= max{|x_i| : q_i > 0}·E_q|x| <= |underflow log|·D_cold, and D_hot >= ulp(log s).
        slope = variance / d_cold_safe + variance / d_hot_safe
        newton_ok = xp.logical_and(valid, slope > 0)
        slope_safe = xp.where(newton_ok, slope, one)
        # Newton step in u = log β = -log T_eff, only where it is at most 32 long
        # (T_eff·exp(-step) stays finite, and phi/slope cannot overflow); longer
        # steps fall back to bisection.
        short = xp.logical_and(newton_ok, xp.abs(phi) <= 32 * slope_safe)
        step = xp.where(short, phi, xp.zeros_like(phi)) / slope_safe
        newton = t * xp.exp(-step)
        inside = xp.logical_and(short, xp.logical_and(newton > lo, newton < hi))
        take_newton = xp.logical_and(inside, xp.abs(phi) <= xp.abs(phi_previous) / 2)
        t_next = xp.where(take_newton, newton, xp.sqrt(lo) * xp.sqrt(hi))
        # Rounding noise of φ at the root (a few eps: D_cold and the log ratios are
        # accurate to a few eps relative, D_hot = log s - H to ~eps·(log s + H)
        # absolute, and D_hot = g_hot there).  A Newton step below 4 eps is not
        # taken (the current T_eff is the answer: a start that is already the
        # root stays bit for bit); a step within the noise is taken and is the
        # last one.  (The noise at the current point is no guide: where D_hot is
        # far below g_hot it is large, yet the root is still resolvable.)
        noise = 8 * eps * (1 + (levels.log_support + entropy) / g_hot)
        stay = xp.logical_or(phi == 0, xp.logical_and(short, xp.abs(phi) <= tolerance * slope_safe))
        within = xp.logical_and(short, xp.logical_and(newton >= lo, newton <= hi))
        last = xp.logical_and(xp.logical_not(stay), xp.logical_and(within, xp.abs(phi) <= noise))
        converged = xp.logical_or(xp.logical_or(stay, last), hi - lo <= tolerance * lo)
        iterations = xp.where(done, iterations, iterations + 1)
        t = xp.where(xp.logical_or(done, stay), t, xp.where(last, newton, t_next))
        phi_previous = phi
        done = xp.logical_or(done, converged)
    return t, iterations


# ---------------------------------------------------------------------------
# Public API


def _project(p, T, schedule, validate):
    """(q in the working dtype, or in p's dtype from the kernel, T_eff per row, namespace, iterations).

    Named schedules on NumPy arrays of :data:`~skdcore.kernels.dispatch.CPU_MIN_SIZE`
    entries or more run the fused Numba kernel, on CuPy arrays the CuPy kernel (same
    algorithm, tested against this path and against each other).
    """
    if validate:
        xp = check_probabilities(p)
        T = check_temperature(T)
    else:
        xp = check_real_floating(p)
        T = float(T)
    named = _resolve_schedule(schedule)
    if named is not None and dispatch.fast_path("entropy_projection", p):
        q, t_eff, iterations = dispatch.entropy_projection(p, T, schedule)
        return q, t_eff, xp, iterations
    dtype = working_dtype(xp, p.dtype)
    x = xp.astype(p, dtype, copy=False)
    r = log_ratio_to_row_max(x)
    levels = _Levels(xp, r)
    V = int(p.shape[-1])
    uniform = levels.uniform
    ones = xp.ones_like(levels.support)

    if T == 1.0 and named is not None:
        # Axiom 4: h(1) = H(p), so β = 1 by uniqueness -- the power path at T_eff = 1 exactly.
        q = escort_from_log_ratios(r, 1.0)
        q = xp.where(uniform[..., None], x, q)
        return q, ones, xp, xp.zeros_like(ones)

    entropy_p = levels.moments(1.0, variance=False)[0]
    if named is None:
        target = _callable_target(xp, dtype, T, entropy_p, V, schedule)
    else:
        target = named(xp, dtype, T, entropy_p, V, levels)
    hot = xp.logical_and(xp.logical_not(uniform), target >= levels.log_support)
    cold = xp.logical_and(xp.logical_not(xp.logical_or(uniform, hot)), target <= levels.log_ties)
    active = xp.logical_not(xp.logical_or(uniform, xp.logical_or(hot, cold)))

    t_eff, iterations = _solve_temperature(xp, levels, target, active, T)
    q = escort_from_log_ratios(r, t_eff[..., None])
    zero = xp.zeros_like(r)
    on_support = xp.where(levels.finite, 1 / levels.support[..., None] * xp.ones_like(r), zero)
    on_maxima = xp.where(r == 0, 1 / levels.ties[..., None] * xp.ones_like(r), zero)
    q = xp.where(cold[..., None], on_maxima, q)
    q = xp.where(hot[..., None], on_support, q)
    q = xp.where(uniform[..., None], x, q)
    t_eff = xp.where(hot, xp.full_like(t_eff, math.inf), t_eff)
    t_eff = xp.where(cold, xp.zeros_like(t_eff), t_eff)
    t_eff = xp.where(uniform, ones, t_eff)
    return q, t_eff, xp, iterations


def entropy_projection(p, T: float, *, schedule="reciprocal", validate: bool = True):
    """Entropy projection: argmin_q KL(q || p) subject to H(q) = h(T) (Construction 1).

    Parameters
    ----------
    p : array, shape (..., V)
        Rows on the probability simplex (float32 or float64, any namespace,
        including the high-precision :mod:`skdcore.mp`).
    T : float
        Temperature, a positive finite real (anything in [1e-300, 1e300]).
    schedule : str or callable
        Target entropy h(T): ``"reciprocal"`` (default), ``"power"``, or a
        callable ``h(T, H_p, V) -> float`` (see the module docstring).
    validate : bool
        Check ``p``, ``T`` (set False in hot loops).

    Returns
    -------
    q : array like ``p``: q ∝ p^β on supp(p) with H(q) = h(T), or the
    documented limit when h(T) is unreachable (uniform on the support for
    h >= log|supp p|, uniform on the tied maxima for h <= log m, p itself if
    p is uniform on its support).

    Notes
    -----
    float32 input is evaluated in float64 and rounded.  Accuracy is limited by
    the conditioning of h -> q (module docstring), which is poor next to the
    uniform end.
    """
    q, _, xp, _ = _project(p, T, schedule, validate)
    return xp.astype(q, p.dtype, copy=False)


def effective_temperature(p, T: float, *, schedule="reciprocal", validate: bool = True):
    """T_eff = 1/β per row (shape ``p.shape[:-1]``, working dtype) with
    ``entropy_projection(p, T) == power(p, T_eff)``.

    +inf marks rows whose target is at or above log|supp p| (uniform on the
    support), 0 rows at or below log m (uniform on the tied maxima); rows
    uniform on their support (every T_eff gives p) report 1.
    """
    _, t_eff, _, _ = _project(p, T, schedule, validate)
    return t_eff

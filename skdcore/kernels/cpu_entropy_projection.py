"""Numba kernel for the entropy projection (Construction 1) with a named schedule.

The problem and its safeguards are those of
:mod:`skdcore.operators.entropy_projection` (read its docstring for the
derivation, the bracket and the stopping rule), solved one row at a time
instead of all rows in lock step.  Per row: the log-ratios r = log(p / max p)
are computed once into a float64 scratch row, with H(p) and the moments at
β = 1 taken in the same pass from p / max p (no exp); the target h(T) follows
from H(p); then the safeguarded iteration on u = log β runs with the moments
of q_β ∝ exp(β r),

    H = log1p((m - 1) + tail) - E_q[x],   H - log m = log1p(tail / m) - E_q[x],
    Var_q(x), third central moment of x,   x = max(β r, L),   tail = sum_{r_i < 0} exp(x_i),

each evaluation one pass that writes the weights exp(x) to a second scratch
row and one exp-free pass for the central moments.  The third moment buys
Halley steps (cubic convergence): 2.6-4 evaluations per row where the array
path's Newton takes 4-6.

When the iteration stops at an evaluated point (the usual case) the output is
those weights normalised, otherwise one more weight pass at T_eff.  The
weights and the normalisation are the float64 power kernel's, so for float64
rows the output is exactly ``power(p, T_eff)`` (as in the array path);
float32 rows get the float64 result rounded once (the solve and the output
stay float64-accurate, as the tolerance model of Construction 1 requires).
Scratch rows are per thread (two float64 rows of length V), so memory does
not grow with N.  A callable schedule stays on the array-API path.
"""

from __future__ import annotations

import math

import numba
import numpy as np
from numba import njit, prange

from .cpu_escort import BLOCK, clipped_exp, normalise
from .cpu_math import (
    CONTRACT,
    EXP_UNDERFLOW_LOG,
    KERNEL,
    bits_float,
    float_bits,
    ratio_to_top,
    row_max_nonnegative,
    row_sum,
    top_constants,
)
from .dispatch import ENTROPY_SCHEDULES

__all__ = ["SCHEDULES", "entropy_projection"]

SCHEDULES = {name: number for number, name in enumerate(ENTROPY_SCHEDULES)}
"""The named schedules evaluated in the kernel, by id: 0 reciprocal, 1 power."""

_EPS = 2.220446049250313e-16
_TOLERANCE = 4 * _EPS
_MAX_ITERATIONS = 4 * 52 + 64
_NEGATIVE_ZERO_BITS = -(2**63)  # the int64 bit pattern of -0.0
_NEGATIVE_INF_BITS = int(np.array(-np.inf).view(np.int64))


@njit(**KERNEL)
def _levels(r):
    """(s, m, min finite r or -0.0, max r below 0 or -inf) of log-ratios r <= 0.

    The extremes are taken over the bit patterns: for negative floats a larger
    magnitude is a larger int64, and an integer max/min vectorises where a
    float one does not.  -inf has the largest pattern of all negative floats.
    """
    support, ties = 0, 0
    lowest, second = _NEGATIVE_ZERO_BITS, _NEGATIVE_INF_BITS
    for j in range(r.shape[0]):
        x = r[j]
        key = float_bits(x)
        support += x > -math.inf
        ties += x == 0.0
        finite_negative = (x < 0.0) & (x > -math.inf)
        lowest = key if (finite_negative & (key > lowest)) else lowest
        second = key if ((x < 0.0) & (key < second)) else second
    return float(support), float(ties), bits_float(lowest), bits_float(second)


@njit(**KERNEL)
def _row_levels(row, r):
    """r_j = log(p_j / max p) into ``r``; returns (s, m, R, second largest level, moments at
    β = 1), the moments (H(p), H(p) - log m, Var_p(r), third central moment of r) as
    :func:`_moments` but from w_j = p_j / max p (= exp(r_j) up to rounding), in one pass
    without exp: the central moments from the raw ones, Var = E[r²] - E[r]²,
    μ3 = E[r³] - 3 E[r] E[r²] + 2 E[r]³ (they only seed the solve)."""
    top = row_max_nonnegative(row)
    inverse, exponent, inverse_mantissa = top_constants(top)
    terms = np.empty((4, BLOCK))
    tail, weighted, second, third = 0.0, 0.0, 0.0, 0.0
    for start in range(0, row.shape[0], BLOCK):
        block_p, block_r = row[start : start + BLOCK], r[start : start + BLOCK]
        n = block_p.shape[0]
        for j in range(n):
            x = np.float64(block_p[j])
            ratio = ratio_to_top(x, top, inverse, exponent, inverse_mantissa)
            block_r[j] = ratio
            w = x * inverse
            terms[0, j] = w if ratio < 0.0 else 0.0
            term = w * ratio if x > 0.0 else 0.0
            terms[1, j] = term
            terms[2, j] = term * ratio if x > 0.0 else 0.0
            terms[3, j] = terms[2, j] * ratio if x > 0.0 else 0.0
        tail += row_sum(terms[0, :n])
        weighted += row_sum(terms[1, :n])
        second += row_sum(terms[2, :n])
        third += row_sum(terms[3, :n])
    support, ties, lowest, second_level = _levels(r)
    total = ties + tail
    mean = weighted / total
    second, third = second / total, third / total
    spread, skew = second - mean * mean, third - mean * (3.0 * second - 2.0 * mean * mean)
    moments = (math.log1p((ties - 1.0) + tail) - mean, math.log1p(tail / ties) - mean, spread, skew)
    return support, ties, -lowest, second_level, moments


@njit(**KERNEL)
def _moments(r, w, beta, ties, variance):
    """(H, H - log m, Var_q(x), third central moment of x) of q ∝ exp(x), x = max(β r, L)
    (the last two 0 unless ``variance``); writes exp(x) to ``w``."""
    tail_terms = np.empty(BLOCK)
    mean_terms = np.empty(BLOCK)
    tail, weighted = 0.0, 0.0
    for start in range(0, r.shape[0], BLOCK):
        block_r, block_w = r[start : start + BLOCK], w[start : start + BLOCK]
        n = block_r.shape[0]
        for j in range(n):
            x = block_r[j] * beta
            x = x if x > EXP_UNDERFLOW_LOG else EXP_UNDERFLOW_LOG
            e = clipped_exp(x)
            block_w[j] = e
            tail_terms[j] = e if block_r[j] < 0.0 else 0.0
            mean_terms[j] = e * x
        tail += row_sum(tail_terms[:n])
        weighted += row_sum(mean_terms[:n])
    total = ties + tail
    mean = weighted / total
    entropy = math.log1p((ties - 1.0) + tail) - mean
    excess = math.log1p(tail / ties) - mean
    spread, skew = 0.0, 0.0
    if variance:
        for start in range(0, r.shape[0], BLOCK):
            block_r, block_w = r[start : start + BLOCK], w[start : start + BLOCK]
            n = block_r.shape[0]
            for j in range(n):
                x = block_r[j] * beta
                d = (x if x > EXP_UNDERFLOW_LOG else EXP_UNDERFLOW_LOG) - mean
                tail_terms[j] = block_w[j] * d * d
                mean_terms[j] = tail_terms[j] * d
            spread += row_sum(tail_terms[:n])
            skew += row_sum(mean_terms[:n])
    return entropy, excess, spread / total, skew / total


@njit(**KERNEL)
def _target(schedule, T, V, r, w, ties, entropy_p):
    """h(T) of a named schedule (see ``ENTROPY_SCHEDULES``); both have h(1) = H(p)."""
    if schedule == 1:  # "power": h(T) = H(power(p, T))
        return _moments(r, w, 1.0 / T, ties, False)[0]
    if T <= 1.0:  # "reciprocal"
        return entropy_p * T
    log_v = math.log1p(V - 1.0)
    return log_v - (log_v - entropy_p) / T


@njit(**KERNEL)
def _newton(t, entropy, d_cold, variance, log_support, log_g_cold, log_g_hot):
    """φ at T_eff = t from the moments there, and the safeguarded Newton step in u = log β:
    (φ, step valid, step, Newton iterate, step below the rounding noise of φ)."""
    d_hot = log_support - entropy
    valid = d_cold > 0.0 and d_hot > 0.0
    d_cold_safe, d_hot_safe = (d_cold, d_hot) if valid else (1.0, 1.0)
    log_d_cold, log_d_hot = math.log(d_cold_safe), math.log(d_hot_safe)
    if valid:
        phi = (log_d_cold - log_g_cold) - (log_d_hot - log_g_hot)
    else:  # numerically at a limit: H >= log s means H > h, H <= log m the reverse
        phi = -1.0 if d_hot > 0.0 else 1.0
    slope = variance / d_cold_safe + variance / d_hot_safe
    newton_ok = valid and slope > 0.0 and abs(phi / slope) <= 32.0
    step = phi / slope if newton_ok else 0.0
    noise = 8.0 * _EPS * (1.0 + abs(log_d_cold) + abs(log_d_hot) + (log_support + entropy) / d_hot_safe)
    resolved = newton_ok and abs(step) <= max(_TOLERANCE, noise / slope)
    return phi, newton_ok, step, t * math.exp(-step), resolved


@njit(**KERNEL)
def _halley(phi, entropy, d_cold, variance, skew, log_support):
    """The Halley step Δu for φ(u) = 0 in u = log β from the moments at the current β
    (x = β r: H, D_cold = H - log m, V = Var(x), μ3 = third central moment of x).

    With D_hot = log s - H, dH/du = -V and dV/du = 2V + μ3:
    φ' = -V (1/D_cold + 1/D_hot), φ'' = -(2V + μ3)(1/D_cold + 1/D_hot) - V²(1/D_cold² - 1/D_hot²),
    Δu = -2φφ' / (2φ'² - φφ'') (the Newton step -φ/φ' when that denominator is not positive).
    """
    d_hot = log_support - entropy
    inverse_sum = 1.0 / d_cold + 1.0 / d_hot
    first = -variance * inverse_sum
    second = -(2.0 * variance + skew) * inverse_sum - variance * variance * (1.0 / d_cold**2 - 1.0 / d_hot**2)
    denominator = 2.0 * first * first - phi * second
    return -2.0 * phi * first / denominator if denominator > 0.0 else -phi / first


@njit(**KERNEL)
def _solve(r, w, target, T, seed_guess, seed, support, ties, spread, gap):
    """T_eff with H(q) = target by the safeguarded iteration of ``_solve_temperature``
    (bracket, bisection fallback, the same stopping rule), with Halley steps
    (:func:`_halley`, from the third moment, which the variance pass gives almost for
    free) in place of Newton steps, starting from T clamped to the bracket or, with
    ``seed_guess``, from the Halley step from β = 1 (whose moments ``seed`` are known)
    if inside it.  (For the "power" schedule T itself is the root and is kept.)
    Returns (T_eff, iterations, whether ``w`` holds the weights at T_eff)."""
    log_support, log_ties = math.log1p(support - 1.0), math.log1p(ties - 1.0)
    g_hot, g_cold = log_support - target, target - log_ties
    log_g_hot, log_g_cold = math.log(g_hot), math.log(g_cold)
    lo = gap / (2.0 * (math.log(2.44 * support) - log_g_cold) + 2.0)
    hi = spread / min(1.0, math.sqrt(g_hot / 2.0))
    t = min(max(T, lo), hi)
    if seed_guess:
        phi, valid, _, _, _ = _newton(1.0, seed[0], seed[1], seed[2], log_support, log_g_cold, log_g_hot)
        step = _halley(phi, seed[0], seed[1], seed[2], seed[3], log_support) if valid else math.inf
        t = math.exp(-step) if abs(step) <= 32.0 and lo < math.exp(-step) < hi else t
    phi_previous = math.inf
    for iteration in range(1, _MAX_ITERATIONS + 1):
        entropy, d_cold, variance, skew = _moments(r, w, 1.0 / t, ties, True)
        phi, newton_ok, step, newton, resolved = _newton(t, entropy, d_cold, variance, log_support, log_g_cold, log_g_hot)
        if phi == 0.0 or resolved:
            return t, iteration, True
        if phi > 0.0:  # H too large: β must grow, T_eff shrink
            hi = t
        else:
            lo = t
        if newton_ok:  # the cubically convergent Halley step where it stays as short
            halley = _halley(phi, entropy, d_cold, variance, skew, log_support)
            newton = t * math.exp(-halley) if abs(halley) <= 32.0 else newton
        take_newton = newton_ok and lo < newton < hi and abs(phi) <= abs(phi_previous) / 2.0
        t = newton if take_newton else math.sqrt(lo) * math.sqrt(hi)
        phi_previous = phi
        if hi - lo <= _TOLERANCE * lo:
            return t, iteration, False
    return t, _MAX_ITERATIONS, False


@njit(**KERNEL)
def _fill_uniform(r, maxima_only, count, out):
    """out = 1/count on the maxima (r == 0) or on the support (r > -inf), 0 elsewhere."""
    value = 1.0 / count
    for j in range(r.shape[0]):
        hit = r[j] == 0.0 if maxima_only else r[j] > -math.inf
        out[j] = value if hit else 0.0


@njit(parallel=True, cache=True, error_model="numpy", fastmath=CONTRACT)
def _project_rows(p, T, schedule, scratch, out, t_eff, iterations):
    V = p.shape[1]
    for i in prange(p.shape[0]):
        r = scratch[numba.get_thread_id(), 0]
        w = scratch[numba.get_thread_id(), 1]
        row, dst = p[i], out[i]
        support, ties, spread, second, moments = _row_levels(row, r)
        iterations[i] = 0
        if support == ties:  # p uniform on its support: every q_β is p
            for j in range(V):
                dst[j] = row[j]
            t_eff[i] = 1.0
            continue
        t, evaluated = 1.0, False  # T = 1: h(1) = H(p), so β = 1 by uniqueness
        if T != 1.0:
            target = _target(schedule, T, float(V), r, w, ties, moments[0])
            if target >= math.log1p(support - 1.0):  # unreachable: uniform on the support
                _fill_uniform(r, False, support, dst)
                t_eff[i] = math.inf
                continue
            if target <= math.log1p(ties - 1.0):  # unreachable: uniform on the tied maxima
                _fill_uniform(r, True, ties, dst)
                t_eff[i] = 0.0
                continue
            t, iterations[i], evaluated = _solve(r, w, target, T, schedule == 0, moments, support, ties, spread, -second)
        t_eff[i] = t
        if not evaluated:
            _moments(r, w, 1.0 / t, ties, False)  # the weights at t
        # Normalised as the power kernel does (float64 rows: power(p, t) bit for bit),
        # then rounded once to the output dtype.
        normalise(w)
        for j in range(V):
            dst[j] = w[j]


def entropy_projection(p: np.ndarray, T: float, schedule: str):
    """(q, T_eff per row, Newton iterations per row) of the entropy projection of a
    float32/float64 NumPy array (not validated) with a named schedule."""
    V = p.shape[-1]
    rows = np.ascontiguousarray(p).reshape(-1, V)
    n = rows.shape[0]
    out = np.empty(rows.shape, dtype=p.dtype)
    t_eff = np.empty(n)
    iterations = np.empty(n, dtype=np.int64)
    scratch = np.empty((numba.get_num_threads(), 2, V))
    _project_rows(rows, float(T), SCHEDULES[schedule], scratch, out, t_eff, iterations)
    batch = p.shape[:-1]
    return out.reshape(p.shape), t_eff.reshape(batch), iterations.reshape(batch)

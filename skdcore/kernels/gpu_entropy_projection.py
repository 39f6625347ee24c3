"""CuPy kernel for the entropy projection (Construction 1) with a named schedule (one row per block).

The per-row solve of :mod:`.cpu_entropy_projection` (read its docstring and
that of :mod:`skdcore.operators.entropy_projection` for the derivation, the
bracket and the stopping rule), one row per block: q_β ∝ exp(β r) with
r = log(p / max p) and T_eff = 1/β chosen so that H(q_β) = h(T), found by
Halley steps in u = log β on φ(u) = log(D_cold / g_cold) - log(D_hot / g_hot)
with the Newton/bisection safeguards, from the moments of x = max(β r, L),

    H = log1p((m - 1) + tail) - E_q[x],   H - log m = log1p(tail / m) - E_q[x],
    Var_q(x), third central moment of x,   tail = sum_{r_j < 0} exp(x_j),

each a block sum.  Every thread of the block runs the same scalar iteration
from the same block sums, so the scalar state needs no broadcast and every
thread takes the same branches around the reductions' ``__syncthreads()``.
Nothing is stored per entry: r_j is recomputed (accurate log-ratio, in double)
in every pass, since the GPU is memory bound -- a pass for max p, one for the
levels (s, m, R, Δ) and the moments at β = 1 (from p / max p, no exp), one for
the target of the "power" schedule, two per evaluation (the moments, then the
central moments), and one for the output q_j = exp(x_j) / (m + tail) (plus
one for m + tail when the iteration did not stop at an evaluated point).  The
solve is in double whatever the storage type (float32 rows: the float64
result rounded once, as on the CPU); L is the float64 exp-underflow log.
Same contract as :func:`.cpu_entropy_projection.entropy_projection`.
"""

from __future__ import annotations

import numpy as np

from .dispatch import ENTROPY_SCHEDULES
from .gpu_device import clip, compile_module, launch

__all__ = ["SOURCE", "NAMES", "entropy_projection"]

SOURCE = r"""
constexpr double projection_eps = 2.220446049250313e-16;
constexpr double projection_tolerance = 4 * projection_eps;
constexpr long long projection_max_iterations = 4 * 52 + 64;

// x = max(β r, clip), r = log(p / top) in double.
template <typename real>
__device__ __forceinline__ double projection_x(real p, double top, double beta, double clip) {
    double x = skd_log_ratio((double)p, top) * beta;
    return x > clip ? x : clip;
}

// (H, H - log m, Var_q(x), third central moment of x, Z = m + tail) of q ∝ exp(x); the central
// moments (a second pass) only if `central`.  Entries below the maxima (r < 0) are those with p < top.
struct projection_moments { double entropy, excess, variance, skew, total; };

template <typename real>
__device__ projection_moments projection_moments_at(const real* row, long long V, double top, double beta,
                                                    double ties, double clip, int central) {
    double tail = 0.0, weighted = 0.0;
    for (long long j = threadIdx.x; j < V; j += SKD_THREADS) {
        double x = projection_x(row[j], top, beta, clip), e = exp(x);
        if ((double)row[j] < top) tail += e;
        weighted += e * x;
    }
    tail = skd_block_sum(tail);
    double total = ties + tail, mean = skd_block_sum(weighted) / total;
    projection_moments m = {log1p((ties - 1.0) + tail) - mean, log1p(tail / ties) - mean, 0.0, 0.0, total};
    if (central) {
        double spread = 0.0, skew = 0.0;
        for (long long j = threadIdx.x; j < V; j += SKD_THREADS) {
            double x = projection_x(row[j], top, beta, clip), d = x - mean, term = exp(x) * d * d;
            spread += term;
            skew += term * d;
        }
        m.variance = skd_block_sum(spread) / total;
        m.skew = skd_block_sum(skew) / total;
    }
    return m;
}

// Support s, ties m, spread R = -min finite r, gap Δ = -max{r < 0}, and the moments at β = 1 from
// w = p / top (no exp; the central ones from the raw ones: they only seed the solve).
struct projection_levels { double support, ties, spread, gap; projection_moments seed; };

template <typename real>
__device__ projection_levels projection_levels_of(const real* row, long long V, double top) {
    const double inverse = 1.0 / top;
    double support = 0.0, ties = 0.0, spread = 0.0, second = -skd_inf();
    double tail = 0.0, weighted = 0.0, square = 0.0, cube = 0.0;
    for (long long j = threadIdx.x; j < V; j += SKD_THREADS) {
        double x = (double)row[j], r = skd_log_ratio(x, top), w = x * inverse;
        if (x > 0.0) {
            support += 1.0;
            if (-r > spread) spread = -r;
            weighted += w * r;
            square += w * r * r;
            cube += w * r * r * r;
        }
        if (r == 0.0) ties += 1.0;
        if (r < 0.0) {
            tail += w;
            if (r > second) second = r;
        }
    }
    projection_levels levels;
    levels.support = skd_block_sum(support);
    levels.ties = skd_block_sum(ties);
    levels.spread = skd_block_max(spread);
    levels.gap = -skd_block_max(second);
    tail = skd_block_sum(tail);
    double total = levels.ties + tail, mean = skd_block_sum(weighted) / total;
    square = skd_block_sum(square) / total;
    cube = skd_block_sum(cube) / total;
    levels.seed = {log1p((levels.ties - 1.0) + tail) - mean, log1p(tail / levels.ties) - mean,
                   square - mean * mean, cube - mean * (3.0 * square - 2.0 * mean * mean), total};
    return levels;
}

// φ at T_eff = t and the safeguarded Newton iterate t·exp(-φ/φ') (cpu_entropy_projection._newton).
struct projection_step { double phi, newton; int newton_ok, resolved; };

__device__ projection_step projection_newton(double t, double entropy, double d_cold, double variance,
                                             double log_support, double log_g_cold, double log_g_hot) {
    double d_hot = log_support - entropy;
    int valid = d_cold > 0.0 && d_hot > 0.0;
    double d_cold_safe = valid ? d_cold : 1.0, d_hot_safe = valid ? d_hot : 1.0;
    double log_d_cold = log(d_cold_safe), log_d_hot = log(d_hot_safe);
    // Numerically at a limit: H >= log s means H > h, H <= log m the reverse.
    double phi = valid ? (log_d_cold - log_g_cold) - (log_d_hot - log_g_hot) : (d_hot > 0.0 ? -1.0 : 1.0);
    double slope = variance / d_cold_safe + variance / d_hot_safe;
    int newton_ok = valid && slope > 0.0 && fabs(phi / slope) <= 32.0;
    double step = newton_ok ? phi / slope : 0.0;
    double noise = 8.0 * projection_eps * (1.0 + fabs(log_d_cold) + fabs(log_d_hot) + (log_support + entropy) / d_hot_safe);
    int resolved = newton_ok && fabs(step) <= fmax(projection_tolerance, noise / slope);
    return {phi, t * exp(-step), newton_ok, resolved};
}

// Halley step Δu = -2φφ' / (2φ'² - φφ'') from the moments (cpu_entropy_projection._halley):
// φ' = -V(1/D_cold + 1/D_hot), φ'' = -(2V + μ3)(1/D_cold + 1/D_hot) - V²(1/D_cold² - 1/D_hot²).
__device__ double projection_halley(double phi, double entropy, double d_cold, double variance, double skew,
                                    double log_support) {
    double d_hot = log_support - entropy, inverse_sum = 1.0 / d_cold + 1.0 / d_hot;
    double first = -variance * inverse_sum;
    double second = -(2.0 * variance + skew) * inverse_sum
                    - variance * variance * (1.0 / (d_cold * d_cold) - 1.0 / (d_hot * d_hot));
    double denominator = 2.0 * first * first - phi * second;
    return denominator > 0.0 ? -2.0 * phi * first / denominator : -phi / first;
}

// T_eff with H(q) = target (cpu_entropy_projection._solve): the bracket, a start at T clamped to it
// (or, with seed_guess, the Halley step from β = 1), Halley steps with the Newton/bisection
// safeguards, the same stopping rule.  `total` is Z at T_eff when `evaluated`.
struct projection_solution { double t, total; long long iterations; int evaluated; };

template <typename real>
__device__ projection_solution projection_solve(const real* row, long long V, double top, double clip, double target,
                                                double T, int seed_guess, const projection_levels& levels) {
    const projection_moments& seed = levels.seed;
    double log_support = log1p(levels.support - 1.0), log_ties = log1p(levels.ties - 1.0);
    double g_hot = log_support - target, g_cold = target - log_ties;
    double log_g_hot = log(g_hot), log_g_cold = log(g_cold);
    double lo = levels.gap / (2.0 * (log(2.44 * levels.support) - log_g_cold) + 2.0);
    double hi = levels.spread / fmin(1.0, sqrt(g_hot / 2.0));
    double t = fmin(fmax(T, lo), hi);
    if (seed_guess) {
        projection_step at_one = projection_newton(1.0, seed.entropy, seed.excess, seed.variance, log_support,
                                                   log_g_cold, log_g_hot);
        double step = at_one.newton_ok ? projection_halley(at_one.phi, seed.entropy, seed.excess, seed.variance,
                                                           seed.skew, log_support) : skd_inf();
        double guess = exp(-step);
        if (fabs(step) <= 32.0 && lo < guess && guess < hi) t = guess;
    }
    double phi_previous = skd_inf();
    for (long long iteration = 1; iteration <= projection_max_iterations; ++iteration) {
        projection_moments at = projection_moments_at(row, V, top, 1.0 / t, levels.ties, clip, 1);
        projection_step s = projection_newton(t, at.entropy, at.excess, at.variance, log_support, log_g_cold, log_g_hot);
        if (s.phi == 0.0 || s.resolved) return {t, at.total, iteration, 1};
        if (s.phi > 0.0) hi = t; else lo = t;  // H too large: β must grow, T_eff shrink
        double newton = s.newton;
        if (s.newton_ok) {
            double halley = projection_halley(s.phi, at.entropy, at.excess, at.variance, at.skew, log_support);
            if (fabs(halley) <= 32.0) newton = t * exp(-halley);
        }
        int take_newton = s.newton_ok && lo < newton && newton < hi && fabs(s.phi) <= fabs(phi_previous) / 2.0;
        t = take_newton ? newton : sqrt(lo) * sqrt(hi);
        phi_previous = s.phi;
        if (hi - lo <= projection_tolerance * lo) return {t, 0.0, iteration, 0};
    }
    return {t, 0.0, projection_max_iterations, 0};
}

// out = 1/count on the maxima (p == top) or on the support (p > 0), 0 elsewhere.
template <typename real>
__device__ void projection_fill_uniform(const real* row, long long V, double top, int maxima_only, double count,
                                        real* dst) {
    for (long long j = threadIdx.x; j < V; j += SKD_THREADS) {
        double x = (double)row[j];
        dst[j] = (real)((maxima_only ? x == top : x > 0.0) ? 1.0 / count : 0.0);
    }
}

// Writes q of one row to dst; returns T_eff and the iterations.  `schedule` indexes
// ENTROPY_SCHEDULES: 0 reciprocal (h = H(p)·T, or log V - (log V - H(p))/T above 1), 1 power.
template <typename real>
__device__ projection_solution projection_row(const real* row, long long V, double T, int schedule, double clip,
                                              real* dst) {
    real largest = 0;
    for (long long j = threadIdx.x; j < V; j += SKD_THREADS) largest = row[j] > largest ? row[j] : largest;
    const double top = (double)skd_block_max(largest);
    const projection_levels levels = projection_levels_of(row, V, top);
    if (levels.support == levels.ties) {  // p uniform on its support: every q_β is p
        for (long long j = threadIdx.x; j < V; j += SKD_THREADS) dst[j] = row[j];
        return {1.0, 0.0, 0, 0};
    }
    projection_solution solution = {1.0, 0.0, 0, 0};  // T = 1: h(1) = H(p), so β = 1 by uniqueness
    if (T != 1.0) {
        double log_v = log1p((double)V - 1.0), entropy_p = levels.seed.entropy;
        double target = schedule == 1 ? projection_moments_at(row, V, top, 1.0 / T, levels.ties, clip, 0).entropy
                        : T <= 1.0    ? entropy_p * T
                                      : log_v - (log_v - entropy_p) / T;
        if (target >= log1p(levels.support - 1.0)) {  // unreachable: uniform on the support
            projection_fill_uniform(row, V, top, 0, levels.support, dst);
            return {skd_inf(), 0.0, 0, 0};
        }
        if (target <= log1p(levels.ties - 1.0)) {  // unreachable: uniform on the tied maxima
            projection_fill_uniform(row, V, top, 1, levels.ties, dst);
            return {0.0, 0.0, 0, 0};
        }
        solution = projection_solve(row, V, top, clip, target, T, schedule == 0, levels);
    }
    const double beta = 1.0 / solution.t;
    const double scale = 1.0 / (solution.evaluated ? solution.total
                                                   : projection_moments_at(row, V, top, beta, levels.ties, clip, 0).total);
    for (long long j = threadIdx.x; j < V; j += SKD_THREADS)
        dst[j] = (real)(exp(projection_x(row[j], top, beta, clip)) * scale);
    return solution;
}

template <typename real>
__global__ void entropy_projection_rows(const real* p, long long V, double T, int schedule, double clip, real* out,
                                        double* t_eff, long long* iterations) {
    const long long offset = (long long)blockIdx.x * V;
    projection_solution solution = projection_row(p + offset, V, T, schedule, clip, out + offset);
    if (threadIdx.x == 0) {
        t_eff[blockIdx.x] = solution.t;
        iterations[blockIdx.x] = solution.iterations;
    }
}
"""
NAMES = ("entropy_projection_rows<float>", "entropy_projection_rows<double>")


def entropy_projection(p, T: float, schedule: str):
    """(q, T_eff per row, iterations per row) of the entropy projection of a float32/float64
    CuPy array (not validated) with a schedule named in ``ENTROPY_SCHEDULES``."""
    import cupy

    V = p.shape[-1]
    rows = cupy.ascontiguousarray(p).reshape(-1, V)
    n = rows.shape[0]
    out = cupy.empty_like(rows)
    t_eff = cupy.empty(n)
    iterations = cupy.empty(n, dtype=cupy.int64)
    launch(compile_module(SOURCE, NAMES), "entropy_projection_rows", p.dtype, n,
           (rows, cupy.int64(V), cupy.float64(T), cupy.int32(ENTROPY_SCHEDULES.index(schedule)),
            cupy.float64(clip(np.float64)), out, t_eff, iterations))
    batch = p.shape[:-1]
    return out.reshape(p.shape), t_eff.reshape(batch), iterations.reshape(batch)

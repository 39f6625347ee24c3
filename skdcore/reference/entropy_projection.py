"""mpmath reference for the entropy projection (Construction 1).

    q* = argmin_q KL(q || p)  subject to  H(q) = h(T)

is q*_i = p_i^β / sum_j p_j^β on supp(p) with the unique β > 0 solving
H(q_β) = h (see :mod:`skdcore.operators.entropy_projection` for the
derivation).  This reference shares no code with the array implementation:
it works on the distinct values of the row with their multiplicities (so long
rows built from few values stay cheap), evaluates the target entropies as
-sum q log q in a private mpmath context, brackets the root by doubling steps
in a reparametrisation of β, solves a logit transform of the entropy equation
with ``findroot`` (Anderson–Björck, a bracketing method) and certifies the
root by a sign change of the residual (bisecting to the working precision if
that fails).

Cases, as in the array implementation: p uniform on its support -> p
(normalised); h >= log s -> uniform on the support; h <= log m -> uniform on
the m tied maxima (a target within a few ulps at ``dps`` of log s or log m
counts as that limit).  Only the ratios of p matter: the row is normalised.
"""

from __future__ import annotations

from collections import Counter

from .context import context

__all__ = ["entropy_projection_ref"]


class _Row:
    """Distinct positive values of a row (as floats, descending), their counts
    and log(v / max p) in mpf."""

    def __init__(self, ctx, p_floats):
        self.ctx = ctx
        counts = Counter(x for x in p_floats if x > 0)
        self.values = sorted(counts, reverse=True)  # values[0] == max p
        self.counts = [counts[v] for v in self.values]
        top = ctx.mpf(self.values[0])
        self.logs = [ctx.log(ctx.mpf(v) / top) for v in self.values]  # 0 for the maxima
        self.support = sum(self.counts)
        self.ties = self.counts[0]

    def weights(self, beta):
        """q of each distinct value at exponent ``beta`` (per entry, not per level)."""
        ctx = self.ctx
        w = [ctx.exp(beta * ell) for ell in self.logs]
        total = ctx.fsum(c * x for c, x in zip(self.counts, w))
        return [x / total for x in w], total

    def entropy(self, beta):
        """H(q_β) = -sum q log q, with log q = β log(v/top) - log Z and log Z by log1p."""
        ctx = self.ctx
        w = [ctx.exp(beta * ell) for ell in self.logs]
        # Z - 1 summed without forming Z: keeps H accurate when it is tiny (Z ≈ 1).
        z_minus_one = (self.counts[0] - 1) + ctx.fsum(c * x for c, x in zip(self.counts[1:], w[1:]))
        log_z = ctx.log1p(z_minus_one)
        z = 1 + z_minus_one
        return -ctx.fsum(c * (x / z) * (beta * ell - log_z) for c, x, ell in zip(self.counts, w, self.logs))


def _target(ctx, row, T, schedule, V):
    T = ctx.mpf(T)
    h_p = row.entropy(ctx.one)
    if callable(schedule):
        return ctx.mpf(float(schedule(float(T), float(h_p), V)))
    if schedule == "reciprocal":
        if T <= 1:
            return h_p * T
        log_v = ctx.log(V)
        return log_v - (log_v - h_p) / T
    if schedule == "power":
        return row.entropy(1 / T)
    raise ValueError(f"unknown schedule {schedule!r}")


def _excess(ctx, row, beta):
    """H(q_β) - log m = log(Z/m) + β sum_i q_i |log(p_i/top)|, with log(Z/m) by log1p."""
    w = [ctx.exp(beta * ell) for ell in row.logs[1:]]
    tail = ctx.fsum(c * x for c, x in zip(row.counts[1:], w))
    z = row.ties + tail
    return ctx.log1p(tail / row.ties) - beta * ctx.fsum(c * x * ell for c, x, ell in zip(row.counts[1:], w, row.logs[1:])) / z


def _beta_of(ctx, v):
    """A C¹ reparametrisation: β = e^v for v < 0, β = 1 + v for v >= 0."""
    return ctx.exp(v) if v < 0 else 1 + v


def _solve(ctx, row, h):
    """β > 0 with H(q_β) = h, for log m < h < log s.

    Root of ψ(v) = logit(D(β(v)) / L) - logit(g / L) with D = H - log m,
    g = h - log m, L = log(s/m): ψ ~ 2 log β near the uniform end and ~ -βΔ
    near the one-hot end, so ψ is close to linear in v on both sides and a
    bracketing secant method converges quickly.
    """
    L = ctx.log(ctx.mpf(row.support) / row.ties)
    g = h - ctx.log(row.ties)
    target = ctx.log(g) - ctx.log(L - g)
    floor = L * ctx.mpf(2) ** (-ctx.prec)

    def psi(v):
        d = min(_excess(ctx, row, _beta_of(ctx, v)), L - floor)  # D < L in exact arithmetic
        return (ctx.log(d) - ctx.log(L - d)) - target  # decreasing in v

    a = b = ctx.zero
    step = ctx.one
    for _ in range(4000):
        if psi(a) > 0:
            break
        a, step = a - step, 2 * step
    else:
        raise ArithmeticError("no lower bracket found")
    for _ in range(4000):
        if psi(b) < 0:
            break
        b = (b + 1) ** 2  # ψ is about -βΔ here: grow β fast (1e300 in 11 steps)
    else:
        raise ArithmeticError("no upper bracket found")
    tol = ctx.mpf(2) ** (-ctx.prec + 10)
    try:
        v = ctx.findroot(psi, (a, b), solver="anderson", tol=tol, verify=False, maxsteps=200)
    except (ZeroDivisionError, ValueError):
        v = None
    # Certify v by a sign change of ψ in a small interval around it, widened
    # (up to 2^-80 relative, far below float64 resolution) while rounding noise
    # of ψ hides it -- near the uniform end D_hot = L - D loses digits.
    if v is not None and a <= v <= b:
        width = tol * (1 + abs(v))
        while width <= ctx.mpf(2) ** -80 * (1 + abs(v)):
            lo, hi = v - width, v + width
            if a <= lo and hi <= b and psi(lo) >= 0 >= psi(hi):
                return _beta_of(ctx, v)
            width *= 4
    # Otherwise bisect the bracket to the working precision.
    lo, hi = a, b
    while hi - lo > tol * (1 + abs(lo)):
        mid = (lo + hi) / 2
        if psi(mid) > 0:
            lo = mid
        else:
            hi = mid
    return _beta_of(ctx, (lo + hi) / 2)


def entropy_projection_ref(p_row, T: float, dps: int = 80, schedule="reciprocal", *, details: bool = False):
    """argmin_q KL(q || p) s.t. H(q) = h(T) at ``dps`` digits; a list of mpf.

    ``schedule`` is ``"reciprocal"``, ``"power"`` or a callable
    ``h(T, H_p, V) -> float`` (as in :func:`skdcore.entropy_projection`).
    With ``details=True`` returns ``(q, info)`` where ``info`` has ``case``
    (``"solved"``, ``"uniform"``, ``"hot"``, ``"cold"``), ``beta`` (the
    exponent, None unless solved), ``target`` (h), ``support`` (s) and
    ``ties`` (m).
    """
    ctx = context(dps)
    p = [float(v) for v in p_row]  # exact; converted to mpf once per distinct value
    V = len(p)
    row = _Row(ctx, p)
    s, m = row.support, row.ties
    h = _target(ctx, row, T, schedule, V)
    beta = None
    # Targets within a few ulps of log s or log m (at ``dps``) cannot be told
    # from the limit: log s - H(q_β) and H(q_β) - log m are not resolved there.
    resolution = ctx.mpf(2) ** (-ctx.prec + 4)
    if s == m:
        total = ctx.fsum(ctx.mpf(x) for x in p)
        q, case = [ctx.mpf(x) / total for x in p], "uniform"
    elif h >= ctx.log(s) * (1 - resolution):
        q, case = [ctx.one / s if x > 0 else ctx.zero for x in p], "hot"
    elif h <= ctx.log(m) * (1 + resolution):
        top = max(p)
        q, case = [ctx.one / m if x == top else ctx.zero for x in p], "cold"
    else:
        beta = _solve(ctx, row, h)
        per_value, _ = row.weights(beta)
        lookup = dict(zip(row.values, per_value))
        q, case = [lookup[x] if x > 0 else ctx.zero for x in p], "solved"
    if details:
        return q, {"case": case, "beta": beta, "target": h, "support": s, "ties": m}
    return q

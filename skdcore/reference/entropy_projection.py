"""mpmath reference for the entropy projection (Construction 1).

    q* = argmin_q KL(q || p)  subject to  H(q) = h(T)

is q*_i = p_i^β / sum_j p_j^β on supp(p) with the unique β > 0 solving
H(q_β) = h (see :mod:`skdcore.operators.entropy_projection` for the
derivation).  This reference shares no code with the array implementation: it
works on the distinct values of the row with their multiplicities (so long
rows built from few values stay cheap), evaluates H(q_β) = -sum q log q
directly in a private mpmath context, brackets the root in log β by doubling
steps and solves with ``findroot`` (Anderson–Björck, a bracketing method),
finishing with bisection if that has not pinned the root to the working
precision.

Cases, as in the array implementation: p uniform on its support -> p
(normalised); h >= log s -> uniform on the support; h <= log m -> uniform on
the m tied maxima.  The row is normalised first (only the ratios of p matter).
"""

from __future__ import annotations

from collections import Counter

from .context import context, exact_row

__all__ = ["entropy_projection_ref"]


class _Row:
    """Distinct values v of a row (v = p_i / max p > 0), their counts and log v."""

    def __init__(self, ctx, p):
        self.ctx = ctx
        top = max(p)
        counts = Counter(x for x in p if x > 0)
        self.values = sorted(counts, reverse=True)  # values[0] == top
        self.counts = [counts[v] for v in self.values]
        self.logs = [ctx.log(v / top) for v in self.values]  # log ratio, 0 for the maxima
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


def _solve(ctx, row, h, T):
    """β > 0 with H(q_β) = h, for log m < h < log s."""

    def f(u):
        return row.entropy(ctx.exp(u)) - h  # decreasing in u

    u0 = -ctx.log(ctx.mpf(T))
    u0 = max(min(u0, ctx.mpf(2000)), ctx.mpf(-2000))
    a, b, step = u0 - 1, u0 + 1, ctx.one
    for _ in range(64):
        if f(a) > 0:
            break
        a, step = a - step, 2 * step
    else:
        raise ArithmeticError("no lower bracket found")
    step = ctx.one
    for _ in range(64):
        if f(b) < 0:
            break
        b, step = b + step, 2 * step
    else:
        raise ArithmeticError("no upper bracket found")
    tol = ctx.mpf(2) ** (-ctx.prec + 8)
    try:
        u = ctx.findroot(f, (a, b), solver="anderson", tol=tol**2, verify=False, maxsteps=200)
    except (ZeroDivisionError, ValueError):
        u = None
    if u is None or not (a <= u <= b):
        u = (a + b) / 2
    # Finish by bisection on a bracket around u (a no-op when findroot converged).
    width = tol * (1 + abs(u))
    lo, hi = u - width, u + width
    if not (f(lo) >= 0 >= f(hi)):
        lo, hi = a, b
    while hi - lo > tol * (1 + abs(lo)):
        mid = (lo + hi) / 2
        value = f(mid)
        if value == 0:
            lo = hi = mid
        elif value > 0:
            lo = mid
        else:
            hi = mid
    return ctx.exp((lo + hi) / 2)


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
    p = exact_row(ctx, p_row)
    V = len(p)
    row = _Row(ctx, p)
    s, m = row.support, row.ties
    h = _target(ctx, row, T, schedule, V)
    beta = None
    if s == m:
        total = ctx.fsum(p)
        q, case = [x / total for x in p], "uniform"
    elif h >= ctx.log(s):
        q, case = [ctx.one / s if x > 0 else ctx.zero for x in p], "hot"
    elif h <= ctx.log(m):
        top = max(p)
        q, case = [ctx.one / m if x == top else ctx.zero for x in p], "cold"
    else:
        beta = _solve(ctx, row, h, T)
        per_value, _ = row.weights(beta)
        lookup = dict(zip(row.values, per_value))
        q, case = [lookup[x] if x > 0 else ctx.zero for x in p], "solved"
    if details:
        return q, {"case": case, "beta": beta, "target": h, "support": s, "ties": m}
    return q

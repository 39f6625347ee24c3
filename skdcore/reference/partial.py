"""mpmath references for the top-k completions, text-only estimates and the simplex projection.

Plain loops over mpf scalars in a private context, sharing no code with
:mod:`skdcore.partial`: the Zipf scale is found by bisection on λ (the
implementation bisects over the number of capped ranks), and the projection
by enumerating supports (the implementation sorts).  Rows are 1-d; results
are lists of mpf.
"""

from __future__ import annotations

from itertools import combinations

from .context import context, exact_row


def _unseen(indices_row, V: int) -> list:
    seen = {int(i) for i in indices_row}
    return [j for j in range(V) if j not in seen]


def _assemble(ctx, values, indices_row, V: int, tail: list) -> list:
    out = [ctx.zero] * V
    for j, t in zip(_unseen(indices_row, V), tail):
        out[j] = t
    for v, i in zip(values, indices_row):
        out[int(i)] = v
    return out


def renormalise_ref(values_row, indices_row, V: int, dps: int = 60) -> list:
    """Visible values over their sum, zeros elsewhere."""
    ctx = context(dps)
    v = exact_row(ctx, values_row)
    total = ctx.fsum(v)
    return _assemble(ctx, [x / total for x in v], indices_row, V, [])


def max_entropy_ref(values_row, indices_row, V: int, dps: int = 60) -> list:
    """Visible values kept, missing mass (clipped at 0) split evenly over the unseen tokens."""
    ctx = context(dps)
    v = exact_row(ctx, values_row)
    rest = max(ctx.zero, 1 - ctx.fsum(v))
    n = V - len(v)
    return _assemble(ctx, v, indices_row, V, [rest / n] * n if n else [])


def zipf_ref(values_row, indices_row, V: int, dps: int = 60) -> list:
    """Least-squares log-log fit on the positive sorted visible values, then the
    tail min(m, λρ^-a), ρ = k+1..V, with λ found by bisection so it sums to
    the missing mass; unseen tokens take the tail ranks in increasing id."""
    ctx = context(dps)
    v = exact_row(ctx, values_row)
    k, n = len(v), V - len(v)
    rest = max(ctx.zero, 1 - ctx.fsum(v))
    m = min(v)
    if n == 0 or rest == 0:
        return _assemble(ctx, v, indices_row, V, [ctx.zero] * n)
    ordered = sorted(v, reverse=True)
    pts = [(ctx.log(r + 1), ctx.log(x)) for r, x in enumerate(ordered) if x > 0]
    mx = ctx.fsum(p[0] for p in pts) / len(pts)
    my = ctx.fsum(p[1] for p in pts) / len(pts)
    slope = ctx.fsum((x - mx) * (y - my) for x, y in pts) / ctx.fsum((x - mx) ** 2 for x, _ in pts)
    a = max(ctx.zero, -slope)
    rest = min(rest, n * m)
    powers = [ctx.mpf(rho) ** (-a) for rho in range(k + 1, V + 1)]

    def mass(lam):
        return ctx.fsum(min(m, lam * p) for p in powers)

    lo, hi = ctx.zero, ctx.one
    while mass(hi) < rest:
        hi *= 2
        if hi > ctx.mpf(10) ** (dps + 50):  # rest == n·m exactly: every tail value is m
            return _assemble(ctx, v, indices_row, V, [m] * n)
    for _ in range(int(3.5 * dps) + 10):  # 2^-(3.5 dps) < 10^-dps relative
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if mass(mid) < rest else (lo, mid)
    lam = (lo + hi) / 2
    return _assemble(ctx, v, indices_row, V, [min(m, lam * p) for p in powers])


def other_bucket_ref(values_row, dps: int = 60) -> list:
    """The k visible values followed by the bucket max(0, 1 - sum)."""
    ctx = context(dps)
    v = exact_row(ctx, values_row)
    return v + [max(ctx.zero, 1 - ctx.fsum(v))]


def dirichlet_ref(counts_row, alpha: float, dps: int = 60) -> tuple:
    """Posterior mean (c_i + α)/(n + Vα) and posterior standard deviation of
    Dirichlet(c + α) marginals, sqrt(p(1-p)/(n + Vα + 1))."""
    ctx = context(dps)
    c = exact_row(ctx, counts_row)
    a = ctx.mpf(alpha)
    total = ctx.fsum(c) + len(c) * a
    mean = [(x + a) / total for x in c]
    return mean, [ctx.sqrt(p * (1 - p) / (total + 1)) for p in mean]


def good_turing_ref(counts_row, dps: int = 60) -> list:
    """Unseen mass N1/n split evenly over unseen tokens; seen tokens c_i/n · (1 - N1/n)
    (no unseen token: no unseen mass)."""
    ctx = context(dps)
    c = exact_row(ctx, counts_row)
    n = ctx.fsum(c)
    unseen = sum(1 for x in c if x == 0)
    singletons = sum(1 for x in c if x == 1)
    m0 = ctx.mpf(singletons) / n if unseen else ctx.zero
    return [(1 - m0) * x / n if x > 0 else m0 / unseen for x in c]


def simplex_projection_ref(y_row, dps: int = 60) -> list:
    """argmin_x ||x - y||_2 over the simplex by enumerating supports S: the
    candidate x_S = y_S - τ, τ = (sum_S y - 1)/|S|, is optimal iff x_S >= 0
    and y_j <= τ off S (the KKT conditions).  Exponential in V: small rows only."""
    ctx = context(dps)
    y = exact_row(ctx, y_row)
    V = len(y)
    for size in range(1, V + 1):
        for support in combinations(range(V), size):
            tau = (ctx.fsum(y[i] for i in support) - 1) / size
            inside = set(support)
            if all(y[i] - tau >= 0 for i in support) and all(y[j] <= tau for j in range(V) if j not in inside):
                return [y[i] - tau if i in inside else ctx.zero for i in range(V)]
    raise AssertionError("no support satisfies the KKT conditions")

"""Brute-force mpmath references for the student-class projections (:mod:`skdcore.students`).

None of these uses a closed form of the projections they check; each
searches the class directly and evaluates the divergences with
:func:`skdcore.reference.losses.divergence_ref`:

* :func:`onehot_ref` -- exhaustive over the V one-hot students;
* :func:`sparse_ref` -- exhaustive over every support set allowed (all sets of
  at most k tokens, or one fixed set), each inner problem minimised by
  :func:`minimise_on_support` (both KL directions are convex in S);
* :func:`entropy_level_ref` -- V = 3 only: the level curve {H(S) = h} walked
  by rays from the uniform point (H is concave with its maximum there, so it
  decreases along every ray; each crossing is found by bisection), the
  divergence minimised over the ray angle by a dense scan and golden-section
  refinement.  It covers the case H(q) > h, where the minimiser lies on the
  level curve (:mod:`skdcore.students.bounded_entropy`).

They are meant for small V (the enumeration is exponential) and moderate
precision (``dps`` around 30).
"""

from __future__ import annotations

import itertools

from .context import context
from .losses import divergence_ref

__all__ = ["onehot_ref", "sparse_ref", "minimise_on_support", "entropy_level_ref", "kl_ref_direction"]

_GOLDEN = (5**0.5 - 1) / 2


def kl_ref_direction(S: list, q: list, direction: str, dps: int):
    """KL(S‖q) (``"reverse"``) or KL(q‖S) (``"forward"``) at ``dps`` digits; +inf where infinite."""
    return divergence_ref("reverse_kl" if direction == "reverse" else "forward_kl", q, S, dps)


def _row(ctx, q) -> list:
    x = [ctx.mpf(v) for v in q]
    total = ctx.fsum(x)
    return [v / total for v in x]


def onehot_ref(q, direction: str, dps: int = 30):
    """(minimum, [j, ...]): the one-hot students e_j of least divergence, by enumeration."""
    ctx = context(dps)
    x = _row(ctx, q)
    values = []
    for j in range(len(x)):
        e = [ctx.one if i == j else ctx.zero for i in range(len(x))]
        values.append(kl_ref_direction(e, x, direction, dps))
    best = min(values)
    return best, [j for j, v in enumerate(values) if v == best]


def _golden(ctx, f, lo, hi, iterations: int):
    """Minimiser of a unimodal f on [lo, hi] by golden-section search."""
    a, b = lo, hi
    c, d = b - _GOLDEN * (b - a), a + _GOLDEN * (b - a)
    fc, fd = f(c), f(d)
    for _ in range(iterations):
        if fc <= fd:
            b, d, fd = d, c, fc
            c = b - _GOLDEN * (b - a)
            fc = f(c)
        else:
            a, c, fc = c, d, fd
            d = a + _GOLDEN * (b - a)
            fd = f(d)
    return (a + b) / 2


def minimise_on_support(objective, V: int, support: tuple[int, ...], dps: int = 30, sweeps: int = 200):
    """Minimise a convex ``objective(S)`` over distributions S on ``support`` by
    pairwise coordinate descent: for each pair (i, j) of the support, the mass
    moved between S_i and S_j is optimised by golden-section search (a convex
    function of one variable; its two ends are tried too), sweeping until no entry moves by more than
    10^(-dps/2) (golden section resolves a minimiser to about the square root of
    the objective's precision).  Returns (minimum, S)."""
    ctx = context(dps)
    S = [ctx.zero] * V
    for i in support:
        S[i] = ctx.one / len(support)
    iterations = int(3.4 * dps) + 10  # golden-section gains 0.209 digits per step
    resolution = ctx.mpf(10) ** (-(dps // 2))
    for _ in range(sweeps if len(support) > 2 else 1):
        moved_most = ctx.zero
        for i, j in itertools.combinations(support, 2):
            pool = S[i] + S[j]

            def moved(t, i=i, j=j, pool=pool):
                trial = list(S)
                trial[i], trial[j] = t, pool - t
                return objective(trial)

            t = _golden(ctx, moved, ctx.zero, pool, iterations)
            t = min((t, ctx.zero, pool), key=moved)  # the minimum may sit at an end (zeros of q)
            moved_most = max(moved_most, abs(t - S[i]))
            S[i], S[j] = t, pool - t
        if moved_most <= resolution:
            break
    return objective(S), S


def sparse_ref(q, direction: str, *, k: int | None = None, support: tuple[int, ...] | None = None, dps: int = 30):
    """(minimum, [S, ...]) over students on at most ``k`` tokens (every support
    enumerated) or on the fixed ``support``; S lists the minimisers found on
    distinct supports (objective within 10^(-2dps/3) of the minimum: the search
    resolves S to 10^(-dps/2), so the objective to about 10^(-dps), while a
    float64 near-tie moves it by 1e-17 or more; students within 10^(-dps/3)
    count as one, so minimisers that differ only in entries below that are not
    told apart).  An infinite minimum returns (+inf, []) --
    every student is a minimiser."""
    ctx = context(dps)
    x = _row(ctx, q)
    V = len(x)
    candidates = [tuple(support)] if support is not None else [
        A for size in range(1, k + 1) for A in itertools.combinations(range(V), size)]
    results = []
    for A in candidates:
        value, S = minimise_on_support(lambda s: kl_ref_direction(s, x, direction, dps), V, A, dps)
        results.append((value, S))
    best = min(v for v, _ in results)
    if best == ctx.inf:
        return best, []
    tied, same = ctx.mpf(10) ** (-(2 * dps // 3)), ctx.mpf(10) ** (-(dps // 3))

    minimisers = []
    for value, S in results:
        if value - best <= tied and not any(max(abs(a - b) for a, b in zip(S, T)) <= same for T in minimisers):
            minimisers.append(S)
    return best, minimisers


def _entropy(ctx, S):
    return -ctx.fsum(s * ctx.log(s) for s in S if s > 0)


def entropy_level_ref(q, h: float, direction: str, dps: int = 20, angles: int = 240):
    """(minimum, S): the least divergence on the level curve {H(S) = h} of the
    3-token simplex (see the module docstring); requires H(q) > h."""
    ctx = context(dps)
    x = _row(ctx, q)
    if len(x) != 3:
        raise ValueError("entropy_level_ref walks the 3-token simplex only")
    h = ctx.mpf(h)
    centre = [ctx.one / 3] * 3
    # An orthonormal basis of the plane sum S = 0.
    e1 = [1 / ctx.sqrt(2), -1 / ctx.sqrt(2), ctx.zero]
    e2 = [1 / ctx.sqrt(6), 1 / ctx.sqrt(6), -2 / ctx.sqrt(6)]

    def point(phi, r):
        return [c + r * (ctx.cos(phi) * a + ctx.sin(phi) * b) for c, a, b in zip(centre, e1, e2)]

    def crossing(phi):
        direction_ = [ctx.cos(phi) * a + ctx.sin(phi) * b for a, b in zip(e1, e2)]
        edge = min(-c / d for c, d in zip(centre, direction_) if d < 0)  # the ray leaves the simplex here
        if _entropy(ctx, point(phi, edge)) > h:
            return None
        lo, hi = ctx.zero, edge
        for _ in range(int(3.4 * dps) + 10):
            mid = (lo + hi) / 2
            lo, hi = (mid, hi) if _entropy(ctx, point(phi, mid)) > h else (lo, mid)
        return point(phi, hi)

    def cost(phi):
        S = crossing(phi)
        return ctx.inf if S is None else kl_ref_direction([max(s, ctx.zero) for s in S], x, direction, dps)

    step = 2 * ctx.pi / angles
    scan = [(cost(i * step), i) for i in range(angles)]
    _, best = min(scan)
    phi = _golden(ctx, cost, (best - 1) * step, (best + 1) * step, int(3.4 * dps) + 10)
    S = [max(s, ctx.zero) for s in crossing(phi)]
    return kl_ref_direction(S, x, direction, dps), S

"""mpmath references for the power transform, softmax, mixing, entropy and KL."""

from __future__ import annotations

from .context import context, exact_row


def power_ref(p_row, T: float, dps: int = 80) -> list:
    """p_i^(1/T) / sum_j p_j^(1/T), evaluated directly at ``dps`` digits (eq. 8)."""
    ctx = context(dps)
    p = exact_row(ctx, p_row)
    t = ctx.mpf(T)
    # Factor out the largest entry so that p^(1/T) stays representable for tiny
    # T, and evaluate (x/top)^(1/T) as exp(log(x/top)/T): mpmath's ** takes an
    # exact integer-power path when 1/T is an integer such as 1e10 (very slow).
    top = max(p)
    # Distinct values are few in large stress rows: power each one once.
    weight = {x: ctx.exp(ctx.log(x / top) / t) if x > 0 else ctx.zero for x in set(p)}
    total = ctx.fsum(weight[x] for x in p)
    return [weight[x] / total for x in p]


def softmax_ref(z_row, T: float, dps: int = 80) -> list:
    """exp(z_i/T) / sum_j exp(z_j/T) at ``dps`` digits (eq. 1); -inf logits give 0."""
    ctx = context(dps)
    z = exact_row(ctx, z_row)
    top = max(z)
    w = [ctx.exp((x - top) / ctx.mpf(T)) for x in z]
    total = ctx.fsum(w)
    return [x / total for x in w]


def mix_ref(p_row, alpha, dps: int = 80) -> list:
    """alpha·p_i + (1 - alpha)/V at ``dps`` digits (eq. 9); ``alpha`` an mpf or number."""
    ctx = context(dps)
    p = exact_row(ctx, p_row)
    a = ctx.mpf(alpha)
    return [a * x + (1 - a) / len(p) for x in p]


def entropy_ref(p_row, dps: int = 80):
    """-sum p_i log p_i at ``dps`` digits."""
    ctx = context(dps)
    return -ctx.fsum(x * ctx.log(x) for x in exact_row(ctx, p_row) if x > 0)


def kl_ref(q_row, p_row, dps: int = 80):
    """sum q_i log(q_i / p_i) at ``dps`` digits; +inf when some q_i > 0 = p_i."""
    ctx = context(dps)
    q, p = exact_row(ctx, q_row), exact_row(ctx, p_row)
    if any(a > 0 and b == 0 for a, b in zip(q, p)):
        return ctx.inf
    return ctx.fsum(a * ctx.log(a / b) for a, b in zip(q, p) if a > 0)

"""mpmath references for the KD losses and their gradients.

Divergences are direct sums over mpf scalars of the softened distributions,
and gradients are central finite differences in the student logits at high
precision (step 10^(-dps/3), truncation error ~10^(-2 dps/3)), not the
closed forms they check.  A student given as probabilities enters through
its logits log s, so softmax(log s / T) is its power transform.
"""

from __future__ import annotations

from .context import context, exact_row

__all__ = ["divergence_ref", "loss_ref", "loss_grad_ref"]


def _softmax(ctx, z: list, T) -> list:
    top = max(z)
    w = [ctx.exp((x - top) / T) for x in z]
    total = ctx.fsum(w)
    return [x / total for x in w]


def _power(ctx, p: list, T) -> list:
    top = max(p)
    w = [(x / top) ** (1 / T) if x > 0 else ctx.zero for x in p]
    total = ctx.fsum(w)
    return [x / total for x in w]


def divergence_ref(name: str, q: list, s: list, dps: int = 80, beta: float = 0.5):
    """The loss ``name`` between teacher q and student s (mpf lists); +inf where infinite."""
    ctx = context(dps)

    def kl(a, b):
        if any(x > 0 and y == 0 for x, y in zip(a, b)):
            return ctx.inf
        return ctx.fsum(x * ctx.log(x / y) for x, y in zip(a, b) if x > 0)

    if name == "forward_kl":
        return kl(q, s)
    if name == "reverse_kl":
        return kl(s, q)
    if name == "cross_entropy":
        return kl(q, s) - ctx.fsum(x * ctx.log(x) for x in q if x > 0)
    if name == "tvd":
        return ctx.fsum(abs(x - y) for x, y in zip(q, s)) / 2
    if name == "jsd":
        b = ctx.mpf(beta)
        m = [b * x + (1 - b) * y for x, y in zip(q, s)]
        return b * kl(q, m) + (1 - b) * kl(s, m)
    raise ValueError(f"unknown loss {name!r}")


def _loss(name, z: list, teacher, T: float, dps: int, options: dict):
    ctx = context(dps)
    s = _softmax(ctx, z, ctx.mpf(T))
    t_T = ctx.mpf(T if options.get("soften_teacher", True) else 1.0)
    if options.get("teacher_is_logits", False):
        q = _softmax(ctx, exact_row(ctx, teacher), t_T)
    else:
        given = teacher if isinstance(teacher, list) else exact_row(ctx, teacher)
        q = _power(ctx, [ctx.mpf(x) for x in given], t_T)
    indices = options.get("bucket_indices")
    if indices is not None:
        seen = [int(i) for i in indices]
        rest = sorted(set(range(len(s))) - set(seen))
        s = [s[i] for i in seen] + [ctx.fsum(s[j] for j in rest)]
    return divergence_ref(name, q, s, dps, options.get("beta", 0.5))


def _logits(ctx, student_row, student_is_logits: bool) -> list:
    z = exact_row(ctx, student_row)
    return z if student_is_logits else [ctx.log(x) if x > 0 else ctx.ninf for x in z]


def loss_ref(name, student_row, teacher, T: float, *, student_is_logits: bool = True, dps: int = 80, **options):
    """Per-row loss at high precision.

    ``teacher``: a float array row of probabilities (or logits with
    ``teacher_is_logits=True``), or a list of mpf such as a completed teacher
    from :mod:`.partial`; softened at T by the power transform (softmax for
    logits) unless ``soften_teacher=False``.  ``bucket_indices``: the teacher is
    a (k + 1)-category list and the student is aggregated to the visible
    tokens plus the sum of the rest.  ``beta``: the JSD weight.
    """
    ctx = context(dps)
    return _loss(name, _logits(ctx, student_row, student_is_logits), teacher, T, dps, options)


def loss_grad_ref(name, student_row, teacher, T: float, *, student_is_logits: bool = True, dps: int = 80, **options) -> list:
    """∂ loss / ∂ z_i by central differences at ``dps`` digits (0 for a masked -inf logit)."""
    ctx = context(dps)
    z = _logits(ctx, student_row, student_is_logits)
    h = ctx.mpf(10) ** (-(dps // 3))
    grad = []
    for i in range(len(z)):
        if z[i] == ctx.ninf:
            grad.append(ctx.zero)
            continue
        plus, minus = list(z), list(z)
        plus[i] += h
        minus[i] -= h
        grad.append((_loss(name, plus, teacher, T, dps, options) - _loss(name, minus, teacher, T, dps, options)) / (2 * h))
    return grad

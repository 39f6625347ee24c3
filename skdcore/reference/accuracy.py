"""The condition-aware ulp error of a softened row against its mpmath reference.

For the power transform q_i ∝ p_i^(1/T) the relative condition number of q_i
with respect to rounding of the inputs is about 1 + |log(p_i/p_max)|/T + V
(an input perturbation of relative size eps moves log q_i by eps·|log p_i|/T,
and normalising V terms adds up to V·eps).  The error measure is

    max_i |q_i - q*_i| / (eps · max(q*_i, 1e-300) · (1 + |log(p_i/p_max)|/T + V))

so entries whose exact value is below 1e-300 are judged absolutely, against
eps·1e-300·(...).  For float32, whose subnormal range starts at 1.2e-38, the
floor is float32's smallest normal number instead (below it a float32 has
absolute, not relative, precision).  A correctly rounded result scores <= 0.5.
"""

from __future__ import annotations

import numpy as np

from .context import context, exact_row

__all__ = ["condition_aware_ulp_error"]

ABSOLUTE_FLOOR = 1e-300


def condition_aware_ulp_error(q_row, q_ref, p_row, T: float, dtype=np.float64, dps: int = 80) -> float:
    """Worst condition-aware ulp error of ``q_row`` against ``q_ref`` (mpf list),
    judged with the machine epsilon and absolute floor of ``dtype``."""
    info = np.finfo(dtype)
    eps = float(info.eps)
    ctx = context(dps)
    p = exact_row(ctx, p_row)
    top = max(p)
    condition_offset = 1 + len(p)
    floor = ctx.mpf(max(ABSOLUTE_FLOOR, float(info.smallest_normal)))
    # Large stress rows repeat few (q, exact, p) triples: judge each distinct one once.
    triples = set(zip(np.asarray(q_row, dtype=np.float64).tolist(), q_ref, p))
    worst = 0.0
    for q, exact, x in triples:
        log_ratio = abs(ctx.log(x / top)) if x > 0 else ctx.zero
        condition = condition_offset + log_ratio / ctx.mpf(T)
        error = abs(ctx.mpf(q) - exact) / (ctx.mpf(eps) * max(exact, floor) * condition)
        worst = max(worst, float(error))
    return worst

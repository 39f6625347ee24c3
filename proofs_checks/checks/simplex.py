"""``simplex``: the output is a probability vector of the input's kind.

Definition IV.1 asks F_T : Δ^V → Δ^V.  The operator protocol (DESIGN.md)
adds that q has p's shape, dtype and namespace.  This is also where a hostile
operator is reported: an exception, a time-out, an unreadable result, the
wrong shape, dtype or namespace.
"""

from __future__ import annotations

import numpy as np

from .base import (
    HARD,
    PASS,
    SKIP,
    SOFT,
    Evaluation,
    PointCheck,
    fmt,
    fmt_vector,
    sum_bound,
)


class SimplexCheck(PointCheck):
    name = "simplex"
    axiom = "Definition IV.1 (F_T maps Δ^V to Δ^V)"
    reference = "Section IV, Definition IV.1 and eq. (2)"
    statement = (
        "For every p ∈ Δ^V and T > 0, F_T(p) ∈ Δ^V: q_i ≥ 0 and Σ_i q_i = 1, returned as an array "
        "of p's shape, dtype and namespace (the operator protocol)."
    )
    strategy_doc = (
        "(p, T): p from every regime of the domain, T log-uniform on [1e-300, 1e300] with extra mass near 1 "
        "and at the extremes."
    )
    method = (
        "A call that raises, exceeds the per-call time limit, or returns something that is not an array of p's shape "
        "is `violated` at once. Wrong namespace or dtype is `violated`. A negative entry beyond the rounding bound, or "
        "|Σ q - 1| beyond the sum of the entries' bounds (plus the input's own |Σ p - 1|), is a hard failure; NaN/inf "
        "and negative entries within rounding are floating-point candidates, re-executed at high precision."
    )

    def evaluate(self, ev, case):
        point = ev.point(case.p)
        out = ev(point, case.T)
        if not out.ok and (ev.exact or out.failure.kind == "abandoned"):  # not a property of this input
            return Evaluation(SKIP, case, kind=out.failure.kind, summary=out.failure.message, failure=out.failure)
        if not out.ok:
            return Evaluation(HARD, case, kind=out.failure.kind, summary=out.failure.message, failure=out.failure)
        if out.issues:
            return Evaluation(HARD, case, kind="protocol", summary="; ".join(out.issues), output=out.values)
        A, q, V = out.arithmetic, out.values, case.V
        finite = A.isfinite(q)
        if not finite.all():
            bad = np.flatnonzero(~finite)
            return Evaluation(
                SOFT,
                case,
                kind="non-finite",
                output=q,
                summary=f"non-finite entries at {bad[:8].tolist()}: q = {fmt_vector(q)}",
            )
        bound = A.entry_bound(q, V, case.p, case.T)
        below = -q - bound
        i = int(np.argmax(below))
        if below[i] > 0:
            return Evaluation(
                HARD,
                case,
                kind="negative entry",
                output=q,
                margin=below[i],
                bound=bound[i],
                summary=f"q[{i}] = {fmt(q[i])} < 0",
                details={"index": i},
            )
        if (q < 0).any():
            i = int(np.argmin(q))
            return Evaluation(
                SOFT,
                case,
                kind="negative by rounding",
                output=q,
                margin=-q[i],
                bound=bound[i],
                summary=f"q[{i}] = {fmt(q[i])} < 0, within rounding",
                details={"index": i},
            )
        total = A.fsum(q)
        allowed = sum_bound(A, bound, point)
        excess = abs(total - 1) - allowed
        if excess > 0:
            return Evaluation(
                HARD,
                case,
                kind="sum",
                output=q,
                margin=excess,
                bound=allowed,
                summary=f"sum(q) = {fmt(total)}, off 1 by more than the rounding bound {fmt(allowed)}",
            )
        return Evaluation(PASS, case)

    def repro_lines(self, evaluation):
        return [
            "q = op(p, T)",
            "print(type(q), getattr(q, 'dtype', None), getattr(q, 'shape', None))",
            "print(q, math.fsum(q))  # expected: entries >= 0 summing to 1",
        ]

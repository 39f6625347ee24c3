"""``identity``: Axiom 4, F_1(p) = p."""

from __future__ import annotations

import numpy as np

from ..cases import Case
from ..strategies import explicit_points, simplex_points
from .base import HARD, PASS, Check, Evaluation, fmt, output_problem


class IdentityCheck(Check):
    name = "identity"
    axiom = "Axiom 4 (Identity at Unity)"
    reference = "Section IV, Axiom 4, eq. (5)"
    statement = "For all p ∈ Δ^V: F_1(p) = p."
    strategy_doc = "p from every regime of the domain; T = 1 exactly."
    method = (
        "Each |F_1(p)_i - p_i| is compared with the rounding bound of the exact answer p_i "
        "(4·eps·(1 + |log p_i| + V)·p_i, docs/axioms.md); the largest excess decides."
    )
    scans_temperature = False

    def strategy(self, domain, profile, dtype):
        return simplex_points(domain, max_size=profile.max_size, dtype=dtype).map(
            lambda point: Case(point.p, 1.0, point.regime)
        )

    def explicit_cases(self, domain, profile, dtype):
        return [Case(point.p, 1.0, point.regime) for point in explicit_points(domain, dtype)]

    def evaluate(self, ev, case):
        point = ev.point(case.p)
        out = ev(point, 1.0)
        problem = output_problem(case, out)
        if problem is not None:
            return problem
        A, q = out.arithmetic, out.values
        bound = A.entry_bound(point, case.V, case.p, 1.0)
        excess = np.abs(q - point) - bound
        i = int(np.argmax(excess))
        score = float(excess[i] / bound[i]) if bound[i] > 0 else None
        if excess[i] <= 0:
            return Evaluation(PASS, case, score=score)
        return Evaluation(
            HARD,
            case,
            kind="not the identity",
            output=q,
            reference=point,
            margin=excess[i],
            bound=bound[i],
            summary=f"F_1(p)[{i}] = {fmt(q[i])} but p[{i}] = {fmt(point[i])}",
            details={"index": i},
        )

    def repro_lines(self, evaluation):
        i = evaluation.details["index"]
        return ["q = op(p, 1.0)", f"print(q[{i}], p[{i}])  # expected: equal up to rounding"]

"""``entropy``: Axiom 3, T < T' ⇒ H(F_T'(p)) ≥ H(F_T(p)).

H(q) = -Σ q_i log q_i is evaluated from the outputs with an exact sum.  Its
rounding bound follows from |∂H/∂q_i| = |1 + log q_i|: a change of at most
b_i in q_i (the entry bound) moves H by at most b_i·(1 + |log max(q_i, b_i)|)
(the max covers q log q near 0), plus the evaluation's own 2·eps·(H + 1).
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

from ..cases import Case
from ..strategies import explicit_points, simplex_points, temperature_pairs
from .base import HARD, PASS, SKIP, Check, Evaluation, fmt, off_simplex, output_problem


def entropy_and_bound(A, q: np.ndarray, V: int, p: np.ndarray, T: float):
    """(H(q), rounding bound of H) for a row q computed from p at T, on the simplex."""
    bound = A.entry_bound(q, V, p, T)
    q = np.where(q > 0, q, 0 * q)  # negatives within rounding count as 0
    positive = q > 0
    H = -A.fsum(np.where(positive, q * A.log(np.where(positive, q, 1)), 0))
    reach = np.maximum(q, bound)  # q log q is not Lipschitz at 0: take the larger of q and its bound
    slope = np.where(reach > 0, 1 + np.abs(A.log(np.where(reach > 0, reach, 1))), 0)
    return H, A.fsum(bound * slope) + 2 * A.eps * (abs(H) + 1)


class EntropyCheck(Check):
    name = "entropy"
    axiom = "Axiom 3 (Monotonic Entropy)"
    reference = "Section IV, Axiom 3, eq. (4)"
    statement = "For all p ∈ Δ^V and T' > T > 0: H(F_T'(p)) ≥ H(F_T(p)), H the Shannon entropy."
    strategy_doc = (
        "(p, T, T'): T as for `simplex`, T'/T - 1 log-uniform on [1e-12, 1e-6] (nearby) or [1e-3, 1e3] (far)."
    )
    method = (
        "H of both outputs is computed with an exact sum; a decrease H(F_T(p)) - H(F_T'(p)) beyond the sum of both "
        "entropies' rounding bounds (from the entry bounds through |∂H/∂q_i| = |1 + log q_i|) is a hard failure. "
        "Outputs off the simplex are left to the `simplex` check."
    )

    def strategy(self, domain, profile, dtype):
        return st.builds(
            lambda point, pair: Case(point.p, pair[0], point.regime, T2=pair[1]),
            simplex_points(domain, max_size=profile.max_size, dtype=dtype),
            temperature_pairs(),
        )

    def explicit_cases(self, domain, profile, dtype):
        pairs = [(1e-300, 1e-299), (0.5, 1.0), (1.0, 2.0), (1e299, 1e300)]
        return [Case(point.p, T, point.regime, T2=T2) for point in explicit_points(domain, dtype) for T, T2 in pairs]

    def evaluate(self, ev, case):
        point = ev.point(case.p)
        outs = [ev(point, case.T), ev(point, case.T2)]
        for out, T in zip(outs, (case.T, case.T2)):
            problem = output_problem(case, out)
            if problem is not None:
                return problem
            if off_simplex(out, case, T):
                return Evaluation(SKIP, case, kind="off the simplex", summary="output off the simplex")
        A = outs[0].arithmetic
        (H1, b1), (H2, b2) = (
            entropy_and_bound(out.arithmetic, out.values, case.V, case.p, T) for out, T in zip(outs, (case.T, case.T2))
        )
        excess = (H1 - H2) - (b1 + b2)
        score = float((H1 - H2) / (b1 + b2))
        if excess <= 0:
            return Evaluation(PASS, case, score=score)
        return Evaluation(
            HARD,
            case,
            kind="entropy decreases",
            output=outs[0].values,
            reference=outs[1].values,
            margin=excess,
            bound=b1 + b2,
            score=score,
            summary=f"H(F_T(p)) = {fmt(H1)} > H(F_T2(p)) = {fmt(H2)} with T = {fmt(case.T)} < T2 = {fmt(case.T2)}",
            details={"H_T": float(H1), "H_T2": float(H2), "precision": A.name},
        )

    def repro_lines(self, evaluation):
        return [
            "H = lambda q: -math.fsum(x * math.log(x) for x in q if x > 0)",
            "print(H(op(p, T)), H(op(p, T2)))  # expected: the second >= the first (T < T2)",
        ]

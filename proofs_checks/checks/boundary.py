"""``boundary_cold`` and ``boundary_hot``: Axiom 5, the limits T → 0⁺ and T → ∞.

    lim_{T→0⁺} F_T(p) = uniform over argmax p (one-hot when the maximum is
    unique; ties are exact equalities of the float entries),
    lim_{T→∞} F_T(p) = uniform over all V entries.

The operator is evaluated along decades of T toward the limit (10^0 …
10^∓300; every ``profile.decade_step``-th decade) and the distance
d(T) = ‖F_T(p) - target‖∞ is recorded.  The limit holds numerically when the
distance at 10^∓300 is within the rounding bound of target and output, or
still shrinking: halved over the last 30 decades.  A distance above the
bound that did not halve over those 30 decades is a failure (no convergence
or convergence slower than T^0.01 — no finite walk can tell these apart, so
this is stated as the criterion).  NaN/inf at the end of the walk is a
floating-point candidate.
"""

from __future__ import annotations

import math

import numpy as np

from ..cases import Case
from ..strategies import explicit_points, simplex_points
from .base import HARD, PASS, SOFT, Check, Evaluation, fmt, fmt_vector, output_problem

LAST_DECADE = 300
WINDOW_DECADES = 30


class _LimitCheck(Check):
    sign = 0  # -1: T -> 0+, +1: T -> infinity
    target_name = ""
    scans_temperature = False

    def schedule(self, step: int) -> tuple[float, ...]:
        decades = sorted(set(range(0, LAST_DECADE + 1, step)) | {LAST_DECADE - WINDOW_DECADES, LAST_DECADE})
        return tuple(10.0 ** (self.sign * k) for k in decades)

    def strategy(self, domain, profile, dtype):
        schedule = self.schedule(profile.decade_step)
        return simplex_points(domain, max_size=profile.max_size, dtype=dtype).map(
            lambda point: Case(point.p, schedule[-1], point.regime, temperatures=schedule)
        )

    def explicit_cases(self, domain, profile, dtype):
        schedule = self.schedule(profile.decade_step)
        return [
            Case(point.p, schedule[-1], point.regime, temperatures=schedule) for point in explicit_points(domain, dtype)
        ]

    def target(self, A, p: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def certification_case(self, evaluation):
        """Only the last 30 decades are re-executed at high precision."""
        case = evaluation.case
        window = tuple(T for T in case.temperatures if abs(math.log10(T)) >= LAST_DECADE - WINDOW_DECADES)
        return Case(case.p, case.T, case.regime, temperatures=window)

    def evaluate(self, ev, case):
        point = ev.point(case.p)
        walk = []
        for T in case.temperatures:
            out = ev(point, T)
            problem = output_problem(case, out, allow_nonfinite=True)
            if problem is not None:
                return problem
            walk.append((T, out))
        A, V = walk[-1][1].arithmetic, case.V
        target = self.target(A, case.p)
        distances = []
        for T, out in walk:
            finite = A.isfinite(out.values).all()
            distances.append((T, np.max(np.abs(out.values - target)) if finite else math.nan))
        details = {"target": [float(t) for t in target], "distances": [[T, float(d)] for T, d in distances]}
        T_end, d_end = distances[-1]
        q_end = walk[-1][1].values
        if not A.isfinite(q_end).all():
            bad = [T for T, d in distances if isinstance(d, float) and math.isnan(d)]
            return Evaluation(
                SOFT,
                case,
                kind="non-finite",
                output=q_end,
                reference=target,
                details={**details, "t_range": [min(bad), max(bad)]},
                summary=f"F_T(p) is not finite at T = {fmt(T_end)} ({len(bad)} of {len(distances)} decades)",
            )
        bound = np.max(A.entry_bound(target, V) + A.entry_bound(q_end, V, case.p, T_end))
        window = [d for T, d in distances if abs(math.log10(T)) <= abs(math.log10(T_end)) - WINDOW_DECADES]
        d_start = window[-1] if window else distances[0][1]
        if d_end <= bound or 2 * d_end < d_start:
            return Evaluation(PASS, case)
        return Evaluation(
            HARD,
            case,
            kind="no convergence",
            output=q_end,
            reference=target,
            margin=d_end - bound,
            bound=bound,
            details=details,
            summary=(
                f"‖F_T(p) - {self.target_name}‖∞ = {fmt(d_end)} at T = {fmt(T_end)} (was {fmt(d_start)} "
                f"{WINDOW_DECADES} decades before): F_T(p) = {fmt_vector(q_end)}, limit {fmt_vector(target)}"
            ),
        )

    def repro_lines(self, evaluation):
        return [
            f"for T in {evaluation.case.temperatures[-4:]!r}:",
            f"    print(T, op(p, T))  # expected: tends to {evaluation.details['target']}",
        ]


class BoundaryColdCheck(_LimitCheck):
    name = "boundary_cold"
    sign = -1
    target_name = "uniform over argmax p"
    axiom = "Axiom 5 (Boundary Behavior), T → 0⁺"
    reference = "Section IV, Axiom 5, eq. (7) and the tie rule after it"
    statement = (
        "For all p ∈ Δ^V: lim_{T→0⁺} F_T(p) is one-hot at argmax p; when the maximum is attained by several "
        "entries, the limit is uniform over exactly those tied maxima."
    )
    strategy_doc = "p from every regime (tied maxima and near-tied maxima included); T = 10^0, 10^-k, …, 10^-300."
    method = (
        "Distance to the limit along decades of T down to 1e-300: the limit holds when the last distance is within "
        "rounding or halved over the last 30 decades."
    )

    def target(self, A, p):
        top = p == p.max()
        share = 1 / A.number(int(top.sum()))
        return np.where(top, share, 0 * share)


class BoundaryHotCheck(_LimitCheck):
    name = "boundary_hot"
    sign = 1
    target_name = "uniform"
    axiom = "Axiom 5 (Boundary Behavior), T → ∞"
    reference = "Section IV, Axiom 5, eq. (6)"
    statement = "For all p ∈ Δ^V: lim_{T→∞} F_T(p) is the uniform distribution (1/V, …, 1/V)."
    strategy_doc = "p from every regime of the domain; T = 10^0, 10^k, …, 10^300."
    method = (
        "Distance to uniform along decades of T up to 1e300: the limit holds when the last distance is within "
        "rounding or halved over the last 30 decades."
    )

    def target(self, A, p):
        share = 1 / A.number(p.shape[-1])
        return np.full(p.shape[-1], share, dtype=object if A.exact else np.float64)

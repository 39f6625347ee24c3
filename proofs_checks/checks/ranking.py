"""``ranking``: Axiom 1, p_i > p_j ⇒ F_T(p)_i > F_T(p)_j.

Entries are grouped by the distinct values of p (exact ties impose nothing);
the axiom holds iff for each pair of adjacent levels a > b the smallest q over
level a exceeds the largest q over level b.  The worst such pair decides.

Strict inequality meets rounding in three ways, told apart here:

* an *inversion* q_j - q_i beyond the two entries' rounding bounds: hard;
* a *collapse* q_i <= q_j with both values below the normal range (zero or
  subnormal: the probabilities were lost to underflow): soft, a finding only
  in floating point unless it persists at high precision;
* a *tie* within rounding in the normal range: soft, and only a finding when
  the high-precision re-execution shows an exact tie (the clip floor of a
  clipping operator) or shows that the exact values differ by more than the
  dtype resolves (then floating point collapsed them: ``numerical``).  Without
  re-execution a tie is not reported: no float bound can tell a tie from a
  difference below resolution.

At high precision a tie is q_i <= q_j in the working precision itself, whose
guard digits (:func:`proofs_checks.certify.precisions`) cover the temperature
and the dynamic range of p: a contraction like the power transform's 1/T, or
tiny entries added to a constant as convex mixing does, still leaves distinct
inputs distinct there.
"""

from __future__ import annotations

import numpy as np

from .base import HARD, PASS, SOFT, Evaluation, PointCheck, fmt, output_problem


def _adjacent_levels(p: np.ndarray):
    """(indices of level a, indices of level b) for adjacent distinct values a > b of p."""
    levels = np.unique(p)[::-1]
    groups = [np.flatnonzero(p == v) for v in levels]
    return list(zip(groups[:-1], groups[1:]))


class RankingCheck(PointCheck):
    name = "ranking"
    axiom = "Axiom 1 (Ranking Preservation)"
    reference = "Section IV, Axiom 1, eq. (3)"
    statement = "For all p ∈ Δ^V and T > 0: p_i > p_j ⇒ F_T(p)_i > F_T(p)_j."
    strategy_doc = (
        "(p, T) as for `simplex`; exact ties and near-ties (relative gaps 1e-1 … 1e-16) are regimes of their own."
    )
    method = (
        "For adjacent distinct levels a > b of p, min q over level a must exceed max q over level b. An inversion "
        "beyond the two rounding bounds is a hard failure. Equality with both values below the normal range is an "
        "underflow collapse (floating-point candidate). A tie within rounding is re-executed at high precision (with "
        "guard digits for the temperature and the range of p): a tie there is `violated`; exact values that differ by "
        "more than the dtype resolves make it `numerical`; without re-execution ties are not reported."
    )

    def evaluate(self, ev, case):
        point = ev.point(case.p)
        out = ev(point, case.T)
        problem = output_problem(case, out)
        if problem is not None:
            return problem
        A, q = out.arithmetic, out.values
        bound = A.entry_bound(q, case.V, case.p, case.T)
        worst = None  # (relative separation, i, j)
        for high, low in _adjacent_levels(case.p):
            i = high[int(np.argmin(q[high]))]
            j = low[int(np.argmax(q[low]))]
            scale = max(abs(q[i]), abs(q[j]))
            separation = (q[i] - q[j]) / scale if scale > 0 else 0
            if worst is None or separation < worst[0]:
                worst = (separation, int(i), int(j))
        if worst is None:  # p uniform on its support and zero elsewhere: nothing to compare
            return Evaluation(PASS, case)
        _, i, j = worst
        score = -float(worst[0])
        if q[i] > q[j]:
            return Evaluation(PASS, case, output=q, score=score)
        details = {"indices": [i, j], "p_i": float(case.p[i]), "p_j": float(case.p[j])}
        common = dict(output=q, details=details, margin=q[j] - q[i], bound=bound[i] + bound[j])
        relation = (
            f"q[{i}] = {fmt(q[i])} {'<' if q[i] < q[j] else '=='} q[{j}] = {fmt(q[j])} "
            f"although p[{i}] = {fmt(case.p[i])} > p[{j}] = {fmt(case.p[j])}"
        )
        if q[j] - q[i] > bound[i] + bound[j]:
            return Evaluation(HARD, case, kind="inversion", summary=relation, **common)
        if A.is_underflow(q[i]) and A.is_underflow(q[j]):
            return Evaluation(
                SOFT, case, kind="underflow collapse", summary=relation + " (both below the normal range)", **common
            )
        if A.exact:
            return Evaluation(HARD, case, kind="tie", summary=relation + " (exact tie)", **common)
        return Evaluation(SOFT, case, kind="tie", summary=relation + " (within rounding)", **common)

    def needs_exact(self, evaluation):
        return evaluation.kind == "tie"

    def resolution_explains(self, evaluation, exact, arithmetic):
        if evaluation.kind != "tie":
            return False
        i, j = evaluation.details["indices"]
        case = evaluation.case
        rounded = np.array([float(v) for v in exact.output])
        resolution = arithmetic.entry_bound(rounded, case.V, case.p, case.T)[[i, j]].sum()
        return float(exact.output[i] - exact.output[j]) <= resolution

    def repro_lines(self, evaluation):
        i, j = evaluation.details["indices"]
        return ["q = op(p, T)", f"print(p[{i}] > p[{j}], q[{i}], q[{j}])  # expected: q[{i}] > q[{j}]"]

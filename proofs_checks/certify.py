"""Certification: from a failure seen in floating point to a verdict.

A failing float evaluation is not yet a finding.  The rules (DESIGN.md,
"Conformance"):

1. A call that raised, timed out, or broke the operator protocol (an
   unreadable result, the wrong shape, dtype or namespace) is ``violated``:
   it is a fact about the implementation on a valid input.
2. If the operator runs on :mod:`skdcore.mp`, the case is re-executed at 50
   and 100 digits (at the point p / Σp, exactly on the simplex), each raised
   by guard digits: the decimal exponent of the most extreme temperature
   (operators scale quantities by T or 1/T, as convex mixing does with
   α = 1/T, and the cancellation that follows consumes that many digits) plus
   the decimal exponent of the smallest positive entry of p (an entry of
   1e-183 added to one of order 1 keeps its digits only beyond 183 digits).
   Results are trusted to 50 and 100 digits.  The
   failure is ``violated`` if it persists, with the same kind, at both
   precisions, else ``numerical``: it exists only in the
   floating-point evaluation.  (A tie whose exact values differ by less than
   the dtype can resolve is no failure at all:
   :meth:`Check.resolution_explains`.)
3. Otherwise (operators hard-wired to NumPy, torch, …) a hard failure —
   beyond the rigorous rounding bound of :mod:`.rounding` — is ``violated``;
   a soft one (NaN/inf, underflow collapse, a negative within rounding) is
   ``numerical``; a tie within rounding is not reported.

Re-execution uses its own :class:`~proofs_checks.invoke.Invoker`, so a slow
high-precision run never counts toward abandoning the operator.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from .checks.base import HARD, SKIP, SOFT, Check, Evaluation, fmt
from .evaluation import HighPrecisionEvaluator
from .invoke import Invoker
from .names import VERDICTS

__all__ = ["Certification", "Certifier", "PRECISIONS", "precisions", "HOLDS", "VIOLATED", "NUMERICAL"]

PRECISIONS = (50, 100)
HOLDS, VIOLATED, NUMERICAL = VERDICTS

_CALL_FAILURES = {
    "exception": "the operator raised on this valid input",
    "timeout": "the call exceeded the per-call time limit",
    "output": "operator protocol: the result is not an array of p's shape",
    "protocol": "operator protocol: the result is not of p's namespace and dtype",
}


@dataclass
class Certification:
    verdict: str
    certified_by: str
    exact: list[Evaluation] = field(default_factory=list)
    digits: tuple[int, ...] = ()


def _fails(exact: Evaluation) -> bool:
    """A failure at high precision: hard, or non-finite values."""
    return exact.status == HARD or (exact.status == SOFT and exact.kind == "non-finite")


def precisions(case) -> tuple[int, ...]:
    """:data:`PRECISIONS` raised by the guard digits of ``case`` (module docstring)."""
    temps = [case.T, *(t for t in (case.T2,) if t is not None), *case.temperatures]
    entries = np.concatenate([np.asarray(x, dtype=np.float64) for x in (case.p, case.p2) if x is not None])
    smallest = entries[entries > 0].min()
    extra = max(math.ceil(abs(math.log10(t))) for t in temps) + max(0, math.ceil(-math.log10(smallest)))
    return tuple(d + extra for d in PRECISIONS)


class Certifier:
    """Certifies float failures of one operator (see the module docstring)."""

    def __init__(self, operator, float_evaluator, timeout: float):
        self.float_evaluator = float_evaluator
        self._invoker = Invoker(operator, timeout=timeout)
        self._evaluators: dict[tuple[int, int], HighPrecisionEvaluator] = {}
        self.unavailable: str | None = None  # why the operator cannot run at high precision
        self.used = False

    @property
    def calls(self) -> int:
        """High-precision operator calls so far."""
        return self._invoker.calls

    @property
    def work(self) -> int:
        """Entries evaluated at high precision so far (their cost grows with V)."""
        return self._invoker.work

    def status(self) -> str:
        """One line for the report: was high precision used, or why not."""
        if self.unavailable is not None:
            return f"unavailable: {self.unavailable}"
        return "skdcore.mp, trusted to 50 and 100 digits" if self.used else "not needed"

    def _evaluator(self, dps: int, digits: int) -> HighPrecisionEvaluator | None:
        if self.unavailable is not None:
            return None
        if (dps, digits) not in self._evaluators:
            try:
                self._evaluators[dps, digits] = HighPrecisionEvaluator(self._invoker, dps, digits)
            except ImportError as exc:
                self.unavailable = f"skdcore.mp cannot be imported ({exc})"
                return None
        return self._evaluators[dps, digits]

    def reexecute(self, check: Check, case) -> tuple[list[Evaluation], str | None]:
        """Evaluations of ``case`` at each of :func:`precisions`, or ([], why not)."""
        self.used = True
        exact = []
        for dps, digits in zip(precisions(case), PRECISIONS):
            ev = self._evaluator(dps, digits)
            if ev is None:
                return [], self.unavailable
            result = check.evaluate(ev, case)
            case = check.next_precision_case(result)
            if result.status == SKIP:
                reason = f"re-execution at {dps} digits failed: {result.summary}"
                if result.failure is not None and result.failure.kind == "output":
                    self.unavailable = result.summary  # the operator does not run on skdcore.mp at all
                return [], reason
            exact.append(result)
        return exact, None

    def certify(self, check: Check, evaluation: Evaluation) -> Certification:
        """The verdict for a failing float evaluation (``holds`` when it is no finding)."""
        if evaluation.kind in _CALL_FAILURES:
            return Certification(VIOLATED, _CALL_FAILURES[evaluation.kind])
        dtype = self.float_evaluator.arithmetic.name
        case = check.certification_case(evaluation)
        exact, why_not = self.reexecute(check, case)
        if exact:
            digits = precisions(case)
            where = f"re-executed in skdcore.mp at {digits[0]} and {digits[1]} digits"
            if all(_fails(e) and e.kind == exact[0].kind for e in exact):
                return Certification(VIOLATED, f"{where}: the failure persists ({exact[-1].summary})", exact, digits)
            if check.resolution_explains(evaluation, exact[-1], self.float_evaluator.arithmetic):
                return Certification(HOLDS, f"the exact values differ by less than {dtype} resolves", exact, digits)
            return Certification(
                NUMERICAL, f"{where}: the axiom holds there, the failure exists only in {dtype}", exact, digits
            )
        if check.needs_exact(evaluation):
            return Certification(HOLDS, f"a tie within {dtype} rounding; not re-executed at high precision ({why_not})")
        if evaluation.status == HARD:
            return Certification(
                VIOLATED,
                f"exceeds by {fmt(evaluation.margin)} the rigorous {dtype} rounding-error bound "
                f"{fmt(evaluation.bound)} (docs/axioms.md); not re-executed at high precision ({why_not})",
            )
        return Certification(
            NUMERICAL, f"a floating-point failure ({evaluation.kind}); not re-executed at high precision ({why_not})"
        )

"""What every check provides, and the outcome of evaluating it on one case.

A check evaluates one :class:`~proofs_checks.cases.Case` with an evaluator
(:mod:`proofs_checks.evaluation`) and classifies it:

``pass``
    the axiom holds on this case up to the rounding bound;
``skip``
    the case cannot be judged by this check (the call failed or returned
    non-finite values: the ``simplex`` check reports those);
``hard``
    the failure exceeds the rounding-error bound of the arithmetic
    (:mod:`proofs_checks.rounding`): no correct implementation could show it;
``soft``
    the failure is of a kind floating point produces by itself (NaN or inf,
    values lost to underflow, a tie or a negative entry within rounding): it
    is a finding only if it persists at high precision.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from hypothesis import strategies as st

from ..cases import Case
from ..evaluation import Output
from ..strategies import EXTREME_TEMPERATURES, explicit_points, simplex_points, temperatures

__all__ = [
    "PASS",
    "SKIP",
    "SOFT",
    "HARD",
    "Evaluation",
    "Check",
    "fmt",
    "fmt_vector",
    "sum_bound",
    "off_simplex",
    "output_problem",
    "point_cases",
    "explicit_point_cases",
    "PointCheck",
]

PASS, SKIP, SOFT, HARD = "pass", "skip", "soft", "hard"


def fmt(x) -> str:
    """A number at full precision: repr of a float, 25 digits of an mpf."""
    if hasattr(x, "_mpf_"):
        import mpmath

        return mpmath.nstr(x, 25)
    return repr(float(x))


def fmt_vector(values, limit: int = 8) -> str:
    items = [fmt(v) for v in values[:limit]]
    more = f", … ({len(values)} entries)" if len(values) > limit else ""
    return "[" + ", ".join(items) + more + "]"


@dataclass(frozen=True, eq=False)
class Evaluation:
    """The outcome of one check on one case (see the module docstring)."""

    status: str
    case: Case
    kind: str = ""
    summary: str = ""
    margin: object = None  # by how much the failure exceeds the bound
    bound: object = None  # the rounding bound it was compared with
    output: np.ndarray | None = None
    reference: np.ndarray | None = None
    details: dict = field(default_factory=dict)
    failure: object = None  # a CallFailure
    score: float | None = None  # what the search maximises (closer to failing)

    @property
    def failed(self) -> bool:
        return self.status in (HARD, SOFT)


class Check:
    """A named axiom check: its statement, reference, search space and predicate."""

    name: str = ""
    axiom: str = ""
    reference: str = ""
    statement: str = ""
    strategy_doc: str = ""
    method: str = ""
    scans_temperature: bool = True  # a numerical verdict reports the T range found by a decade scan

    def strategy(self, domain: str, profile, dtype):
        """Hypothesis strategy of :class:`Case` for ``domain``."""
        raise NotImplementedError

    def explicit_cases(self, domain: str, profile, dtype) -> list[Case]:
        """Cases tried before the random search (uniform, one-hot, extreme T)."""
        raise NotImplementedError

    def evaluate(self, ev, case: Case) -> Evaluation:
        raise NotImplementedError

    def certification_case(self, evaluation: Evaluation) -> Case:
        """The case re-executed at high precision (by default the failing one)."""
        return evaluation.case

    def next_precision_case(self, exact: Evaluation) -> Case:
        """The case re-executed at the next higher precision, given the
        evaluation at the previous one (by default the same case)."""
        return exact.case

    def needs_exact(self, evaluation: Evaluation) -> bool:
        """True for soft failures that are findings only when confirmed at high
        precision (without it they are not reported at all)."""
        return False

    def resolution_explains(self, evaluation: Evaluation, exact: Evaluation, arithmetic) -> bool:
        """True when the exact values show the float failure is forced by the
        dtype's resolution (no floating-point result could do better)."""
        return False

    def repro_lines(self, evaluation: Evaluation) -> list[str]:
        """Plain Python lines (using ``op``, ``p``, ``T``, ``T2``, ``p2``) that
        show the failure without proofs_checks."""
        return ["q = op(p, T)", "print(q)"]


def sum_bound(A, bound: np.ndarray, point: np.ndarray):
    """How far Σq may be from 1: the entries' bounds plus the input's own |Σp - 1|."""
    return A.fsum(bound) + abs(A.fsum(point) - 1)


def off_simplex(out: Output, case: Case, T: float) -> bool:
    """True when ``out`` (computed at T) is off the simplex beyond rounding: a negative
    entry or a sum off 1 by more than :func:`sum_bound`.  Checks that need a
    probability vector skip such outputs; the ``simplex`` check reports them."""
    A, q = out.arithmetic, out.values
    bound = A.entry_bound(q, case.V, case.p, T)
    return bool((q < -bound).any()) or abs(A.fsum(q) - 1) > sum_bound(A, bound, case.p)


def output_problem(case: Case, out: Output, *, allow_nonfinite: bool = False) -> Evaluation | None:
    """A ``skip`` evaluation when ``out`` cannot be judged by a value check, else None."""
    if not out.ok:
        return Evaluation(SKIP, case, kind=out.failure.kind, summary=out.failure.message, failure=out.failure)
    if not allow_nonfinite and not out.arithmetic.isfinite(out.values).all():
        return Evaluation(SKIP, case, kind="non-finite", summary="non-finite output")
    return None


def point_cases(domain: str, profile, dtype):
    """Cases (p, T): a labelled point of ``domain`` and a temperature."""
    return st.builds(
        lambda point, T: Case(point.p, T, point.regime),
        simplex_points(domain, max_size=profile.max_size, dtype=dtype),
        temperatures(),
    )


def explicit_point_cases(domain: str, dtype, temperatures_=EXTREME_TEMPERATURES) -> list[Case]:
    """The explicit points of ``domain`` at each of ``temperatures_``."""
    return [Case(point.p, T, point.regime) for point in explicit_points(domain, dtype) for T in temperatures_]


class PointCheck(Check):
    """A check of one evaluation F_T(p) at a single point (p, T)."""

    def strategy(self, domain, profile, dtype):
        return point_cases(domain, profile, dtype)

    def explicit_cases(self, domain, profile, dtype):
        return explicit_point_cases(domain, dtype)

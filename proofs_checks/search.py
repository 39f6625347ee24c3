"""The Hypothesis-driven search for a counterexample to one check in one domain.

The check's strategy is run through ``@given`` with the check's explicit
examples first, ``database=None`` and an explicit ``@seed``, so a run is a
function of (operator, check, domain, profile, seed).  The probe evaluates
each case in floating point:

* a ``hard`` failure is raised, so Hypothesis shrinks it to a minimal case;
* ``soft`` failures (floating-point candidates) are collected, not raised:
  one can hide a hard failure found later.  A second pass with
  ``raise_soft=kind`` shrinks a candidate of that kind;
* ``target(score)`` steers the search toward cases that are close to failing.

With ``confirm`` (a certification callable), a failure is raised only when
``confirm`` accepts it: the search then looks for a *certifiable* failure,
past failures that exist only in floating point.  ``confirm`` may raise
:class:`BudgetSpent` to end the search.

Shrinking stops after ``profile.shrink_calls`` operator calls; the smallest
failure found so far is kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, Verbosity, example, given, settings, target
from hypothesis import seed as hypothesis_seed
from hypothesis.errors import Flaky

from .checks.base import SKIP, SOFT, Check, Evaluation

__all__ = ["SearchOutcome", "BudgetSpent", "search"]

MAX_CANDIDATES = 64


@dataclass
class SearchOutcome:
    failure: Evaluation | None = None
    candidates: list[Evaluation] = field(default_factory=list)
    candidate_temperatures: dict[str, list[float]] = field(default_factory=dict)  # by kind
    examples: int = 0
    skipped: int = 0
    note: str | None = None


class _Falsified(Exception):
    def __init__(self, evaluation: Evaluation):
        super().__init__(evaluation.summary)
        self.evaluation = evaluation


class BudgetSpent(BaseException):
    """Ends a search (not an ``Exception``, so Hypothesis does not take it for a failure)."""


def candidate_rank(evaluation: Evaluation) -> tuple:
    """Preference among candidates: moderate T first, then small V."""
    return (abs(math.log10(evaluation.case.T)), evaluation.case.V)


def search(
    check: Check,
    domain: str,
    evaluator,
    profile,
    dtype,
    seed: int,
    *,
    raise_soft: str | None = None,
    confirm=None,
    on_example=None,
) -> SearchOutcome:
    """Search ``check`` on ``domain``; see the module docstring."""
    outcome = SearchOutcome()
    invoker = evaluator.invoker
    calls_at_failure = [0]

    def probe(case):
        if outcome.failure is not None and invoker.calls - calls_at_failure[0] > profile.shrink_calls:
            raise BudgetSpent
        evaluation = check.evaluate(evaluator, case)
        if on_example is not None:
            on_example()
        if evaluation.status == SKIP:
            outcome.skipped += 1
            return
        outcome.examples += 1
        if evaluation.score is not None and math.isfinite(evaluation.score):
            target(evaluation.score)
        if evaluation.status == SOFT and evaluation.kind != raise_soft:
            outcome.candidate_temperatures.setdefault(evaluation.kind, []).append(evaluation.case.T)
            outcome.candidates.append(evaluation)
            outcome.candidates.sort(key=candidate_rank)
            del outcome.candidates[MAX_CANDIDATES:]
        elif evaluation.failed and (confirm is None or confirm(evaluation)):
            if outcome.failure is None:
                calls_at_failure[0] = invoker.calls
            outcome.failure = evaluation
            raise _Falsified(evaluation)

    test = given(check.strategy(domain, profile, dtype))(probe)
    for case in reversed(check.explicit_cases(domain, profile, dtype)):
        test = example(case)(test)
    test = settings(
        max_examples=profile.examples_for(check.name),
        database=None,
        deadline=None,
        derandomize=False,
        phases=(Phase.explicit, Phase.generate, Phase.target, Phase.shrink),
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
        verbosity=Verbosity.quiet,
        print_blob=False,
    )(test)
    test = hypothesis_seed(seed)(test)
    try:
        test()
    except _Falsified as exc:
        outcome.failure = exc.evaluation
    except BudgetSpent:
        pass  # outcome.failure holds the smallest failure found
    except Flaky:
        outcome.note = "the failure did not reproduce when replayed: the operator is not deterministic"
    return outcome

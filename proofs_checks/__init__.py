"""proofs_checks: the axiom conformance engine for probability-domain softening operators.

Checks an operator ``op(p, T) -> q`` against the axioms of the paper's
Section IV (ranking, continuity, entropy monotonicity, identity at T = 1,
the T → 0⁺ and T → ∞ limits) and the simplex contract, searching with
Hypothesis and certifying every counterexample (at 50 and 100 digits in
:mod:`skdcore.mp` when the operator runs there, else against a rigorous
rounding-error bound)::

    import proofs_checks
    report = proofs_checks.check_operator(my_op, domain="both", profile="ci")
    print(report.table())
    proofs_checks.assert_conforms(my_op)        # AssertionError on a violation

Names are resolved lazily, so importing the package (as the pytest plugin
does) costs nothing until a check runs.
"""

from __future__ import annotations

import importlib

__all__ = [
    "check_operator",
    "assert_conforms",
    "recheck",
    "check_equivalence",
    "EquivalenceResult",
    "check_truncation_consistency",
    "Report",
    "Result",
    "Profile",
    "PROFILES",
    "CHECK_NAMES",
    "DOMAINS",
    "VERDICTS",
    "strategies",
]

_LAZY = {
    "check_operator": "runner",
    "assert_conforms": "runner",
    "recheck": "runner",
    "check_equivalence": "equivalence",
    "EquivalenceResult": "equivalence",
    "check_truncation_consistency": "truncation",
    "Report": "report",
    "Result": "report",
    "VERDICTS": "names",
    "Profile": "profiles",
    "PROFILES": "profiles",
    "CHECK_NAMES": "names",
    "DOMAINS": "names",
}


def __getattr__(name: str):
    if name == "strategies":
        return importlib.import_module(".strategies", __name__)
    if name in _LAZY:
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted(__all__)

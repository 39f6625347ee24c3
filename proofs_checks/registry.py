"""The registry of axiom checks: fixed names, in report order.

Each entry carries its statement, the paper's reference, its search
strategy (``strategy_doc``, ``strategy``) and its predicate (``evaluate``,
``method``); ``docs/axioms.md`` is generated from these entries
(``python -m proofs_checks.docs``).
"""

from __future__ import annotations

from .checks.base import Check
from .checks.boundary import BoundaryColdCheck, BoundaryHotCheck
from .checks.continuity import ContinuityCheck
from .checks.entropy import EntropyCheck
from .checks.identity import IdentityCheck
from .checks.ranking import RankingCheck
from .checks.simplex import SimplexCheck
from .names import CHECK_NAMES, DOMAINS

__all__ = ["CHECKS", "CHECK_NAMES", "DOMAINS", "get_check"]

CHECKS: dict[str, Check] = {
    check.name: check
    for check in (
        SimplexCheck(),
        RankingCheck(),
        ContinuityCheck(),
        EntropyCheck(),
        IdentityCheck(),
        BoundaryColdCheck(),
        BoundaryHotCheck(),
    )
}


def get_check(name: str) -> Check:
    """The check registered as ``name``; ``ValueError`` naming the choices otherwise."""
    try:
        return CHECKS[name]
    except KeyError:
        raise ValueError(f"unknown check {name!r}; the checks are {', '.join(CHECK_NAMES)}") from None

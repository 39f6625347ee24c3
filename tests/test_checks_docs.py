"""docs/axioms.md is generated from the registry and kept up to date."""

from proofs_checks import docs
from proofs_checks.registry import CHECKS


def test_axioms_page_is_up_to_date():
    assert docs.main(["--check"]) == 0, "run: python -m proofs_checks.docs"


def test_axioms_page_lists_every_check_with_statement_and_reference():
    text = docs.render()
    for check in CHECKS.values():
        assert f"## `{check.name}`" in text and check.statement in text and check.reference in text

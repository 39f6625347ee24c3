"""Test the tester: the defective corpus is caught, the correct operators are not flagged.

Deterministic: the ``ci`` profile's default seed.  Each defect runs only the
checks its expectations name, to keep the suite fast.
"""

from __future__ import annotations

import numpy as np
import pytest

from proofs_checks import check_operator

from defective_operators import CORRECT, DEFECTS, float32_internals


@pytest.mark.parametrize("operator", list(DEFECTS), ids=lambda op: op.__name__)
def test_each_defect_is_reported_under_its_check(operator):
    expected = DEFECTS[operator]
    checks = sorted({check for _, check, _ in expected})
    domains = {domain for domain, _, _ in expected}
    for domain in domains:
        report = check_operator(operator, domain=domain, checks=checks)
        for d, check, verdict in expected:
            if d == domain:
                result = report.result(check, domain)
                assert result.verdict == verdict, result.describe()
                if verdict != "holds":
                    assert result.counterexample and result.certified_by and result.repro


@pytest.mark.parametrize("operator", CORRECT, ids=lambda op: op.__name__)
def test_correct_operators_are_never_violated_in_the_interior(operator):
    report = check_operator(operator, domain="interior")
    violated = [r.describe() for r in report.results if r.verdict == "violated"]
    assert not violated, "\n".join(violated)


def test_tolerances_follow_the_dtype_under_test():
    """float32 internals are a defect for a float64 operator, not for a float32 one."""
    as_float64 = check_operator(float32_internals, domain="interior", checks=["identity"])
    as_float32 = check_operator(float32_internals, domain="interior", checks=["identity"], dtype=np.float32)
    assert as_float64.results[0].verdict == "violated" and as_float32.results[0].verdict == "holds"
    assert as_float32.dtype == "float32"

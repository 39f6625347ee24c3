"""The pytest plugin, exercised in a throwaway project with ``pytester``.

The run that executes checks is a subprocess, as in another project's CI (an
in-process run would share this interpreter's imported modules, which
pytester prunes between runs); collection-only runs stay in-process.
"""

from __future__ import annotations

pytest_plugins = ["pytester"]

OPERATORS = """
from skdcore import power


def sharpen(p, T):
    '''Defective: p^T instead of p^(1/T).'''
    return power(p, 1.0 / T)


def soften(p, T):
    '''Correct: the power transform.'''
    return power(p, T)
"""

FIXTURE_TEST = """
import pytest
from myops import sharpen


def test_conforms(skd_assert_conforms):
    with pytest.raises(AssertionError, match="entropy violated"):
        skd_assert_conforms(sharpen, domain="interior", checks=["entropy"])
"""


def test_defective_fails_with_the_check_name_and_correct_passes(pytester):
    pytester.makepyfile(myops=OPERATORS, test_mine=FIXTURE_TEST)
    result = pytester.runpytest_subprocess(
        "--skd-operator",
        "myops:sharpen",
        "--skd-operator",
        "myops:soften",
        "--skd-domain",
        "interior",
        "--skd-seed",
        "3",
        "-k",
        "entropy or identity or conforms",
        "-p",
        "no:cacheprovider",
    )
    result.assert_outcomes(passed=4, failed=1)
    result.stdout.fnmatch_lines(["*entropy violated: H(F_T(p)) = *", "*reproduce with:*"])
    result.stdout.fnmatch_lines(["FAILED skd::entropy[[]myops:sharpen-interior[]]*"])
    assert "soften" not in "\n".join(line for line in result.stdout.lines if line.startswith("FAILED"))


def test_one_item_per_operator_domain_and_check_from_the_environment(pytester, monkeypatch):
    pytester.makepyfile(myops=OPERATORS)
    monkeypatch.setenv("SKD_OPERATOR", "myops:soften, myops:sharpen")
    result = pytester.runpytest("--collect-only", "-q", "-p", "no:cacheprovider")
    ids = [line for line in result.stdout.lines if line.startswith("skd::")]
    assert len(ids) == 2 * 2 * 7
    assert "skd::ranking[myops:soften-interior]" in ids and "skd::boundary_hot[myops:sharpen-boundary]" in ids
    result.stdout.fnmatch_lines(["*28 tests collected*"])


def test_the_option_wins_over_the_environment_and_selects_domains(pytester, monkeypatch):
    monkeypatch.setenv("SKD_OPERATOR", "myops:sharpen")
    result = pytester.runpytest(
        "--collect-only", "-q", "--skd-operator", "myops:soften", "--skd-domain", "boundary", "-p", "no:cacheprovider"
    )
    ids = [line for line in result.stdout.lines if line.startswith("skd::")]
    assert ids == [
        f"skd::{check}[myops:soften-boundary]"
        for check in ("simplex", "ranking", "continuity", "entropy", "identity", "boundary_cold", "boundary_hot")
    ]


def test_without_an_operator_nothing_is_collected(pytester, monkeypatch):
    monkeypatch.delenv("SKD_OPERATOR", raising=False)
    pytester.makepyfile(test_plain="def test_one():\n    pass\n")
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)

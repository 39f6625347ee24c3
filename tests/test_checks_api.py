"""The public entry points: arguments, reproducibility, assertions, cheap import."""

from __future__ import annotations

import dataclasses
import io
import re
import subprocess
import sys

import pytest

import proofs_checks
from proofs_checks import PROFILES, assert_conforms, check_operator
from proofs_checks.names import CHECK_NAMES, DOMAINS
from proofs_checks.progress import TerminalProgress
from proofs_checks.registry import CHECKS

from defective_operators import inverted_temperature, logit_softmax

TINY = dataclasses.replace(PROFILES["ci"], examples=8, continuity_examples=2, limit_examples=2, default_seed=None)


def _evidence(report):
    return [(r.check, r.domain, r.verdict, r.counterexample, r.summary) for r in report.results]


def test_the_registry_holds_the_contract_names_in_order():
    assert tuple(CHECKS) == CHECK_NAMES
    assert CHECK_NAMES == ("simplex", "ranking", "continuity", "entropy", "identity", "boundary_cold", "boundary_hot")
    assert DOMAINS == ("interior", "boundary")


def test_a_seed_makes_the_run_reproducible():
    first = check_operator(inverted_temperature, domain="interior", checks=["entropy", "ranking"], profile=TINY, seed=7)
    second = check_operator(
        inverted_temperature, domain="interior", checks=["entropy", "ranking"], profile=TINY, seed=7
    )
    assert first.seed == second.seed == 7
    assert _evidence(first) == _evidence(second)


def test_without_a_seed_a_random_one_is_drawn_and_recorded():
    report = check_operator(logit_softmax, domain="interior", checks=["identity"], profile=TINY)
    assert isinstance(report.seed, int)


def test_operators_by_name_and_every_check_by_default():
    report = check_operator("power", domain="boundary", profile=TINY)
    assert report.operator == "power" and [r.check for r in report.results] == list(CHECK_NAMES)
    assert report.result("boundary_hot", "boundary").verdict == "violated"  # zeros never reach uniform


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"domain": "edge"}, "domain"),
        ({"profile": "fast"}, "profile"),
        ({"checks": ["monotone"]}, "unknown check"),
    ],
)
def test_bad_arguments_are_rejected(kwargs, message):
    with pytest.raises(ValueError, match=message):
        check_operator(logit_softmax, **kwargs)


def test_assert_conforms_raises_with_the_check_name_first():
    with pytest.raises(AssertionError) as info:
        assert_conforms(inverted_temperature, domain="interior", checks=["entropy"])
    assert str(info.value).startswith("[interior] entropy violated: H(F_T(p))")
    assert "reproduce with:" in str(info.value)


def test_assert_conforms_returns_the_report_when_nothing_is_violated():
    report = assert_conforms(logit_softmax, domain="interior", checks=["identity", "entropy"])
    assert not report.violated


def test_importing_the_package_and_plugin_is_cheap():
    code = (
        "import sys, proofs_checks, proofs_checks.pytest_plugin; "
        "print(sorted(m for m in ('numpy', 'hypothesis', 'mpmath', 'skdcore') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_lazy_names_resolve():
    assert proofs_checks.check_operator is check_operator
    assert proofs_checks.strategies.temperatures is not None
    with pytest.raises(AttributeError):
        proofs_checks.nothing_here


def test_progress_events_reach_a_callable_and_the_terminal_display():
    events = []
    check_operator(logit_softmax, domain="interior", checks=["identity"], profile=TINY, seed=1, progress=events.append)
    assert events[-1].verdict == "holds" and events[-1].position == events[-1].total == 1
    assert any(e.verdict is None and e.examples > 0 for e in events)
    stream = io.StringIO()
    display = TerminalProgress(stream, interval=0)
    for event in events:
        display(event)
    text = stream.getvalue()
    assert text.startswith("\r\x1b[K[1/1] logit_softmax interior identity:")
    assert re.search(r"identity: holds  \d+ s\n$", text)

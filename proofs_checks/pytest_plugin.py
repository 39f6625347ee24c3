"""pytest plugin: a project's softening operator checked as tests.

Registered through the ``pytest11`` entry point ``skdcore``, so installing
skdcore is enough.  Point it at operators with ``--skd-operator module:attr``
(repeatable; the environment variable ``SKD_OPERATOR``, comma-separated, is the
fallback) and pytest collects one test per (operator, domain, check)::

    $ pytest --skd-operator mypkg.ops:sharpen
    skd::ranking[mypkg.ops:sharpen-interior] FAILED
    E   ranking violated: q[1] = 0.2 < q[2] = 0.3 although p[1] = 0.5 > p[2] = 0.25

``--skd-profile`` picks the budget (default ``ci``), ``--skd-domain`` the
domains (default both), ``--skd-seed`` the seed.  A ``numerical`` verdict
passes, with the details in the test's report section.  The fixture
``skd_assert_conforms`` is :func:`proofs_checks.assert_conforms` with these
options applied.

The module imports nothing beyond pytest and the standard library; the
engine is imported when the first check runs.
"""

from __future__ import annotations

import os

import pytest

from .names import CHECK_NAMES, DOMAINS

ENV_VAR = "SKD_OPERATOR"


def pytest_addoption(parser):
    group = parser.getgroup("skdcore", "axiom conformance of softening operators (skdcore)")
    group.addoption(
        "--skd-operator",
        action="append",
        default=[],
        metavar="MODULE:ATTR",
        help=f"operator to check (repeatable; fallback: ${ENV_VAR}, comma-separated)",
    )
    group.addoption(
        "--skd-profile",
        default="ci",
        choices=("ci", "dev", "thorough"),
        help="search budget of the conformance checks (default: ci)",
    )
    group.addoption(
        "--skd-domain", default="both", choices=("interior", "boundary", "both"), help="domains checked (default: both)"
    )
    group.addoption("--skd-seed", type=int, default=None, help="seed of the conformance search")


def _operator_specs(config) -> list[str]:
    specs = list(config.getoption("skd_operator"))
    if not specs and os.environ.get(ENV_VAR):
        specs = [s.strip() for s in os.environ[ENV_VAR].split(",") if s.strip()]
    return specs


def _options(config) -> dict:
    return {"profile": config.getoption("skd_profile"), "seed": config.getoption("skd_seed")}


class SkdCheckFailure(Exception):
    """A ``violated`` verdict; its message is the result's description."""


class SkdCheckItem(pytest.Item):
    """One conformance check of one operator in one domain."""

    def __init__(self, *, spec: str, domain: str, check: str, **kwargs):
        super().__init__(**kwargs)
        self.spec, self.domain, self.check = spec, domain, check

    def runtest(self):
        from proofs_checks import check_operator

        report = check_operator(self.spec, domain=self.domain, checks=[self.check], **_options(self.config))
        result = report.results[0]
        if result.verdict != "holds":
            self.add_report_section("call", "skd", result.describe(repro=True))
        if result.verdict == "violated":
            raise SkdCheckFailure(result.describe(repro=True))

    def repr_failure(self, excinfo, style=None):
        if isinstance(excinfo.value, SkdCheckFailure):
            return str(excinfo.value).split("] ", 1)[-1]  # "ranking violated: …" first
        return super().repr_failure(excinfo, style)

    def reportinfo(self):
        return self.path, None, f"skd {self.check} [{self.spec}, {self.domain}]"


class SkdOperatorCollector(pytest.Collector):
    """The checks of the operators named on the command line."""

    def collect(self):
        domain = self.config.getoption("skd_domain")
        domains = DOMAINS if domain == "both" else (domain,)
        for spec in _operator_specs(self.config):
            for d in domains:
                for check in CHECK_NAMES:
                    yield SkdCheckItem.from_parent(self, name=f"{check}[{spec}-{d}]", spec=spec, domain=d, check=check)


@pytest.hookimpl(tryfirst=True)  # before -k/-m deselection
def pytest_collection_modifyitems(session, config, items):
    if not _operator_specs(config):
        return
    collector = SkdOperatorCollector.from_parent(session, name="skd", path=config.rootpath, nodeid="skd")
    report = pytest.CollectReport(collector.nodeid, "passed", None, list(collector.collect()))
    config.hook.pytest_collectreport(report=report)  # counted in "collected N items"
    items.extend(report.result)


@pytest.fixture
def skd_assert_conforms(request):
    """:func:`proofs_checks.assert_conforms` with the ``--skd-profile``/``--skd-seed`` options applied."""
    from functools import partial

    from proofs_checks import assert_conforms

    return partial(assert_conforms, **_options(request.config))

"""``check_operator``: search, certify and report every check in every domain.

For each (domain, check): the Hypothesis search (:mod:`.search`) looks for a
hard failure and collects floating-point candidates.  The failure is
certified (:mod:`.certify`); if it is not ``violated``, a second search looks
for a failure that certifies as violated (each float failure re-executed,
at most ``profile.certification_calls`` high-precision calls of 32 entries).  Up to
``profile.certify_candidates`` candidates (one of each kind first) are
certified too, and a failure of the strongest finding's kind is shrunk (and
kept if it certifies the same way).  The strongest verdict
wins (``violated`` > ``numerical`` > ``holds``).  A ``numerical``
verdict carries the range of T where the float failure occurs: the
temperatures of the candidates of its kind, and a scan of the decades of T
on the counterexample's p.
"""

from __future__ import annotations

import secrets
import time
import zlib
from collections.abc import Callable, Iterable

import numpy as np

from .certify import HOLDS, NUMERICAL, VIOLATED, Certification, Certifier
from .checks.base import Check, Evaluation
from .evaluation import FloatEvaluator
from .invoke import Invoker
from .profiles import Profile, get_profile
from .progress import ProgressEvent, progress_for
from .registry import CHECK_NAMES, DOMAINS, get_check
from .repro import operator_binding, snippet
from .report import Report, Result, json_number, json_vector
from .search import BudgetSpent, search

__all__ = ["check_operator", "assert_conforms", "recheck", "resolve_operator_argument", "domain_names", "run_seed_for"]

_STRENGTH = {HOLDS: 0, NUMERICAL: 1, VIOLATED: 2}
WORK_UNIT = 32  # a high-precision call on V entries costs V / WORK_UNIT of the certification budget


def resolve_operator_argument(op) -> tuple[str, Callable, str | None]:
    """(display name, callable, spec) for a callable, a registered name or ``module:attr``."""
    if isinstance(op, str):
        from skdcore.operators import resolve_operator

        name, function = resolve_operator(op)
        return name, function, op
    if not callable(op):
        raise TypeError(f"an operator is a callable op(p, T) or a name, got {op!r}")
    spec = getattr(op, "name", None) if hasattr(op, "function") else None  # an OperatorSpec
    if spec is not None:
        return spec, op.function, spec
    return getattr(op, "__qualname__", repr(op)), op, None


def domain_names(domain: str) -> tuple[str, ...]:
    if domain == "both":
        return DOMAINS
    if domain not in DOMAINS:
        raise ValueError(f"domain must be 'interior', 'boundary' or 'both', got {domain!r}")
    return (domain,)


class _Run:
    """The state of one ``check_operator`` call."""

    def __init__(self, name, function, spec, profile: Profile, seed: int, dtype, timeout, progress):
        self.name, self.function = name, function
        self.binding = operator_binding(function, spec)
        self.profile, self.seed, self.dtype = profile, seed, np.dtype(dtype)
        self.invoker = Invoker(function, timeout=timeout)
        self.evaluator = FloatEvaluator(self.invoker, self.dtype)
        self.certifier = Certifier(function, self.evaluator, timeout=timeout)
        self.progress = progress
        self.start = time.monotonic()

    def certify_candidates(
        self, check: Check, domain: str, outcome, seed: int, tick
    ) -> list[tuple[Evaluation, Certification]]:
        """Certify up to ``certify_candidates`` soft failures, one of each kind first;
        a failure of the strongest finding's kind is then shrunk and kept if it
        certifies the same way."""
        by_kind: dict[str, list[Evaluation]] = {}
        for evaluation in outcome.candidates:
            by_kind.setdefault(evaluation.kind, []).append(evaluation)
        chosen = []
        for depth in range(max(map(len, by_kind.values()), default=0)):
            chosen += [group[depth] for group in by_kind.values() if depth < len(group)]
        results = []
        for evaluation in chosen[: self.profile.certify_candidates]:
            results.append((evaluation, self.certifier.certify(check, evaluation)))
            if results[-1][1].verdict == VIOLATED:
                break
        findings = sorted((r for r in results if r[1].verdict != HOLDS), key=lambda r: -_STRENGTH[r[1].verdict])
        if findings:  # shrink a failure of the same kind; keep it if it certifies the same way
            best, certification = findings[0]
            shrunk = search(
                check, domain, self.evaluator, self.profile, self.dtype, seed + 2, raise_soft=best.kind, on_example=tick
            ).failure
            if shrunk is not None:
                again = self.certifier.certify(check, shrunk)
                if again.verdict == certification.verdict:
                    results.insert(0, (shrunk, again))
        return results

    def confirmed_search(self, check: Check, domain: str, seed: int, tick) -> list[tuple[Evaluation, Certification]]:
        """Search again, raising only failures certified as violated, within
        ``profile.certification_calls`` high-precision calls of :data:`WORK_UNIT` entries."""
        certified: dict[int, Certification] = {}
        start = self.certifier.work

        def confirm(evaluation: Evaluation) -> bool:
            if self.certifier.work - start > self.profile.certification_calls * WORK_UNIT:
                raise BudgetSpent
            certified[id(evaluation)] = self.certifier.certify(check, evaluation)
            return certified[id(evaluation)].verdict == VIOLATED

        failure = search(
            check, domain, self.evaluator, self.profile, self.dtype, seed, confirm=confirm, on_example=tick
        ).failure
        return [] if failure is None else [(failure, certified[id(failure)])]

    def temperature_range(self, check: Check, evaluation: Evaluation, outcome) -> list[float]:
        temps = [evaluation.case.T] + outcome.candidate_temperatures.get(evaluation.kind, [])
        if "t_range" in evaluation.details:
            temps += evaluation.details["t_range"]
        if check.scans_temperature:
            for k in range(-300, 301, self.profile.decade_step):
                if check.evaluate(self.evaluator, evaluation.case.at_temperature(10.0**k)).kind == evaluation.kind:
                    temps.append(10.0**k)
        return [min(temps), max(temps)]

    def run_check(self, check: Check, domain: str, position: int, total: int) -> Result:
        started = time.monotonic()
        seed = zlib.crc32(f"{self.seed}:{domain}:{check.name}".encode())
        budget = self.profile.examples_for(check.name)
        examples = [0]

        def report_progress(verdict=None):
            if self.progress is not None:
                elapsed = time.monotonic() - self.start
                self.progress(
                    ProgressEvent(
                        self.name, domain, check.name, position, total, examples[0], budget, elapsed, verdict=verdict
                    )
                )

        def tick():
            examples[0] += 1
            report_progress()

        outcome = search(check, domain, self.evaluator, self.profile, self.dtype, seed, on_example=tick)
        decided: list[tuple[Evaluation, Certification]] = []
        if outcome.failure is not None:
            decided.append((outcome.failure, self.certifier.certify(check, outcome.failure)))
            if decided[0][1].verdict != VIOLATED and outcome.failure.failure is None:
                decided += self.confirmed_search(check, domain, seed + 1, tick)
        if not any(d[1].verdict == VIOLATED for d in decided):
            decided += self.certify_candidates(check, domain, outcome, seed, tick)
        decided = [d for d in decided if d[1].verdict != HOLDS]
        decided.sort(key=lambda d: -_STRENGTH[d[1].verdict])
        result = Result(
            domain, check.name, HOLDS, examples=outcome.examples, skipped=outcome.skipped, note=outcome.note
        )
        if outcome.examples == 0:
            result.note = "not evaluated: no call gave a usable output (see the simplex check)"
        if decided:
            self.fill(result, check, *decided[0], outcome)
        result.duration_s = time.monotonic() - started
        report_progress(result.verdict)
        return result

    def fill(self, result: Result, check: Check, evaluation: Evaluation, certification: Certification, outcome) -> None:
        """Copy the evidence of the deciding evaluation into ``result``."""
        result.verdict = certification.verdict
        result.certified_by = certification.certified_by
        result.kind = evaluation.kind
        result.summary = evaluation.summary
        result.counterexample = evaluation.case.to_dict()
        result.output = json_vector(evaluation.output)
        result.reference = json_vector(evaluation.reference)
        result.bound = json_number(evaluation.bound)
        result.margin = json_number(evaluation.margin)
        result.details = evaluation.details
        result.high_precision = [
            {
                "digits": digits,
                "status": e.status,
                "kind": e.kind,
                "margin": json_number(e.margin),
                "summary": e.summary,
            }
            for digits, e in zip(certification.digits, certification.exact)
        ] or None
        failure = evaluation.failure
        if failure is not None:
            result.error = {
                "kind": failure.kind,
                "type": failure.exception_type,
                "message": failure.message,
                "traceback": failure.traceback,
            }
        if certification.verdict == NUMERICAL:
            result.t_range = self.temperature_range(check, evaluation, outcome)
        result.repro = snippet(self.binding, check, evaluation)


def run_seed_for(profile: Profile, seed: int | None) -> int:
    if seed is not None:
        return int(seed)
    return profile.default_seed if profile.default_seed is not None else secrets.randbelow(2**32)


def check_operator(
    op,
    *,
    domain: str = "both",
    profile="ci",
    seed: int | None = None,
    dtype=np.float64,
    progress=None,
    checks: Iterable[str] | None = None,
    timeout: float | None = None,
) -> Report:
    """Check a softening operator against Axioms 1–5 (paper, Section IV).

    ``op`` is a callable ``op(p, T) -> q`` (or a built-in name / ``"module:attr"``).
    ``domain``: ``"interior"``, ``"boundary"`` or ``"both"``; ``profile``:
    ``"ci"``, ``"dev"``, ``"thorough"`` or a :class:`~proofs_checks.profiles.Profile`;
    ``seed`` makes the search reproducible (default: 0 for ``ci``, random
    otherwise, recorded in the report); ``dtype``: the float dtype of the
    inputs (tolerances follow the output's dtype); ``progress``: True for a
    display on stderr or a callable taking :class:`~proofs_checks.progress.ProgressEvent`;
    ``checks``: a subset of the check names; ``timeout``: seconds per call
    (default: the profile's).
    """
    prof = get_profile(profile)
    name, function, spec = resolve_operator_argument(op)
    selected = [get_check(c) for c in (checks or CHECK_NAMES)]
    domains = domain_names(domain)
    run = _Run(
        name, function, spec, prof, run_seed_for(prof, seed), dtype, timeout or prof.call_timeout, progress_for(progress)
    )
    total = len(domains) * len(selected)
    with np.errstate(all="ignore"):  # outputs may be huge or non-finite; their bounds then overflow to inf
        results = [
            run.run_check(check, d, 1 + i * len(selected) + j, total)
            for i, d in enumerate(domains)
            for j, check in enumerate(selected)
        ]
    return Report(
        operator=name,
        profile=prof.name,
        seed=run.seed,
        dtype=run.dtype.name,
        domains=list(domains),
        results=results,
        duration_s=time.monotonic() - run.start,
        calls=run.invoker.calls,
        timeouts=run.invoker.timeouts,
        high_precision=run.certifier.status(),
    )


def assert_conforms(op, **kwargs) -> Report:
    """Run :func:`check_operator` and raise ``AssertionError`` if any check is ``violated``.

    The message starts with the first violation's headline (``"ranking violated: …"``)
    and lists every violation with its counterexample and reproduction snippet.
    """
    report = check_operator(op, **kwargs)
    violations = [r for r in report.results if r.verdict == VIOLATED]
    if violations:
        raise AssertionError(
            "\n\n".join(r.describe(repro=True) for r in violations)
            + f"\n\n(operator {report.operator}, profile {report.profile}, seed {report.seed})"
        )
    return report


def recheck(
    op, check: str, p, T: float, *, T2: float | None = None, p2=None, temperatures=None, timeout: float = 60.0
) -> Result:
    """Re-evaluate and certify one case of one check (used by reproduction snippets)."""
    from .cases import Case

    name, function, spec = resolve_operator_argument(op)
    p = np.asarray(p)
    chk = get_check(check)
    case = Case(
        p,
        float(T),
        "recheck",
        T2=T2,
        p2=None if p2 is None else np.asarray(p2, dtype=p.dtype),
        temperatures=tuple(temperatures or ()),
    )
    domain = "interior" if (p > 0).all() else "boundary"
    run = _Run(name, function, spec, get_profile("ci"), 0, p.dtype, timeout, None)
    result = Result(domain, chk.name, HOLDS, examples=1)
    with np.errstate(all="ignore"):
        evaluation = chk.evaluate(run.evaluator, case)
        if evaluation.failed:
            certification = run.certifier.certify(chk, evaluation)
            if certification.verdict != HOLDS:
                run.fill(result, chk, evaluation, certification, _NoSearch())
    return result


class _NoSearch:
    """The search outcome of a single re-checked case."""

    candidates: list = []
    candidate_temperatures: dict = {}

"""KD-equivalence of two operators under a restricted student class (paper, Definition X.1).

F and G are 𝒮-KD-equivalent at temperature T when, for every teacher p,

    argmin_{S ∈ 𝒮} KL(S ‖ F_T(p)) = argmin_{S ∈ 𝒮} KL(S ‖ G_T(p))      (eq. 22)

(or with KL(F_T(p) ‖ S) for ``direction="forward"``).  The argmin sets are
compared exactly as :class:`skdcore.students.Argmin` describes them: kind,
the tied indices on which minimisers differ, and the canonical minimiser.

:func:`check_equivalence` searches teachers with the conformance engine's
Hypothesis strategies (:mod:`proofs_checks.strategies`, each domain's
explicit points first) through :func:`proofs_checks.search.search`, and
certifies a difference before calling it a counterexample:

* **high precision** -- when both operators run on :mod:`skdcore.mp`, the
  teacher is re-executed at 50 and 100 digits (more at extreme T, as in
  :mod:`proofs_checks.certify`), both targets are projected there by the
  same class code (:meth:`StudentClass.reference`), and the difference must
  persist at both precisions: different kinds or tied sets, or an entry whose
  students differ by more than 10^(-digits/2) relative (half the trusted
  digits are left for the conditioning of the operator and the projection);
* **float bound** -- otherwise the float targets' rounding bounds (the model
  of :mod:`proofs_checks.rounding` for a correct implementation in the
  output's dtype) are propagated to first order through the projection
  (:meth:`StudentClass.sensitivity`); the difference counts only if the
  argmin structure is stable within those bounds and the students differ by
  more than the propagated bounds.

Verdicts: ``not equivalent`` (a certified counterexample, shrunk by
Hypothesis), ``undefined`` (a target leaves the simplex on a certified
teacher -- e.g. convex mixing at T < 1 -- so the projection and Definition X.1
do not apply), ``equivalent`` (no counterexample among the teachers tried;
the number is reported).  Float-only discrepancies that high precision
dismisses are noted, not reported as findings.
"""

from __future__ import annotations

import json
import time
import zlib
from dataclasses import asdict, dataclass, field

import numpy as np

from skdcore.errors import InputValidationError
from skdcore.students import UNATTAINED, StudentClass
from skdcore.students import student_class as parse_student_class
from skdcore.students.base import check_direction, target_row
from skdcore.validation import check_temperature

from .cases import Case
from .certify import PRECISIONS, precisions
from .checks.base import HARD, PASS, SKIP, Check, Evaluation
from .evaluation import FloatEvaluator, HighPrecisionEvaluator
from .invoke import Invoker
from .profiles import get_profile
from .report import json_number, json_vector
from .repro import array_line, scalar_line, operator_binding
from .runner import domain_names, resolve_operator_argument, run_seed_for
from .search import BudgetSpent, search
from .strategies import explicit_points, simplex_points

__all__ = ["check_equivalence", "EquivalenceResult", "VERDICTS", "EQUIVALENT", "NOT_EQUIVALENT", "UNDEFINED"]

EQUIVALENT, NOT_EQUIVALENT, UNDEFINED = "equivalent", "not equivalent", "undefined"
VERDICTS = (EQUIVALENT, NOT_EQUIVALENT, UNDEFINED)
FLOAT64_EPS = float(np.finfo(np.float64).eps)


@dataclass
class EquivalenceResult:
    """The outcome of :func:`check_equivalence`.

    ``teachers``: teachers compared (all domains); ``domains``: per domain its
    verdict, teachers compared and skipped (with reasons); ``counterexample``:
    the certified teacher (p exactly as hex floats too), both targets, both
    argmin sets, the difference, how it was certified and a reproduction
    snippet -- or, for ``undefined``, the target that leaves the simplex.
    """

    F: str
    G: str
    student: str
    direction: str
    T: float
    verdict: str
    teachers: int
    domains: dict
    counterexample: dict | None = None
    certified_by: str | None = None
    notes: list = field(default_factory=list)
    profile: str = "ci"
    seed: int = 0
    duration_s: float = 0.0

    @property
    def equivalent(self) -> bool:
        return self.verdict == EQUIVALENT

    def to_dict(self) -> dict:
        return asdict(self) | {"duration_s": round(self.duration_s, 3)}

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def describe(self, *, repro: bool = True) -> str:
        """A readable summary: the verdict, per-domain counts, the certificate."""
        relation = f"{self.direction} KL projection onto {self.student}"
        lines = [f"{self.F} vs {self.G} at T = {self.T!r} under the {relation}: {self.verdict.upper()}"]
        for domain, info in self.domains.items():
            skipped = ", ".join(f"{n} {why}" for why, n in info["skipped"].items())
            lines.append(f"  {domain:<9} {info['verdict']:<15} {info['teachers']} teachers compared"
                         + (f"; skipped: {skipped}" if skipped else ""))
        ce = self.counterexample
        if ce is not None:
            lines.append(f"  teacher ({ce['domain']}, {ce['regime']}, V = {ce['V']}): p = {_short(ce['p'])}")
            if self.verdict == UNDEFINED:
                lines.append(f"  {ce['operator']}_T(p) = {_short(ce['target'])}  -- {ce['summary']}")
            else:
                lines.append(f"  F_T(p) = {_short(ce['target_F'])}")
                lines.append(f"  G_T(p) = {_short(ce['target_G'])}")
                lines.append(f"  argmin for F: {_describe_argmin(ce['argmin_F'])}")
                lines.append(f"  argmin for G: {_describe_argmin(ce['argmin_G'])}")
                lines.append(f"  difference: {ce['difference']['summary']}")
            lines.append(f"  certified by: {self.certified_by}")
            if repro:
                lines.append("  reproduce with:")
                lines.extend("    " + line for line in ce["repro"].splitlines())
        lines.extend(f"  note: {n}" for n in self.notes)
        lines.append(f"  (profile {self.profile}, seed {self.seed}, {self.duration_s:.1f} s)")
        return "\n".join(lines)


def _short(values, limit: int = 6) -> str:
    shown = ", ".join(repr(v) for v in values[:limit])
    return f"[{shown}{', …' if len(values) > limit else ''}]"


def _describe_argmin(a: dict) -> str:
    text = a["kind"]
    if a["student"] is not None:
        text += f" {_short(a['student'])}"
    if a["free"]:
        text += f", minimisers differ on tokens {a['free']}"
    return text + f" (divergence {a['objective']})"


def _argmin_dict(a) -> dict:
    return {"kind": a.kind, "student": json_vector(a.student), "free": list(a.free),
            "objective": json_number(a.objective), "note": a.note}


# ---------------------------------------------------------------------------
# Comparing argmin sets


def _difference(a, b, bound_a, bound_b) -> dict | None:
    """How the argmin sets ``a`` and ``b`` differ, or None.

    Kinds and tied sets must be equal; students may differ entrywise by at
    most ``bound_a + bound_b`` (arrays of float64 or mpf).
    """
    if a.kind != b.kind:
        return {"kind": "structure", "summary": f"the argmin for F is {a.kind!r}, for G {b.kind!r}"}
    if a.free != b.free:
        return {"kind": "structure",
                "summary": f"the minimisers for F differ on tokens {list(a.free)}, for G on {list(b.free)}"}
    if a.student is None:
        return None
    gap = np.abs(a.student - b.student)
    excess = gap - (bound_a + bound_b)
    i = int(np.argmax(excess.astype(np.float64)))
    if not excess[i] > 0:
        return None
    return {"kind": "student", "index": i, "F": json_number(a.student[i]), "G": json_number(b.student[i]),
            "gap": json_number(gap[i]), "bound": json_number(bound_a[i] + bound_b[i]),
            "summary": f"the students differ at token {i}: {_number(a.student[i])} for F, {_number(b.student[i])} for G"}


def _number(x) -> str:
    """17 significant digits (enough to tell any two float64 values apart)."""
    if hasattr(x, "_mpf_"):
        import mpmath

        return mpmath.nstr(x, 17)
    return repr(float(x))


def _relative(a, rtol):
    """Per-entry tolerance rtol·|S_i| (zeros exact)."""
    return None if a.student is None else np.abs(a.student) * rtol


# ---------------------------------------------------------------------------
# The check searched by proofs_checks.search


class _Pair:
    """Float evaluators of F and G; ``invoker.calls`` counts both (for the shrink budget)."""

    def __init__(self, F, G, dtype, timeout):
        self.f = FloatEvaluator(Invoker(F, timeout=timeout), dtype)
        self.g = FloatEvaluator(Invoker(G, timeout=timeout), dtype)
        self.invoker = self

    @property
    def calls(self) -> int:
        return self.f.invoker.calls + self.g.invoker.calls


class _EquivalenceCheck(Check):
    """One teacher: project both targets in float64 and compare the argmin sets."""

    name = "equivalence"
    scans_temperature = False

    def __init__(self, student: StudentClass, direction: str, T: float):
        self.student, self.direction, self.T = student, direction, T
        self.skips: list[Evaluation] = []  # this domain's skipped teachers, with reasons

    def evaluate(self, pair: _Pair, case: Case) -> Evaluation:
        evaluation = self._evaluate(pair, case)
        if evaluation.status == SKIP:
            self.skips.append(evaluation)
        return evaluation

    def strategy(self, domain, profile, dtype):
        size = max(profile.max_size, self.student.min_size)
        return simplex_points(domain, min_size=self.student.min_size, max_size=size, dtype=dtype).map(
            lambda point: Case(point.p, self.T, point.regime))

    def explicit_cases(self, domain, profile, dtype):
        return [Case(point.p, self.T, point.regime) for point in explicit_points(domain, dtype)
                if point.p.size >= self.student.min_size]

    def _evaluate(self, pair: _Pair, case: Case) -> Evaluation:
        outputs, targets = {}, {}
        for label, ev in (("F", pair.f), ("G", pair.g)):
            out = ev(ev.point(case.p), case.T)
            if not out.ok:
                return Evaluation(SKIP, case, kind=f"{label} failed ({out.failure.kind})", summary=out.failure.message)
            targets[label] = out.values.astype(out.arithmetic.name)  # judged on the simplex of its own dtype
            try:
                target_row(targets[label])
            except InputValidationError as exc:
                bound = out.arithmetic.entry_bound(out.values, case.V, case.p, case.T)
                return Evaluation(SKIP, case, kind=f"{label}_T(p) off the simplex", summary=str(exc),
                                  output=out.values, bound=bound, details={"operator": label})
            outputs[label] = out
        argmins, bounds = {}, {}
        for label, out in outputs.items():
            try:
                argmins[label] = self.student.argmin(targets[label], self.direction)
            except (ArithmeticError, np.linalg.LinAlgError) as exc:
                return Evaluation(SKIP, case, kind="projection failed", summary=f"{type(exc).__name__}: {exc}")
            if argmins[label].kind == UNATTAINED:
                return Evaluation(SKIP, case, kind="argmin not attained", summary=argmins[label].note)
            bound = out.arithmetic.entry_bound(out.values, case.V, case.p, case.T)
            bounds[label] = self.student.sensitivity(out.values, argmins[label], bound, self.direction, FLOAT64_EPS)
        robust = all(b is not None for b in bounds.values())
        zero = np.zeros(case.V)
        a, b = argmins["F"], argmins["G"]
        found = _difference(a, b, *((bounds["F"], bounds["G"]) if robust else (zero, zero)))
        details = {"argmin_F": a, "argmin_G": b, "target_F": outputs["F"].values, "target_G": outputs["G"].values,
                   "robust": robust}
        score = None
        if robust and a.student is not None and b.student is not None and a.kind == b.kind and a.free == b.free:
            total = bounds["F"] + bounds["G"]
            ratio = np.abs(a.student - b.student) / np.where(total > 0, total, np.inf)
            score = float(np.max(ratio))
        if found is None:
            return Evaluation(PASS, case, score=score, details=details)
        return Evaluation(HARD, case, kind=found["kind"], summary=found["summary"], score=score,
                          details=details | {"difference": found})


# ---------------------------------------------------------------------------
# Certification


@dataclass
class _Certificate:
    certified_by: str
    difference: dict
    high_precision: list = field(default_factory=list)


class _Certifier:
    """Re-executes a teacher at high precision (or judges it by the float bound)."""

    def __init__(self, F, G, student, direction, timeout, budget):
        self.invokers = (Invoker(F, timeout=timeout), Invoker(G, timeout=timeout))
        self.student, self.direction, self.budget = student, direction, budget
        self.unavailable: str | None = None
        self.cache: dict[tuple, _Certificate | None] = {}
        self.dismissed = 0  # float differences that high precision shows to be rounding
        self.spent = False  # the high-precision budget ended a search

    @property
    def calls(self) -> int:
        return sum(inv.calls for inv in self.invokers)

    def targets(self, case: Case, dps: int, digits: int):
        """Both targets at ``dps`` digits (trusted to ``digits``), or None if an operator cannot run there."""
        outs = []
        for invoker in self.invokers:
            ev = HighPrecisionEvaluator(invoker, dps, digits)
            out = ev(ev.point(case.p), case.T)
            if not out.ok:
                self.unavailable = f"re-execution in skdcore.mp failed: {out.failure.message}"
                return None
            outs.append(out.values)
        return outs

    def certify(self, evaluation: Evaluation) -> _Certificate | None:
        case = evaluation.case
        key = (case.p.tobytes(), case.T)
        if key not in self.cache:
            self.cache[key] = self._certify(evaluation)
        return self.cache[key]

    def _certify(self, evaluation: Evaluation) -> _Certificate | None:
        if self.unavailable is None:
            if self.calls > self.budget:
                self.spent = True
                raise BudgetSpent
            certificate = self._high_precision(evaluation.case)
            if certificate is not None or self.unavailable is None:
                if certificate is None:
                    self.dismissed += 1
                return certificate
        if evaluation.details.get("robust"):
            return _Certificate(f"exceeds the first-order propagation of the {evaluation.case.dtype.name} rounding "
                                f"bounds of both targets through the projection; not re-executed at high precision "
                                f"({self.unavailable})", evaluation.details["difference"])
        return None

    def _high_precision(self, case: Case) -> _Certificate | None:
        records, found = [], None
        for dps, digits in zip(precisions(case), PRECISIONS):
            targets = self.targets(case, dps, digits)
            if targets is None:
                return None
            rtol = 10.0 ** (-digits // 2)
            a, b = (self.student.reference(t, self.direction, dps) for t in targets)
            found = _difference(a, b, _relative(a, rtol), _relative(b, rtol))
            if found is None:
                return None
            records.append({"dps": dps, "digits": digits, "difference": found["summary"],
                            "argmin_F": _argmin_dict(a), "argmin_G": _argmin_dict(b)})
        where = ", ".join(str(r["dps"]) for r in records)
        return _Certificate(f"re-executed in skdcore.mp at {where} digits: the argmin sets differ at both "
                            f"(students compared to 10^-(digits/2) relative)", found, records)

    def off_simplex(self, evaluation: Evaluation) -> _Certificate | None:
        """A certificate that the target of ``evaluation`` leaves the simplex, or None."""
        case, label = evaluation.case, evaluation.details["operator"]
        index = 0 if label == "F" else 1
        if self.unavailable is None:
            for dps, digits in zip(precisions(case), PRECISIONS):
                targets = self.targets(case, dps, digits)
                if targets is None:
                    break
                q = targets[index]
                worst = int(np.argmin(q))
                if not q[worst] < -(10.0 ** (-digits // 2)) * max(abs(v) for v in q):
                    return None
            else:
                return _Certificate(f"re-executed in skdcore.mp at {precisions(case)[0]} and {precisions(case)[1]} digits: "
                                    f"{label}_T(p)[{worst}] = {_number(q[worst])} < 0 at both",
                                    {"summary": f"{label}_T(p)[{worst}] < 0"})
        q, bound = evaluation.output, evaluation.bound
        worst = int(np.argmin(q + bound))
        if q[worst] + bound[worst] < 0:
            return _Certificate(f"{label}_T(p)[{worst}] = {q[worst]!r} is negative beyond its rounding bound "
                                f"{bound[worst]:.3g}", {"summary": f"{label}_T(p)[{worst}] < 0"})
        return None


# ---------------------------------------------------------------------------
# Reports


def _snippet(names, functions, specs, cls, direction, case: Case, *, targets_only: bool = False) -> str:
    lines = ["import numpy as np"]
    for label, function, spec in zip("FG", functions, specs):
        lines += [line.replace("op = ", f"{label} = ", 1) for line in operator_binding(function, spec)]
    lines += [array_line("p", case.p, case.p.dtype.name), scalar_line("T", case.T)]
    if targets_only:
        lines += ["print(F(p, T))", "print(G(p, T))"]
    else:
        lines += ["from skdcore.students import student_class", f"student = student_class({cls.spec!r})",
                  f"print(student.argmin(F(p, T), {direction!r}))", f"print(student.argmin(G(p, T), {direction!r}))"]
    return "\n".join(dict.fromkeys(lines))  # each import once


def _teacher(case: Case, domain: str) -> dict:
    return {"domain": domain, "regime": case.regime, "V": case.V, "dtype": case.p.dtype.name,
            "p": [float(x) for x in case.p], "p_hex": [float(x).hex() for x in case.p], "T": case.T}


def _counterexample(evaluation, certificate, domain, names, functions, specs, cls, direction) -> dict:
    details = evaluation.details
    return _teacher(evaluation.case, domain) | {
        "F": names[0], "G": names[1],
        "target_F": json_vector(details["target_F"]), "target_G": json_vector(details["target_G"]),
        "argmin_F": _argmin_dict(details["argmin_F"]), "argmin_G": _argmin_dict(details["argmin_G"]),
        "difference": certificate.difference, "high_precision": certificate.high_precision,
        "repro": _snippet(names, functions, specs, cls, direction, evaluation.case),
    }


def _off_simplex_record(evaluation, certificate, domain, names, functions, specs, cls, direction) -> dict:
    label = evaluation.details["operator"]
    return _teacher(evaluation.case, domain) | {
        "operator": names[0 if label == "F" else 1], "target": json_vector(evaluation.output),
        "summary": certificate.difference["summary"] + ": the target leaves the simplex, KL to it is undefined",
        "repro": _snippet(names, functions, specs, cls, direction, evaluation.case, targets_only=True),
    }


# ---------------------------------------------------------------------------
# Public entry point


def check_equivalence(F, G, student_class, *, T: float = 2.0, direction: str = "reverse", domain: str = "both",
                      profile="ci", seed: int | None = None, dtype=np.float64, timeout: float | None = None
                      ) -> EquivalenceResult:
    """Search for a teacher whose targets F_T(p), G_T(p) project differently onto a student class.

    ``F``, ``G``: callables ``op(p, T)``, built-in names or ``"module:attr"``;
    ``student_class``: a :class:`skdcore.students.StudentClass` or a spec
    (``"simplex"``, ``"hard"``, ``"topk:5"``, ``"support:0,1,2"``,
    ``"loglinear:d=3,seed=0"``, ``"entropy:h=0.5"``); ``T``: the temperature
    of Definition X.1; ``direction``: ``"reverse"`` (KL(S‖q), the paper's) or
    ``"forward"``; ``domain``: ``"interior"``, ``"boundary"`` or ``"both"``;
    ``profile``/``seed``: the search budget and its seed (as
    :func:`proofs_checks.check_operator`; ``profile.examples`` teachers per
    domain); ``dtype``: the float type of the teachers.  See the module
    docstring for the certification.
    """
    started = time.monotonic()
    T = check_temperature(T)
    direction = check_direction(direction)
    cls = parse_student_class(student_class)
    prof = get_profile(profile)
    run_seed = run_seed_for(prof, seed)
    names, functions, specs = zip(*(resolve_operator_argument(op) for op in (F, G)))
    timeout = timeout or prof.call_timeout
    pair = _Pair(*functions, dtype, timeout)
    certifier = _Certifier(*functions, cls, direction, timeout, prof.certification_calls)
    check = _EquivalenceCheck(cls, direction, T)
    certificates: dict[int, _Certificate] = {}

    def confirm(evaluation: Evaluation) -> bool:
        certificate = certifier.certify(evaluation)
        if certificate is not None:
            certificates[id(evaluation)] = certificate
        return certificate is not None

    report = {"verdict": EQUIVALENT, "counterexample": None, "certified_by": None}
    domains, total = {}, 0
    for name in domain_names(domain):
        check.skips = []
        outcome = search(check, name, pair, prof, np.dtype(dtype), zlib.crc32(f"{run_seed}:{name}:equivalence".encode()),
                         confirm=confirm)
        reasons: dict[str, int] = {}
        for skipped in check.skips:
            reasons[skipped.kind] = reasons.get(skipped.kind, 0) + 1
        info = {"verdict": EQUIVALENT, "teachers": outcome.examples, "skipped": dict(sorted(reasons.items()))}
        total += outcome.examples
        context = (names, functions, specs, cls, direction)
        if outcome.failure is not None and id(outcome.failure) in certificates:
            info["verdict"] = NOT_EQUIVALENT
            if report["verdict"] != NOT_EQUIVALENT:
                certificate = certificates[id(outcome.failure)]
                report = {"verdict": NOT_EQUIVALENT, "certified_by": certificate.certified_by,
                          "counterexample": _counterexample(outcome.failure, certificate, name, *context)}
        else:
            leaving = [e for e in check.skips if e.kind.endswith("off the simplex")]
            for evaluation in leaving[: prof.certify_candidates]:
                certificate = certifier.off_simplex(evaluation)
                if certificate is not None:
                    info["verdict"] = UNDEFINED
                    if report["verdict"] == EQUIVALENT:
                        report = {"verdict": UNDEFINED, "certified_by": certificate.certified_by,
                                  "counterexample": _off_simplex_record(evaluation, certificate, name, *context)}
                    break
        domains[name] = info
    notes = []
    if certifier.dismissed:
        notes.append(f"{certifier.dismissed} float64 difference(s) vanished at high precision (rounding, not a finding)")
    if certifier.spent:
        notes.append(f"the high-precision budget ({prof.certification_calls} operator calls) was spent: the search "
                     f"stopped before the profile's {prof.examples} teachers per domain")
    if certifier.unavailable is not None:
        notes.append(f"high precision unavailable ({certifier.unavailable}): certified by the float bound only")
    return EquivalenceResult(names[0], names[1], cls.spec, direction, T, report["verdict"], total, domains,
                             report["counterexample"], report["certified_by"], notes, prof.name, run_seed,
                             time.monotonic() - started)

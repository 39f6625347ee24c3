"""Reports: per operator, one :class:`Result` per (domain, check).

``Report.to_dict()`` is the stable JSON object documented in
``docs/check-json-format.md``; ``skd check --json`` writes a JSON array of
them.  Floats are written as JSON numbers with Python's shortest round-trip
repr, and additionally as ``float.hex`` for the inputs (``p_hex``,
``T_hex``); non-finite floats and high-precision values are strings.
``Report.table()`` renders the same content for a terminal.
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field

from .names import VERDICTS

__all__ = ["Result", "Report", "reports_to_json", "json_number", "VERDICTS", "FORMAT_VERSION"]

FORMAT_VERSION = 1


def json_number(x):
    """A JSON-safe number: a float, or a string for NaN/inf and for mpf values (30 digits); None stays None."""
    if x is None:
        return None
    if hasattr(x, "_mpf_"):
        import mpmath

        return mpmath.nstr(x, 30)
    x = float(x)
    return x if math.isfinite(x) else repr(x)


def json_vector(values) -> list | None:
    return None if values is None else [json_number(v) for v in values]


@dataclass
class Result:
    """The verdict of one check in one domain, with its evidence."""

    domain: str
    check: str
    verdict: str
    certified_by: str | None = None
    kind: str | None = None
    summary: str | None = None
    counterexample: dict | None = None
    output: list | None = None
    reference: list | None = None
    bound: float | str | None = None
    margin: float | str | None = None
    high_precision: list | None = None
    t_range: list | None = None
    details: dict = field(default_factory=dict)
    repro: str | None = None
    error: dict | None = None
    examples: int = 0
    skipped: int = 0
    duration_s: float = 0.0
    note: str | None = None

    def headline(self) -> str:
        """``"ranking violated: q[1] < q[2] although p[1] > p[2]"``."""
        text = f"{self.check} {self.verdict}"
        return f"{text}: {self.summary}" if self.summary else text

    def describe(self, *, repro: bool = True) -> str:
        """A few lines: headline, counterexample, certification, T range, repro."""
        lines = [f"[{self.domain}] {self.headline()}"]
        ce = self.counterexample
        if ce:
            lines.append(f"    regime: {ce['regime']}  (V = {ce['V']})")
            lines.append(f"    p  = {_short(ce['p'])}")
            temps = ", ".join(f"{key} = {ce[key]!r}" for key in ("T", "T2") if ce.get(key) is not None)
            lines.append(f"    {temps}")
            if ce.get("p2") is not None:
                lines.append(f"    p2 = {_short(ce['p2'])}")
        if self.certified_by:
            lines.append(f"    certified by: {self.certified_by}")
        if self.t_range:
            lines.append(f"    occurs for T in [{self.t_range[0]!r}, {self.t_range[1]!r}]")
        if self.error and self.error.get("traceback"):
            lines.append("    " + self.error["traceback"].rstrip().splitlines()[-1])
        if self.note:
            lines.append(f"    note: {self.note}")
        if repro and self.repro:
            lines.append("    reproduce with:")
            lines.extend("      " + line for line in self.repro.splitlines())
        return "\n".join(lines)


def _short(values, limit: int = 6) -> str:
    shown = ", ".join(repr(v) for v in values[:limit])
    return f"[{shown}{', …' if len(values) > limit else ''}]"


@dataclass
class Report:
    """Conformance report of one operator (see the module docstring)."""

    operator: str
    profile: str
    seed: int
    dtype: str
    domains: list
    results: list
    duration_s: float = 0.0
    calls: int = 0
    timeouts: int = 0
    high_precision: str = ""

    def result(self, check: str, domain: str) -> Result | None:
        return next((r for r in self.results if r.check == check and r.domain == domain), None)

    @property
    def violated(self) -> bool:
        return any(r.verdict == "violated" for r in self.results)

    def failures(self) -> list:
        """Results that are not ``holds``, violations first."""
        return sorted((r for r in self.results if r.verdict != "holds"), key=lambda r: r.verdict != "violated")

    def to_dict(self) -> dict:
        return {
            "format": FORMAT_VERSION,
            "operator": self.operator,
            "profile": self.profile,
            "seed": self.seed,
            "dtype": self.dtype,
            "domains": list(self.domains),
            "duration_s": round(self.duration_s, 3),
            "calls": self.calls,
            "timeouts": self.timeouts,
            "high_precision": self.high_precision,
            "results": [asdict(r) | {"duration_s": round(r.duration_s, 3)} for r in self.results],
        }

    def to_json(self, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, allow_nan=False)

    def table(self, *, details: bool = True, repro: bool = False) -> str:
        """The verdict grid (checks × domains) and, with ``details``, one paragraph per non-``holds`` result."""
        checks = list(dict.fromkeys(r.check for r in self.results))
        width = max(len(c) for c in checks) if checks else 5
        head = (
            f"{self.operator}  (profile {self.profile}, seed {self.seed}, {self.dtype}, "
            f"{self.duration_s:.1f} s, {self.calls} calls)"
        )
        lines = [head, "  " + "check".ljust(width + 2) + "".join(d.ljust(12) for d in self.domains).rstrip()]
        for check in checks:
            cells = []
            for domain in self.domains:
                r = self.result(check, domain)
                cells.append(
                    ("-" if r is None else r.verdict + ("*" if r.note and r.verdict == "holds" else "")).ljust(12)
                )
            lines.append("  " + check.ljust(width + 2) + "".join(cells).rstrip())
        if any(r.note and r.verdict == "holds" for r in self.results):
            lines.append(
                "  * see the note: "
                + "; ".join(
                    f"[{r.domain}] {r.check}: {r.note}" for r in self.results if r.note and r.verdict == "holds"
                )
            )
        if self.high_precision:
            lines.append(f"  high-precision re-execution: {self.high_precision}")
        if details:
            for r in self.failures():
                lines.append("")
                lines.append(r.describe(repro=repro))
        return "\n".join(lines)


def reports_to_json(reports, indent: int | None = 2) -> str:
    """The ``skd check --json`` document: an array with one object per operator."""
    return json.dumps([r.to_dict() for r in reports], indent=indent, allow_nan=False)

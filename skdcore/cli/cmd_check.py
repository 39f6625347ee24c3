"""``skd check``: axiom conformance of softening operators (paper, Section IV).

    skd check [OPERATOR ...] [--domain interior|boundary|both]
              [--profile ci|dev|thorough] [--json PATH|-] [--seed N]

OPERATOR is a built-in name (``skd operators`` lists them) or ``module:attr``
(the module importable from the current directory); default: every built-in.
The verdict table goes to stdout (to stderr when the JSON goes to stdout);
progress goes to stderr, redrawn on a terminal, one line per check otherwise.
Exit status: 0 when nothing is ``violated``, 1 when something is, 2 for a
usage error (unknown operator, import failure).

Hypothesis keeps a cache of constants; unless ``HYPOTHESIS_STORAGE_DIRECTORY``
is set, the command puts it under the user's cache directory
(``$XDG_CACHE_HOME/skdcore/hypothesis``) rather than ``.hypothesis/`` in the
current directory.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

NAME = "check"
HELP = "check softening operators against the paper's Axioms 1-5 (conformance report, exit 1 on a violation)"


def configure(parser) -> None:
    parser.add_argument(
        "operators",
        nargs="*",
        metavar="OPERATOR",
        help="built-in operator name or module:attr (default: every built-in operator)",
    )
    parser.add_argument(
        "--domain",
        choices=("interior", "boundary", "both"),
        default="both",
        help="interior (all p_i > 0), boundary (some p_i = 0) or both (default)",
    )
    parser.add_argument(
        "--profile",
        choices=("ci", "dev", "thorough"),
        default="ci",
        help="search budget: ci (seconds, default), dev, thorough (minutes)",
    )
    parser.add_argument("--json", metavar="PATH", help="also write the report as JSON to PATH ('-' for stdout)")
    parser.add_argument("--seed", type=int, help="seed of the search (default: 0 for ci, random otherwise; printed)")


def _fail(message: str) -> int:
    print(f"skd check: error: {message}", file=sys.stderr)
    return 2


def _cache_directory() -> str:
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return str(Path(base) / "skdcore" / "hypothesis")


def run(args) -> int:
    os.environ.setdefault("HYPOTHESIS_STORAGE_DIRECTORY", _cache_directory())
    from proofs_checks import check_operator
    from proofs_checks.report import reports_to_json
    from skdcore.operators import UnknownOperatorError, builtin_operators, resolve_operator

    names = args.operators or list(builtin_operators())
    resolved = []
    for name in names:
        try:
            resolved.append(resolve_operator(name))
        except UnknownOperatorError as exc:
            return _fail(str(exc))
    table_stream = sys.stderr if args.json == "-" else sys.stdout
    reports = []
    for spec, _ in resolved:
        report = check_operator(spec, domain=args.domain, profile=args.profile, seed=args.seed, progress=True)
        reports.append(report)
        print(report.table(), file=table_stream, end="\n\n", flush=True)
    if args.json:
        document = reports_to_json(reports)
        if args.json == "-":
            print(document)
        else:
            try:
                with open(args.json, "w", encoding="utf-8") as handle:
                    handle.write(document + "\n")
            except OSError as exc:
                return _fail(f"cannot write {args.json}: {exc}")
    return 1 if any(report.violated for report in reports) else 0

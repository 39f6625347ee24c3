"""``skd equiv F G --student SPEC``: are two operators KD-equivalent under a student class?

Runs :func:`proofs_checks.equivalence.check_equivalence` (paper, Definition X.1)
and prints the verdict, the teachers compared per domain and, for ``not
equivalent`` or ``undefined``, the certified counterexample with a snippet
that reproduces it.  Exit status: 0 equivalent, 1 not equivalent or
undefined, 2 usage error (unknown operator or student class, bad T).
"""

from __future__ import annotations

import sys

NAME = "equiv"
HELP = "search for a teacher on which two operators give different students (KD-equivalence, Definition X.1)"


def configure(parser) -> None:
    from ..students import SPEC_FORMS

    parser.add_argument("F", help="first operator: a built-in name (power, mix, entropy) or module:attr")
    parser.add_argument("G", help="second operator, as F")
    parser.add_argument("--student", required=True, metavar="SPEC",
                        help="student class: " + ", ".join(SPEC_FORMS))
    parser.add_argument("--T", type=float, default=2.0, help="temperature of both operators (default 2.0)")
    parser.add_argument("--direction", choices=("reverse", "forward"), default="reverse",
                        help="reverse: argmin KL(S||F_T(p)), the paper's (default); forward: argmin KL(F_T(p)||S)")
    parser.add_argument("--domain", choices=("interior", "boundary", "both"), default="both",
                        help="teachers with all p_i > 0, with zeros, or both (default both)")
    parser.add_argument("--profile", default="ci", help="search budget: ci (default), dev or thorough")
    parser.add_argument("--seed", type=int, default=None, help="search seed (default: the profile's)")
    parser.add_argument("--json", metavar="PATH", default=None, help="also write the result as JSON to PATH ('-' for stdout)")


def run(args) -> int:
    from proofs_checks.equivalence import EQUIVALENT, check_equivalence
    from proofs_checks.profiles import PROFILES

    from ..errors import TemperatureError
    from ..operators import UnknownOperatorError
    from ..students import StudentSpecError

    if args.profile not in PROFILES:
        print(f"skd equiv: unknown profile {args.profile!r}; choose one of {', '.join(PROFILES)}", file=sys.stderr)
        return 2
    try:
        result = check_equivalence(args.F, args.G, args.student, T=args.T, direction=args.direction,
                                   domain=args.domain, profile=args.profile, seed=args.seed)
    except (UnknownOperatorError, StudentSpecError, TemperatureError) as exc:
        print(f"skd equiv: {exc}", file=sys.stderr)
        return 2
    if args.json == "-":
        print(result.to_json())
    else:
        print(result.describe())
        if args.json is not None:
            with open(args.json, "w", encoding="utf-8") as handle:
                handle.write(result.to_json() + "\n")
    return 0 if result.verdict == EQUIVALENT else 1

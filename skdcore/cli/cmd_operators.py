"""``skd operators``: list the built-in operators and evaluate each on a small example."""

from __future__ import annotations

import numpy as np

from ..operators import builtin_operators

NAME = "operators"
HELP = "list the built-in softening operators and evaluate each on a small example"

EXAMPLE_P = np.array([0.5, 0.3, 0.15, 0.05])
EXAMPLE_T = (0.5, 1.0, 2.0, 10.0)


def configure(parser) -> None:
    parser.add_argument("--precision", type=int, default=4, help="digits printed per probability (default 4)")


def run(args) -> int:
    with np.printoptions(precision=args.precision, suppress=True, floatmode="fixed"):
        print(f"example p = {EXAMPLE_P}")
        for spec in builtin_operators().values():
            print(f"\n{spec.name}: {spec.summary}  [{spec.reference}]")
            for T in EXAMPLE_T:
                print(f"  T = {T:<5g} -> {spec.function(EXAMPLE_P, T)}")
    return 0

"""Speed of ``skd check``: one operator, both domains, one profile.

    python benchmarks/check_speed.py [OPERATOR ...] [--profile ci] [--seed 0]

Prints, per operator, the wall time of ``check_operator`` and of each
(domain, check), the number of operator calls, and the baseline measured in
the same run: the time the same number of plain calls of the operator take
(on a fixed 32-entry row), so the ratio is the engine's overhead (search,
bounds, bisection, high-precision certification).  The issue's budget is
60 s for a ``ci`` check of one operator over both domains on the 2-core CI
machine; this script prints, it does not assert.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from proofs_checks import check_operator
from skdcore.operators import builtin_operators, resolve_operator


def baseline_seconds(function, calls: int) -> float:
    """Wall time of ``calls`` direct calls on a 32-entry row at mixed temperatures."""
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(32))
    temperatures = 10.0 ** rng.uniform(-3, 3, size=calls)
    start = time.perf_counter()
    for T in temperatures:
        function(p, float(T))
    return time.perf_counter() - start


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("operators", nargs="*", help="built-in names or module:attr (default: every built-in)")
    parser.add_argument("--profile", default="ci", choices=("ci", "dev", "thorough"))
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    for spec in args.operators or list(builtin_operators()):
        name, function = resolve_operator(spec)
        start = time.perf_counter()
        report = check_operator(spec, domain="both", profile=args.profile, seed=args.seed)
        total = time.perf_counter() - start
        base = baseline_seconds(function, report.calls)
        print(
            f"{name}: {total:.1f} s for profile {args.profile} over both domains "
            f"({report.calls} operator calls; the same number of plain calls: {base:.2f} s, "
            f"engine/plain = {total / base:.1f}x)"
        )
        for r in report.results:
            print(f"    {r.domain:9s} {r.check:14s} {r.verdict:10s} {r.duration_s:6.2f} s  {r.examples} examples")


if __name__ == "__main__":
    main()

"""Condition-aware ulp error of ``skdcore.power`` on the stress set, beside scipy.

Usage: ``python benchmarks/accuracy.py [--write docs/accuracy.md]``

For every stress row (skdcore.reference.stress) and temperature in
[1e-300, 1e300] it compares skdcore.power on each available namespace
(NumPy, array_api_strict, torch when installed; float64 and float32) and the
plain baseline ``scipy.special.softmax(np.log(p) / T)`` against the mpmath
reference, and prints the worst error per regime (markdown).
"""

from __future__ import annotations

import argparse
import platform
import re
import sys
import time
import warnings

import numpy as np
import scipy.special

import skdcore
from skdcore.backend import to_numpy
from skdcore.reference import power_ref
from skdcore.reference.accuracy import condition_aware_ulp_error
from skdcore.reference.stress import STRESS_TEMPERATURES, stress_rows

DPS = 40
MODERATE_T = (1e-3, 1e3)
MODERATE = f"all rows, {MODERATE_T[0]:g} <= T <= {MODERATE_T[1]:g}"


def _namespaces():
    import array_api_strict

    spaces = {"numpy": np.asarray, "array_api_strict": array_api_strict.asarray}
    try:
        import torch

        spaces["torch"] = torch.from_numpy
    except ImportError:
        pass
    return spaces


def _scipy_baseline(p, T):
    with np.errstate(all="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return scipy.special.softmax(np.log(p) / T)


def _regime(label: str) -> str:
    return re.sub(r"-?(1e-\d+|V\d+|\d+(\.\d+)?)(?=$|-)", "", label) or label


def measure():
    """{column: {regime: (worst error, label, T)}} over the stress set."""
    spaces = _namespaces()
    columns = [f"{name} float64" for name in spaces] + ["numpy float32", "scipy softmax(log p / T)"]
    worst = {c: {} for c in columns}

    def record(column, regime, error, label, T):
        if error > worst[column].get(regime, (-1.0,))[0]:
            worst[column][regime] = (error, label, T)
        if MODERATE_T[0] <= T <= MODERATE_T[1] and error > worst[column].get(MODERATE, (-1.0,))[0]:
            worst[column][MODERATE] = (error, label, T)

    for label, p in stress_rows():
        regime = _regime(label)
        p32 = p.astype(np.float32)
        for T in STRESS_TEMPERATURES:
            ref = power_ref(p, T, dps=DPS)
            for name, convert in spaces.items():
                q = to_numpy(skdcore.power(convert(p), T))
                record(f"{name} float64", regime, condition_aware_ulp_error(q, ref, p, T, dps=DPS), label, T)
            if "subnormal" not in label:  # float32 cannot hold these rows' entries
                ref32 = power_ref(p32, T, dps=DPS)
                q32 = skdcore.power(p32, T)
                record("numpy float32", regime, condition_aware_ulp_error(q32, ref32, p32, T, np.float32, dps=DPS), label, T)
            baseline = _scipy_baseline(p, T)
            error = condition_aware_ulp_error(baseline, ref, p, T, dps=DPS) if np.all(np.isfinite(baseline)) else float("inf")
            record("scipy softmax(log p / T)", regime, error, label, T)
    return worst


def render(worst, seconds: float) -> str:
    columns = list(worst)
    regimes = sorted({r for col in worst.values() for r in col} - {MODERATE}) + [MODERATE]
    lines = [
        "| regime | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for regime in regimes:
        cells = []
        for column in columns:
            error, label, T = worst[column].get(regime, (None, "", 0))
            cells.append("n/a" if error is None else f"{error:.3g}" if np.isfinite(error) else "NaN/inf")
        lines.append(f"| {regime} | " + " | ".join(cells) + " |")
    overall = []
    for column in columns:
        error, label, T = max(v for r, v in worst[column].items() if r != MODERATE)
        overall.append(f"**{error:.3g}** ({label}, T={T:g})" if np.isfinite(error) else f"**inf** ({label}, T={T:g})")
    lines.append("| **worst** | " + " | ".join(overall) + " |")
    machine = f"{platform.machine()}, Python {platform.python_version()}, NumPy {np.__version__}, SciPy {scipy.__version__}"
    return "\n".join(lines) + f"\n\nMeasured with `python benchmarks/accuracy.py` on {machine} in {seconds:.0f} s.\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", metavar="PATH", help="replace the generated table in this markdown file")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    table = render(measure(), time.perf_counter() - start)
    print(table)
    if args.write:
        text = open(args.write, encoding="utf-8").read()
        begin, end = "<!-- accuracy-table:begin -->", "<!-- accuracy-table:end -->"
        head, _, rest = text.partition(begin)
        _, _, tail = rest.partition(end)
        open(args.write, "w", encoding="utf-8").write(f"{head}{begin}\n{table}{end}{tail}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

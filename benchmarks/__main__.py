"""Run the CPU benchmarks: ``python -m benchmarks [--quick] [--json PATH] [--only NAMES]`` (or ``skd bench ...``).

Prints markdown tables (medians over repeats, ratios against baselines
measured in the same run) and the verdict on each target of issue 7, and
writes everything, with the machine description and load average, as JSON.
``--quick`` uses small shapes (seconds, for a smoke test); the full run takes
a few minutes on a 2-core machine.  The GPU benchmark is ``python gpu/bench_kernels.py``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

from . import cpu_dispatch, cpu_kl, cpu_power, cpu_projection
from .harness import machine, table

SECTIONS = ("power", "kl", "projection", "dispatch")


def main(argv=None, prog: str = "python -m benchmarks") -> int:
    parser = argparse.ArgumentParser(prog=prog, description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small shapes, a smoke test")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per measurement (median), default 3")
    parser.add_argument("--only", default=",".join(SECTIONS), help=f"comma-separated subset of {', '.join(SECTIONS)}")
    parser.add_argument("--compile-all", action="store_true", help="measure compile time of every kernel family, not only power")
    parser.add_argument("--json", default="benchmark-results.json", metavar="PATH", help="where to write the results")
    args = parser.parse_args(argv)
    sections = [s for s in args.only.split(",") if s]
    unknown = set(sections) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown sections {sorted(unknown)}; choose from {SECTIONS}")

    start = time.perf_counter()
    results = {"quick": args.quick, "repeats": args.repeats}
    verdicts = []

    def report(name, title, module, records):
        results[name] = records
        print(f"## {title}\n\n" + table(*module.rows(records)) + "\n")
        verdicts.extend(module.verdicts(records))

    if "power" in sections:
        report("power", "power(p, T = 0.7)", cpu_power,
               cpu_power.run(cpu_power.QUICK_SHAPES if args.quick else cpu_power.SHAPES, args.repeats))
    if "kl" in sections:
        report("kl", "forward KL value + gradient", cpu_kl,
               cpu_kl.run(cpu_kl.QUICK_SHAPE if args.quick else cpu_kl.SHAPE, args.repeats,
                          chunk=cpu_kl.CHUNK // 4 if args.quick else cpu_kl.CHUNK))
    if "projection" in sections:
        report("projection", "entropy projection vs one power pass", cpu_projection,
               cpu_projection.run(cpu_projection.QUICK_SHAPE if args.quick else cpu_projection.SHAPE, args.repeats))
    if "dispatch" in sections:
        results["threshold"] = cpu_dispatch.threshold()
        print("## dispatch threshold (power, one row)\n\n" + table(*cpu_dispatch.rows_threshold(results["threshold"])) + "\n")
        families = list(cpu_dispatch.FAMILIES) if args.compile_all else ["power"]
        results["compile"] = cpu_dispatch.compile_times(families)
        print("## first-call compile time and cached load (fresh processes)\n\n"
              + table(*cpu_dispatch.rows_compile(results["compile"])) + "\n")

    results["machine"] = machine()
    results["verdicts"] = verdicts
    results["seconds"] = time.perf_counter() - start
    m = results["machine"]
    print("## targets\n\n" + "\n".join(f"- {v}" for v in verdicts) + "\n")
    print(f"{m['cpus']} CPUs ({m['cpu_model']}), {m['memory_gib']} GiB, load average {m['load_average']}, "
          f"Numba {m['numba']} ({m['numba_threads']} threads, {m['numba_threading_layer']}), torch {m['torch']}; "
          f"{results['seconds']:.0f} s")
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump(results, f, indent=1)
    print(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""``skd bench [OPTIONS]``: the CPU benchmarks of a source checkout (``python -m benchmarks``).

The benchmarks time skdcore's fast paths against baselines measured in the
same run (DESIGN.md) and live in the repository's ``benchmarks/`` directory,
which is not installed: this command finds it next to the imported
``skdcore`` package (a clone, or ``pip install -e .``) and passes every
option through (``skd bench --help`` lists them).  Exit status: that of the
benchmarks, 2 when there is no source checkout.
"""

from __future__ import annotations

import importlib
import sys
from pathlib import Path

NAME = "bench"
HELP = "time the fast kernels against same-run baselines (python -m benchmarks of a source checkout)"


PASSTHROUGH = True  # every option goes to the benchmarks' own parser


def configure(parser) -> None:
    parser.epilog = ("Options are those of python -m benchmarks: --quick, --repeats N, "
                     "--only power,kl,projection,dispatch, --compile-all, --json PATH (skd bench -- --help).")


def source_checkout() -> Path | None:
    """The repository root holding ``benchmarks/`` next to the imported skdcore, if any."""
    import skdcore

    root = Path(skdcore.__file__).resolve().parents[1]
    return root if (root / "benchmarks" / "__main__.py").is_file() else None


def run(args) -> int:
    root = source_checkout()
    if root is None:
        print("skd bench: the benchmarks are not installed with the package; run it from a clone "
              "(git clone ... && pip install -e .), or there `python -m benchmarks`", file=sys.stderr)
        return 2
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    benchmarks = importlib.import_module("benchmarks.__main__")
    options = [o for o in args.options if o != "--"]
    try:
        return int(benchmarks.main(options, prog="skd bench"))
    except SystemExit as exc:  # argparse inside the benchmarks: --help (0) or a usage error (2)
        return int(exc.code or 0)

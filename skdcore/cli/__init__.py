"""The ``skd`` command line.

Each subcommand lives in its own module ``skdcore.cli.cmd_<name>`` exposing
``NAME``, ``HELP``, ``configure(parser)`` and ``run(args) -> int`` (and
``PASSTHROUGH = True`` to receive unparsed options as ``args.options``); they are
discovered here, so adding a command touches no other file.  Exit status:
0 success, 1 a finding (e.g. an axiom violated), 2 usage error.
"""

from __future__ import annotations

import argparse
import importlib
import pkgutil
import sys

__all__ = ["main", "build_parser"]


def _command_modules():
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name.startswith("cmd_"):
            yield importlib.import_module(f"{__name__}.{info.name}")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="skd",
        description="skdcore: probability-domain softening operators, KD losses and axiom conformance checks.",
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND")
    for module in _command_modules():
        sub = subparsers.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.configure(sub)
        sub.set_defaults(run=module.run, passthrough=getattr(module, "PASSTHROUGH", False))
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of the ``skd`` console script; returns the exit status."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if getattr(args, "run", None) is None:
        parser.print_help(sys.stderr)
        return 2
    if extra and not args.passthrough:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    args.options = extra
    return int(args.run(args))

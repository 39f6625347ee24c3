"""The KD-equivalence table of ``docs/equivalence.md``: operator pairs × student classes, generated.

    python -m proofs_checks.equivalence_table            # rewrite the table in docs/equivalence.md
    python -m proofs_checks.equivalence_table --check    # exit 1 if the docs table is out of date

Operators: the three built-ins and two schedule variants, named here so that
``skd equiv`` and reproduction snippets can import them
(``proofs_checks.equivalence_table:mix_exponential``):

* :data:`mix_exponential` -- convex mixing with α(T) = exp(1 - T);
* :data:`entropy_power` -- the entropy projection with h(T) = H(power(p, T)),
  which reproduces the power transform (a second implementation of the same
  map: Theorem X.2 says it is equivalent to ``power`` under every class).

Each cell is :func:`proofs_checks.equivalence.check_equivalence` at T = 2
over both domains; the verdicts are checked against what the derivations in
``docs/equivalence.md`` prove by ``tests/test_equivalence_table.py``.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from functools import partial
from pathlib import Path

from skdcore.operators import entropy_projection, mix

from .docs import write_or_check
from .equivalence import (
    EQUIVALENT,
    NOT_EQUIVALENT,
    EquivalenceResult,
    check_equivalence,
)

__all__ = ["mix_exponential", "entropy_power", "OPERATORS", "STUDENTS", "TEMPERATURE", "table_cells", "render", "main"]

mix_exponential = partial(mix, alpha="exponential")
entropy_power = partial(entropy_projection, schedule="power")

OPERATORS = {
    "power": "power",
    "mix": "mix",
    "entropy": "entropy",
    "mix_exponential": f"{__name__}:mix_exponential",
    "entropy_power": f"{__name__}:entropy_power",
}
STUDENTS = ("simplex", "hard", "topk:2", "support:0,1", "loglinear:d=2,seed=0", "entropy:h=0.5")
DIRECTIONS = ("reverse", "forward")
TEMPERATURE = 2.0
DOCS = Path(__file__).resolve().parent.parent / "docs" / "equivalence.md"
BEGIN, END = "<!-- BEGIN GENERATED TABLE (python -m proofs_checks.equivalence_table) -->", "<!-- END GENERATED TABLE -->"


def pairs() -> list[tuple[str, str]]:
    return list(itertools.combinations(OPERATORS, 2))


def table_cells(profile="ci", seed: int = 0, directions=DIRECTIONS, students=STUDENTS, operator_pairs=None):
    """Yield ((direction, student, F, G), result) for every cell of the table."""
    for direction in directions:
        for student in students:
            for F, G in operator_pairs or pairs():
                result = check_equivalence(OPERATORS[F], OPERATORS[G], student, T=TEMPERATURE, direction=direction,
                                           profile=profile, seed=seed)
                yield (direction, student, F, G), result


def _cell(result: EquivalenceResult, label: str | None) -> str:
    if result.verdict == EQUIVALENT:
        skipped = sum(n for info in result.domains.values() for n in info["skipped"].values())
        return f"≡ ({result.teachers}" + (f"; {skipped} skipped)" if skipped else ")")
    failing = [d for d, info in result.domains.items() if info["verdict"] != EQUIVALENT]
    where = "both" if len(failing) == len(result.domains) > 1 else ", ".join(failing)
    symbol = "≢" if result.verdict == NOT_EQUIVALENT else "undefined"
    return f"{symbol} [{label}] ({where})"


def _certificate_row(label: str, key, result: EquivalenceResult) -> str:
    _, student, F, G = key
    ce = result.counterexample
    p = ", ".join(f"{x:.6g}" for x in ce["p"])
    summary = ce["difference"]["summary"] if "difference" in ce else ce["summary"]
    how = "mp " + "/".join(str(r["dps"]) for r in ce["high_precision"]) + " digits" if ce.get("high_precision") else "float bound"
    return f"| {label} | {F} vs {G} | `{student}` | ({p}) {ce['regime']} | {summary} | {how} |"


def render(cells) -> str:
    """The markdown of the generated section: per direction, the verdict grid and its certificates."""
    cells = list(cells)
    first = cells[0][1]
    legend = (f"T = {TEMPERATURE}, profile `{first.profile}`, seed {first.seed}. ≡ (n): no counterexample among n "
              "teachers compared (both domains; skipped: teachers whose log-linear argmin is not attained). "
              "≢ [label] (domains): a certified counterexample in those domains, listed below the grid (teacher "
              "rounded to 6 digits here; exact hex floats via `skd equiv --json`).")
    lines = [BEGIN, "", legend, ""]
    for direction in dict.fromkeys(key[0] for key, _ in cells):
        rows = [(key, result) for key, result in cells if key[0] == direction]
        students = list(dict.fromkeys(key[1] for key, _ in rows))
        target = "S ‖ F_T(p)" if direction == "reverse" else "F_T(p) ‖ S"
        lines += [f"### {direction.capitalize()}: argmin_S KL({target})", "",
                  "| F vs G | " + " | ".join(f"`{s}`" for s in students) + " |", "|---|" + "---|" * len(students)]
        certificates = []
        for F, G in dict.fromkeys((key[2], key[3]) for key, _ in rows):
            entries = []
            for student in students:
                key, result = next((k, r) for k, r in rows if k[1] == student and (k[2], k[3]) == (F, G))
                label = None
                if result.verdict != EQUIVALENT:
                    label = f"{direction[0].upper()}{len(certificates) + 1}"
                    certificates.append(_certificate_row(label, key, result))
                entries.append(_cell(result, label))
            lines.append(f"| {F} vs {G} | " + " | ".join(entries) + " |")
        lines += ["", "| | pair | class | teacher p | difference of the argmin sets | certified |", "|---|---|---|---|---|---|",
                  *certificates, ""]
    lines.append(END)
    return "\n".join(lines)


def _replace(text: str, generated: str) -> str:
    if BEGIN not in text or END not in text:
        raise ValueError(f"{DOCS} lacks the markers {BEGIN!r} and {END!r}")
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    return head + generated + tail


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m proofs_checks.equivalence_table", description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="ci", help="search budget per cell (default ci)")
    parser.add_argument("--seed", type=int, default=0, help="search seed (default 0)")
    parser.add_argument("--check", action="store_true", help="exit 1 if docs/equivalence.md differs from a fresh run")
    parser.add_argument("--docs", type=Path, default=DOCS, help=f"the page to update (default {DOCS})")
    args = parser.parse_args(argv)
    cells = []
    for key, result in table_cells(args.profile, args.seed):
        cells.append((key, result))
        print(f"{' '.join(key)}: {result.verdict} ({result.duration_s:.1f} s)", file=sys.stderr)
    updated = _replace(args.docs.read_text(encoding="utf-8"), render(cells))
    return write_or_check(args.docs, updated, check=args.check, command="python -m proofs_checks.equivalence_table")


if __name__ == "__main__":
    sys.exit(main())

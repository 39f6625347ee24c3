"""Every cell of the generated table in docs/equivalence.md against what the derivations prove.

``predicted_verdict`` encodes the proofs (docs/equivalence.md):

* ``power`` and ``entropy_power`` are one map (the power schedule makes the
  entropy projection return the power transform), so they are equivalent under
  every class and direction (Theorem X.2 and its trivial direction);
* hard labels, reverse: the projection is the argmax set; every operator of the
  table keeps the teacher's argmax set except ``entropy`` on teachers with zeros
  (uniform on the support once h(2) >= log|supp p|): equivalent on the interior,
  not on the boundary for pairs involving ``entropy``;
* hard labels, forward: {e_j} for one-hot targets, everything otherwise; power,
  entropy and entropy_power keep one-hot teachers one-hot, the two mixes never
  output one: equivalent within each group, not across (boundary only);
* every other pair and class: the targets of generic interior teachers differ
  (two distinct maps), and so do their projections -- not equivalent, with an
  interior counterexample (for the forward sparse classes, whose projection is
  the target only when it has at most 2 tokens, one with V = 2).
"""

from __future__ import annotations

import dataclasses
import re

import pytest

from proofs_checks.equivalence import EQUIVALENT, NOT_EQUIVALENT, check_equivalence
from proofs_checks.equivalence_table import (
    BEGIN,
    DOCS,
    END,
    OPERATORS,
    STUDENTS,
    TEMPERATURE,
    pairs,
    render,
)
from proofs_checks.profiles import PROFILES

KEEP_ONE_HOT = {"power", "entropy", "entropy_power"}
CELLS = [(d, s, F, G) for d in ("reverse", "forward") for s in STUDENTS for F, G in pairs()]


def predicted_domains(direction: str, student: str, F: str, G: str) -> dict[str, str]:
    """The proven verdict per domain (a domain left out is not claimed)."""
    if {F, G} == {"power", "entropy_power"}:
        return {"interior": EQUIVALENT, "boundary": EQUIVALENT}
    if student == "hard":
        if direction == "reverse":
            breaks = "entropy" in (F, G)
        else:
            breaks = (F in KEEP_ONE_HOT) != (G in KEEP_ONE_HOT)
        return {"interior": EQUIVALENT, "boundary": NOT_EQUIVALENT if breaks else EQUIVALENT}
    return {"interior": NOT_EQUIVALENT}


def predicted_verdict(direction: str, student: str, F: str, G: str) -> str:
    return NOT_EQUIVALENT if NOT_EQUIVALENT in predicted_domains(direction, student, F, G).values() else EQUIVALENT


def generated_cells() -> dict[tuple, str]:
    """(direction, student, F, G) -> the cell text of the generated grids."""
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index(BEGIN):text.index(END)]
    cells, direction, columns = {}, None, []
    for line in section.splitlines():
        heading = re.match(r"### (Reverse|Forward)", line)
        if heading:
            direction = heading.group(1).lower()
        elif line.startswith("| F vs G |"):
            columns = re.findall(r"`([^`]+)`", line)
        elif direction and re.match(r"\| \w+ vs \w+ \|", line):
            entries = [e.strip() for e in line.strip("|").split("|")]
            F, G = entries[0].split(" vs ")
            cells.update({(direction, student, F, G): entry for student, entry in zip(columns, entries[1:])})
    return cells


def test_every_generated_cell_is_the_proven_verdict():
    cells = generated_cells()
    assert set(cells) == set(CELLS)
    text = DOCS.read_text(encoding="utf-8")
    for key, entry in cells.items():
        expected = predicted_verdict(*key)
        assert entry.startswith("≡" if expected == EQUIVALENT else "≢"), (key, entry)
        if expected == NOT_EQUIVALENT:
            label = re.search(r"\[(\w+)\]", entry).group(1)
            assert re.search(rf"^\| {label} \| {key[2]} vs {key[3]} \| `{re.escape(key[1])}` \|", text, re.MULTILINE), key
        claimed = predicted_domains(*key)
        if "boundary" in claimed and expected == NOT_EQUIVALENT:  # the hard-label cells name the failing domain
            assert entry.endswith("(boundary)"), (key, entry)


QUICK = dataclasses.replace(PROFILES["ci"], examples=4, max_size=8, shrink_calls=10)  # verdicts, not minimal teachers
# Forward sparse projections are the target itself only for targets on at most 2 tokens (else
# ``everything`` for every operator): the proof puts the interior counterexamples at V = 2.
TWO_TOKENS = dataclasses.replace(QUICK, max_size=2)


@pytest.mark.parametrize("direction", ["reverse", "forward"])
def test_engine_reproduces_every_cell(direction):
    """The engine, at a small budget, reaches each proven per-domain verdict."""
    for key in (k for k in CELLS if k[0] == direction):
        _, student, F, G = key
        claimed = predicted_domains(*key)
        domain = "interior" if list(claimed) == ["interior"] else "both"
        sparse_forward = direction == "forward" and student in ("topk:2", "support:0,1")
        result = check_equivalence(OPERATORS[F], OPERATORS[G], student, T=TEMPERATURE, direction=direction,
                                   domain=domain, profile=TWO_TOKENS if sparse_forward else QUICK)
        assert {d: result.domains[d]["verdict"] for d in claimed} == claimed, (key, result.describe(repro=False))


def test_render_labels_certificates_per_direction():
    result = check_equivalence("power", "mix", "hard", direction="forward", profile=QUICK)
    text = render([(("forward", "hard", "power", "mix"), result)])
    assert "≢ [F1] (boundary)" in text and "| F1 | power vs mix | `hard` |" in text and "mp 51/101 digits" in text

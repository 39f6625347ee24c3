"""Every ```python example in docs/losses.md and docs/partial-access.md runs."""

from __future__ import annotations

import pathlib
import re

import pytest

DOCS = pathlib.Path(__file__).resolve().parents[1] / "docs"
PAGES = ["losses.md", "partial-access.md"]


def _examples():
    for page in PAGES:
        blocks = re.findall(r"```python\n(.*?)```", (DOCS / page).read_text(), flags=re.S)
        for n, code in enumerate(blocks):
            yield pytest.param(code, id=f"{page}-{n}")


@pytest.mark.parametrize("code", list(_examples()))
def test_documented_example_runs(code, capsys):
    exec(compile(code, "<docs example>", "exec"), {})

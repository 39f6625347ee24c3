"""``skd check``: operators by name or module:attr, JSON, exit status 0/1/2."""

from __future__ import annotations

import json

import pytest

import skdcore.operators
from skdcore.cli import main

OPERATORS = """
from skdcore import power


def sharpen(p, T):
    return power(p, 1.0 / T)


def soften(p, T):
    return power(p, T)
"""


@pytest.fixture(autouse=True)
def _hypothesis_storage(tmp_path, monkeypatch):
    """The command sets HYPOTHESIS_STORAGE_DIRECTORY when unset; keep that out of this process."""
    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", str(tmp_path / "hypothesis"))


@pytest.fixture
def workdir(tmp_path, monkeypatch, request):
    """A directory holding an operator module, as the current directory."""
    module = f"cli_ops_{request.node.name.removeprefix('test_')}"
    (tmp_path / f"{module}.py").write_text(OPERATORS)
    monkeypatch.chdir(tmp_path)
    return module


def test_unknown_operator_is_a_usage_error(capsys):
    assert main(["check", "no_such_operator"]) == 2
    assert "unknown operator 'no_such_operator'" in capsys.readouterr().err


def test_import_failure_is_a_usage_error(tmp_path, monkeypatch, capsys):
    (tmp_path / "broken_ops.py").write_text("raise ImportError('missing dependency xyz')\n")
    monkeypatch.chdir(tmp_path)
    assert main(["check", "broken_ops:op"]) == 2
    err = capsys.readouterr().err
    assert "cannot import module 'broken_ops'" in err and "missing dependency xyz" in err


def test_bad_option_is_a_usage_error():
    with pytest.raises(SystemExit) as info:
        main(["check", "--domain", "edge"])
    assert info.value.code == 2


def test_a_violation_exits_1_with_json_on_stdout(workdir, capsys):
    assert main(["check", f"{workdir}:sharpen", "--domain", "interior", "--json", "-"]) == 1
    captured = capsys.readouterr()
    document = json.loads(captured.out)
    assert [entry["operator"] for entry in document] == [f"{workdir}:sharpen"]
    verdicts = {r["check"]: r["verdict"] for r in document[0]["results"]}
    assert verdicts["entropy"] == "violated" and set(verdicts.values()) <= {"holds", "violated", "numerical"}
    assert "entropy        violated" in captured.err  # the table goes to stderr when JSON takes stdout
    assert "[7/7]" in captured.err  # plain progress lines when stderr is not a terminal


def test_conforming_operator_exits_0_and_writes_json_file(workdir, tmp_path, capsys):
    assert main(["check", f"{workdir}:soften", "--domain", "interior", "--json", "report.json", "--seed", "11"]) == 0
    document = json.loads((tmp_path / "report.json").read_text())
    assert document[0]["seed"] == 11 and document[0]["domains"] == ["interior"]
    assert capsys.readouterr().out.startswith(f"{workdir}:soften  (profile ci, seed 11")


def test_default_is_every_builtin_operator(monkeypatch, capsys):
    builtins = skdcore.operators.builtin_operators()
    monkeypatch.setattr(skdcore.operators, "builtin_operators", lambda: {"mix": builtins["mix"]})
    assert main(["check", "--domain", "interior", "--json", "-"]) == 1  # mix leaves the simplex for T < 1
    document = json.loads(capsys.readouterr().out)
    assert [entry["operator"] for entry in document] == ["mix"]

"""``skd bench``: the benchmarks of the source checkout, options passed through."""

from __future__ import annotations

import json

import pytest

from skdcore.cli import main
from skdcore.cli import cmd_bench


def test_runs_the_checkout_benchmarks_with_their_options(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert main(["bench", "--quick", "--only", "power", "--repeats", "1", "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "## power" in printed and "numpy/skd" in printed
    results = json.loads(out.read_text())
    assert results["quick"] and results["power"] and "load_average" in results["machine"]


def test_usage_errors_exit_2(capsys):
    assert main(["bench", "--only", "nonsense"]) == 2
    assert "unknown sections" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:  # other commands still reject unknown options (argparse)
        main(["check", "--no-such-option"])
    assert exit_info.value.code == 2


def test_without_a_source_checkout_it_says_so(monkeypatch, capsys):
    monkeypatch.setattr(cmd_bench, "source_checkout", lambda: None)
    assert main(["bench", "--quick"]) == 2
    assert "not installed" in capsys.readouterr().err

"""``skd equiv F G --student SPEC``: output, JSON and exit status (0 equivalent, 1 not, 2 usage)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from skdcore.cli import main

ENTROPY_POWER = "proofs_checks.equivalence_table:entropy_power"


def test_not_equivalent_prints_the_certificate_and_exits_1(capsys):
    assert main(["equiv", "power", "mix", "--student", "topk:2"]) == 1
    out = capsys.readouterr().out
    assert "power vs mix at T = 2.0 under the reverse KL projection onto topk:2: NOT EQUIVALENT" in out
    assert "certified by: re-executed in skdcore.mp" in out and "reproduce with:" in out


def test_equivalent_exits_0(capsys):
    assert main(["equiv", "power", ENTROPY_POWER, "--student", "hard", "--T", "3.0", "--domain", "interior"]) == 0
    out = capsys.readouterr().out
    assert "EQUIVALENT" in out and "NOT" not in out and "43 teachers compared" in out


def test_json_to_stdout_is_the_result_alone(capsys):
    assert main(["equiv", "power", "mix", "--student", "hard", "--direction", "forward", "--json", "-"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert data["verdict"] == "not equivalent" and data["direction"] == "forward"
    assert data["counterexample"]["argmin_G"]["kind"] == "everything"


def test_json_to_a_file_keeps_the_readable_output(tmp_path, capsys):
    path = tmp_path / "equiv.json"
    assert main(["equiv", "power", "mix", "--student", "simplex", "--json", str(path)]) == 1
    assert "NOT EQUIVALENT" in capsys.readouterr().out
    assert json.loads(path.read_text())["student"] == "simplex"


def test_off_simplex_targets_are_reported_as_undefined(capsys):
    assert main(["equiv", "power", "mix", "--student", "hard", "--T", "0.5", "--domain", "boundary"]) == 1
    assert "UNDEFINED" in capsys.readouterr().out


@pytest.mark.parametrize("argv, message", [
    (["power", "nosuch", "--student", "hard"], "unknown operator 'nosuch'"),
    (["power", "mix", "--student", "topk:x"], "accepted forms"),
    (["power", "mix", "--student", "hard", "--T", "0"], "positive finite"),
    (["power", "mix", "--student", "hard", "--profile", "huge"], "unknown profile"),
])
def test_usage_errors_exit_2_with_a_message(argv, message, capsys):
    assert main(["equiv", *argv]) == 2
    assert message in capsys.readouterr().err


def test_missing_student_is_an_argparse_usage_error(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["equiv", "power", "mix"])
    assert exit_info.value.code == 2 and "--student" in capsys.readouterr().err


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "skdcore.cli", "equiv", "power", "mix", "--student", "simplex"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 1 and "NOT EQUIVALENT" in result.stdout

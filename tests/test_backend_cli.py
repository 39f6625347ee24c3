"""Namespace dispatch and the ``skd operators`` command."""

from __future__ import annotations

import subprocess
import sys

import array_api_strict
import numpy as np
import pytest

import skdcore
from skdcore.backend import array_namespace, to_numpy
from skdcore.cli import main
from skdcore.operators import UnknownOperatorError, builtin_operators, resolve_operator


def test_numpy_and_strict_namespaces():
    assert array_namespace(np.ones(2)).__name__.endswith("numpy")
    assert array_namespace(array_api_strict.ones(2)) is array_api_strict


def test_operators_return_the_input_namespace(xp):
    p = xp.asarray(np.array([0.6, 0.4]))
    for spec in builtin_operators().values():
        q = spec.function(p, 2.0)
        assert type(q) is type(p) and q.dtype == p.dtype and q.shape == p.shape
        np.testing.assert_allclose(to_numpy(q).sum(), 1.0, rtol=0, atol=4e-16)


def test_skd_operators_lists_and_evaluates_each_builtin(capsys):
    assert main(["operators"]) == 0
    out = capsys.readouterr().out
    for name in builtin_operators():
        assert f"\n{name}:" in out


def test_skd_without_command_is_a_usage_error(capsys):
    assert main([]) == 2


def test_console_script_runs():
    result = subprocess.run([sys.executable, "-m", "skdcore.cli", "operators"], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "power" in result.stdout


def test_resolve_builtin_and_module_attr(tmp_path, monkeypatch):
    assert resolve_operator("power") == ("power", skdcore.power)
    (tmp_path / "my_ops.py").write_text("def sharpen(p, T):\n    return p\n")
    monkeypatch.chdir(tmp_path)
    name, op = resolve_operator("my_ops:sharpen")
    assert name == "my_ops:sharpen" and op.__name__ == "sharpen"


@pytest.mark.parametrize("spec,message", [("nope", "unknown operator"), ("no_such_module_xyz:f", "cannot import"), ("math:nothing", "no attribute"), ("math:pi", "not callable")])
def test_resolve_errors(spec, message):
    with pytest.raises(UnknownOperatorError, match=message):
        resolve_operator(spec)

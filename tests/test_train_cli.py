"""``skd distill`` on a reduced configuration, its failure modes, and the GPU runner's clean skip."""

from __future__ import annotations

import functools
import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from skdcore.cli import main
from skdcore.train import DATASETS, gaussian_mixture

REPO = Path(__file__).resolve().parents[1]
REDUCED = [
    "distill",
    "--data",
    "synthetic",
    "--stages",
    "1,2",
    "--seeds",
    "2",
    "--teacher-epochs",
    "1",
    "--student-epochs",
    "1",
    "--finetune-steps",
    "4",
]


@pytest.fixture
def small_synthetic(monkeypatch):
    """The CLI's synthetic data set, shrunk so that the reduced run takes a second."""
    monkeypatch.setitem(
        DATASETS, "synthetic", functools.partial(gaussian_mixture, n_classes=6, dim=5, n_train=200, n_test=80)
    )


def test_distill_writes_json_and_figures(tmp_path, capsys, small_synthetic):
    pytest.importorskip("matplotlib")
    assert main([*REDUCED, "--out", str(tmp_path), "--schedule", "cubic", "--scope", "layer"]) == 0
    out, err = capsys.readouterr()
    assert "100.0%" in err and "steps" in err  # the progress bar, on stderr
    assert "IX.1 kd_loss" in out and "VII.1" in out
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["config"]["schedule"] == "cubic" and results["config"]["scope"] == "layer"
    assert results["environment"]["cpu_count"] >= 1
    for name in ("stage_tradeoff.png", "stage_deviations.png", "bias_variance.png"):
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.mark.parametrize(
    "module, package, data", [("matplotlib", "matplotlib", "synthetic"), ("sklearn", "scikit-learn", "digits")]
)
def test_missing_dependency_exits_2(monkeypatch, capsys, tmp_path, module, package, data):
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` raise ImportError
    assert main(["distill", "--data", data, "--out", str(tmp_path)]) == 2
    assert f"pip install {package}" in capsys.readouterr().err


@pytest.mark.parametrize(
    "args, message",
    [
        (["--operator", "no_such_op"], "unknown operator"),
        (["--stages", "1,x"], "comma-separated"),
        (["--sparsity", "1.5"], "sparsity"),
        (["--seeds", "1"], "2 seeds"),
    ],
)
def test_bad_arguments_exit_2(tmp_path, capsys, small_synthetic, args, message):
    pytest.importorskip("matplotlib")
    assert main([*REDUCED, *args, "--out", str(tmp_path)]) == 2
    assert message in capsys.readouterr().err


def test_gpu_device_without_cupy_exits_2(tmp_path, capsys, small_synthetic):
    pytest.importorskip("matplotlib")
    if importlib.util.find_spec("cupy") is not None:
        pytest.skip("CuPy is installed")
    assert main([*REDUCED, "--device", "gpu", "--out", str(tmp_path)]) == 2
    assert "CuPy" in capsys.readouterr().err


def _runner():
    spec = importlib.util.spec_from_file_location("train_runner", REPO / "gpu" / "train_runner.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gpu_runner_skips_cleanly_without_a_gpu():
    if _runner().cuda_unavailable() is None:
        pytest.skip("a GPU is present; the runner would run for real")
    done = subprocess.run(
        [sys.executable, str(REPO / "gpu" / "train_runner.py"), "--quick"], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0 and done.stdout.startswith("skipped:")


def test_gpu_runner_step_timer_runs_on_numpy():
    from skdcore.train import device_namespace

    runner = _runner()
    problem = dict(n_classes=4, dim=3, n_train=64, n_test=8, separation=1.0, seed=0)
    seconds = runner.seconds_per_step(device_namespace("cpu"), "float32", 2, problem=problem, hidden=(8,), batch=16)
    assert np.isfinite(seconds) and seconds > 0

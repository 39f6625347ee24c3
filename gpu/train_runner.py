"""CPU (NumPy) vs GPU (CuPy) step time of the distillation training loop, and a GPU run of the experiment.

    python gpu/train_runner.py [--out DIR] [--steps 30] [--quick]

1. Step time: the same mini-batch Adam steps of :func:`skdcore.train.train`
   (student MLP forward, KD loss and gradient from :mod:`skdcore.losses`,
   backward, Adam) on a synthetic Gaussian mixture large enough for the GPU
   to matter (100 classes, 256 features, hidden 1024 × 1024, batch 2048), in
   float32 and float64, on NumPy and on CuPy in the same process; each timing
   follows a warm-up and ends with a device synchronisation.
2. The experiment of ``skd distill --data synthetic --device gpu`` (float32,
   wider networks), with its wall time.

Writes ``train_runner.json`` into ``--out`` and prints a table.  Exits 0 with
a "skipped" line when CuPy or a CUDA device is missing, so it is safe to run
anywhere.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from skdcore.losses import forward_kl
from skdcore.train import MLP, DistillConfig, device_namespace, gaussian_mixture, run_distillation, train
from skdcore.train.data import one_hot

STEP_PROBLEM = dict(n_classes=100, dim=256, n_train=20000, n_test=1000, separation=0.4, seed=0)
HIDDEN, BATCH = (1024, 1024), 2048


def cuda_unavailable() -> str | None:
    """None when CuPy sees a CUDA device, else the reason."""
    try:
        device_namespace("gpu")
    except RuntimeError as exc:
        return str(exc)
    return None


def seconds_per_step(
    xp, dtype_name: str, steps: int, problem: dict = STEP_PROBLEM, hidden=HIDDEN, batch: int = BATCH
) -> float:
    """Mean wall time of ``steps`` training steps (KD loss against the one-hot
    labels) after a warm-up of 3, synchronised."""
    data = gaussian_mixture(**problem)
    dtype = getattr(xp, dtype_name)
    x = xp.asarray(data.x_train, dtype=dtype)
    target = xp.asarray(one_hot(data.y_train, data.n_classes), dtype=dtype)
    model = MLP((data.n_features, *hidden, data.n_classes))
    rng = np.random.default_rng(0)
    params = model.init(rng, xp, dtype)
    options = dict(batch_size=batch, lr=1e-3, rng=rng)
    params = train(model, params, x, target, forward_kl, steps=3, **options)
    float(xp.sum(params[0]))  # synchronise
    start = time.perf_counter()
    params = train(model, params, x, target, forward_kl, steps=steps, **options)
    float(xp.sum(params[0]))
    return (time.perf_counter() - start) / steps


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="gpu-results", help="output directory (default ./gpu-results)")
    parser.add_argument("--steps", type=int, default=30, help="timed steps per configuration (default 30)")
    parser.add_argument("--quick", action="store_true", help="time float32 only and run a reduced experiment")
    args = parser.parse_args(argv)
    reason = cuda_unavailable()
    if reason is not None:
        print(f"skipped: {reason}")
        return 0
    import cupy

    results = {
        "device": cupy.cuda.runtime.getDeviceProperties(0)["name"].decode(),
        "problem": STEP_PROBLEM,
        "hidden": HIDDEN,
        "batch": BATCH,
        "step_time": {},
    }
    for dtype_name in ("float32",) if args.quick else ("float32", "float64"):
        cpu = seconds_per_step(device_namespace("cpu"), dtype_name, args.steps)
        gpu = seconds_per_step(device_namespace("gpu"), dtype_name, args.steps)
        results["step_time"][dtype_name] = {"cpu_s": cpu, "gpu_s": gpu, "speedup": cpu / gpu}
        print(f"{dtype_name}: CPU {cpu * 1e3:8.2f} ms/step   GPU {gpu * 1e3:8.2f} ms/step   speed-up {cpu / gpu:6.1f}x")

    config = DistillConfig(
        data="synthetic",
        device="gpu",
        dtype="float32",
        seeds=2 if args.quick else 5,
        stages=(1, 4) if args.quick else (1, 2, 4, 8, 16),
        teacher_hidden=(512, 512),
        student_hidden=(512, 512),
        batch_size=512,
        teacher_epochs=5 if args.quick else 20,
        student_epochs=5 if args.quick else 20,
        data_options=dict(n_classes=100, dim=64, n_train=40000, n_test=4000, separation=0.5),
    )
    start = time.perf_counter()
    experiment = run_distillation(config)
    results["experiment"] = {
        "wall_s": time.perf_counter() - start,
        "steps": experiment["timing"]["steps"],
        "theorem_IX_1": experiment["theorem_IX_1"],
        "theorem_VIII_3": experiment["theorem_VIII_3"],
        "theorem_VII_3": experiment["theorem_VII_3"],
    }
    print(f"GPU experiment: {experiment['timing']['steps']} steps in {results['experiment']['wall_s']:.1f}s")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "train_runner.json").write_text(json.dumps(results, indent=1, allow_nan=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())

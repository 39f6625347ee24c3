"""Multi-stage magnitude pruning with distillation, measured (paper, Sections VII-IX).

For seeds k = 0..K-1 and every n in ``stages``:

1. teacher T_k: an MLP trained on the one-hot labels with the cross-entropy
   of :mod:`skdcore.losses`.  The reference teacher T_0 is exposed only as
   probabilities p = softmax(z_T); the distillation targets are
   q = F_T(p̃) (:mod:`.kd`);
2. dense student S_k: trained on q with the chosen KD loss;
3. for each n, starting from S_k: n stages, stage j pruning by magnitude to
   ρ_j (:mod:`.pruning`) and fine-tuning with the masks held, deviations
   measured on a fixed probe set (:mod:`.measurements`).

Randomness comes from NumPy Generators seeded by (k, role[, n]), so the runs
for different n of one seed share their teacher and dense start; on NumPy a
configuration reproduces bit for bit.  The arrays live in the namespace of
``device`` (NumPy or CuPy) or a namespace passed in.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

import array_api_compat.numpy as compat_numpy
import numpy as np

from ..backend import array_namespace, to_numpy
from ..information import entropy
from ..operators import from_logits
from ..validation import check_temperature
from . import measurements
from .data import DATASETS, Dataset, one_hot
from .kd import loss_and_gradient, loss_value, resolve_loss, soft_targets
from .mlp import MLP
from .optim import Adam
from .pruning import apply_masks, magnitude_masks, mask_sparsity, sparsity_schedule

__all__ = [
    "DistillConfig",
    "device_namespace",
    "train",
    "probabilities",
    "prune_and_distil",
    "run_distillation",
    "planned_steps",
]

TEACHER, STUDENT, PRUNE = 0, 1, 2  # seed roles
BUDGETS = ("total", "per_stage")


@dataclass(frozen=True)
class DistillConfig:
    """Everything that determines a run.

    ``finetune_steps`` is the fine-tuning budget of each stage
    (``budget="per_stage"``, Theorem IX.1's premise: every stage is
    fine-tuned alike, reaching some ε_tune) or of a whole n-stage run
    (``budget="total"``, split evenly over the stages: compute-matched).
    """

    data: str = "digits"
    operator: str = "power"
    temperature: float = 2.0
    loss: str = "kl"
    stages: tuple[int, ...] = (1, 2, 4, 8, 16)
    sparsity: float = 0.9
    schedule: str = "equal"
    scope: str = "global"
    budget: str = "per_stage"
    seeds: int = 5
    teacher_hidden: tuple[int, ...] = (128, 128)
    student_hidden: tuple[int, ...] = (128, 128)
    activation: str = "relu"
    batch_size: int = 128
    lr: float = 3e-3
    teacher_epochs: int = 20
    student_epochs: int = 20
    finetune_steps: int = 64
    topk: int | None = None
    completion: str = "max_entropy"
    probe_size: int = 256
    device: str = "cpu"
    dtype: str = "float64"
    data_options: dict = field(default_factory=dict)

    def __post_init__(self):
        if self.data not in DATASETS:
            raise ValueError(f"unknown data set {self.data!r}; choose one of {sorted(DATASETS)}")
        if self.budget not in BUDGETS:
            raise ValueError(f"unknown budget {self.budget!r}; choose one of {BUDGETS}")
        if self.seeds < 2:
            raise ValueError("the bias-variance measurements need at least 2 seeds")
        if not self.stages or any(int(n) != n or n < 1 for n in self.stages):
            raise ValueError(f"stages must be positive integers, got {self.stages}")
        sparsity_schedule(self.sparsity, 1, self.schedule)  # validates sparsity and schedule
        resolve_loss(self.loss)
        check_temperature(self.temperature, "temperature")

    def stage_steps(self, n: int) -> int:
        """Fine-tuning steps after each of the n stages (at least 1)."""
        return max(1, self.finetune_steps // n) if self.budget == "total" else self.finetune_steps


def device_namespace(device: str):
    """The array namespace for ``device``: NumPy for ``cpu``, CuPy for ``gpu``
    (raises RuntimeError when CuPy or a CUDA device is missing)."""
    if device == "cpu":
        return compat_numpy
    if device == "gpu":
        try:
            import cupy

            cupy.cuda.runtime.getDeviceCount()
        except Exception as exc:  # ImportError, CUDARuntimeError, ...
            raise RuntimeError(f"--device gpu needs CuPy and a CUDA device: {type(exc).__name__}: {exc}") from exc
        import array_api_compat.cupy as compat_cupy

        return compat_cupy
    raise ValueError(f"unknown device {device!r}; choose cpu or gpu")


def _batches(rng: np.random.Generator, n: int, batch_size: int, steps: int):
    """``steps`` index arrays: consecutive slices of fresh permutations of range(n)."""
    done = 0
    while done < steps:
        order = rng.permutation(n)
        for start in range(0, n, batch_size):
            if done == steps:
                return
            yield order[start : start + batch_size]
            done += 1


def train(
    model: MLP,
    params: list,
    x,
    target,
    loss,
    *,
    steps: int,
    batch_size: int,
    lr: float,
    rng: np.random.Generator,
    masks: list | None = None,
    progress: Callable[[int], None] | None = None,
) -> list:
    """``steps`` Adam steps on mini-batches of (x, target rows); pruned weights
    (``masks``) are set back to exactly zero after every step."""
    xp = array_namespace(x)
    optimizer = Adam(lr)
    for index in _batches(rng, int(x.shape[0]), batch_size, steps):
        rows = xp.asarray(index)
        logits, cache = model.forward(params, xp.take(x, rows, axis=0))
        _, grad = loss_and_gradient(loss, logits, xp.take(target, rows, axis=0))
        params = optimizer.step(params, model.backward(params, cache, grad))
        if masks is not None:
            params = apply_masks(params, masks)
        if progress is not None:
            progress(1)
    return params


def probabilities(model: MLP, params: list, x):
    """softmax(z(x)): the only form in which a model's output leaves it."""
    return from_logits(model.logits(params, x), 1.0, validate=False)


def prune_and_distil(
    model: MLP,
    dense: list,
    n: int,
    config: DistillConfig,
    x,
    q,
    loss,
    probe,
    q_probe,
    rng: np.random.Generator,
    progress=None,
) -> tuple[list, list, list]:
    """n stages of prune-then-fine-tune from ``dense``; returns (params, masks, stage records)."""
    params, masks, rho_before = dense, None, 0.0
    f_start = probabilities(model, params, probe)
    records = []
    for rho in sparsity_schedule(config.sparsity, n, config.schedule):
        masks = magnitude_masks(params[0::2], rho, scope=config.scope, masks=masks)
        pruned = apply_masks(params, masks)
        tuned = train(
            model,
            pruned,
            x,
            q,
            loss,
            steps=config.stage_steps(n),
            batch_size=config.batch_size,
            lr=config.lr,
            rng=rng,
            masks=masks,
            progress=progress,
        )
        f_pruned, f_tuned = probabilities(model, pruned, probe), probabilities(model, tuned, probe)
        rho_after = mask_sparsity(masks)
        records.append(
            measurements.stage_record(
                rho_before,
                rho_after,
                (params, pruned, tuned),
                (f_start, f_pruned, f_tuned),
                tuple(loss_value(loss, f, q_probe) for f in (f_start, f_pruned, f_tuned)),
            )
        )
        params, f_start, rho_before = tuned, f_tuned, rho_after
    return params, masks, records


def planned_steps(config: DistillConfig, n_train: int) -> int:
    """Total optimiser steps of :func:`run_distillation` (for a progress bar)."""
    per_epoch = -(-n_train // config.batch_size)
    per_seed = (config.teacher_epochs + config.student_epochs) * per_epoch
    per_seed += sum(n * config.stage_steps(n) for n in config.stages)
    return config.seeds * per_seed


class _Split:
    """The data set moved into the run's namespace, with the one-hot labels and the probe set."""

    def __init__(self, data: Dataset, xp, dtype, probe_size: int):
        self.data = data
        self.x_train = xp.asarray(data.x_train, dtype=dtype)
        self.x_test = xp.asarray(data.x_test, dtype=dtype)
        self.labels_train = xp.asarray(one_hot(data.y_train, data.n_classes), dtype=dtype)
        self.labels_test = xp.asarray(one_hot(data.y_test, data.n_classes), dtype=dtype)
        self.probe = self.x_test[:probe_size, ...]


def _evaluate(model: MLP, params: list, split: _Split, q_test, loss) -> tuple[dict, np.ndarray]:
    """Test metrics (KD loss against q, cross-entropy against the labels,
    accuracy) and the host copy of the test probabilities."""
    probs = probabilities(model, params, split.x_test)
    host = np.asarray(to_numpy(probs), dtype=np.float64)
    return {
        "kd_loss": loss_value(loss, probs, q_test),
        "task_ce": loss_value(resolve_loss("ce"), probs, split.labels_test),
        "accuracy": float(np.mean(np.argmax(host, axis=1) == split.data.y_test)),
    }, host


def _collect(pairs) -> tuple[list, np.ndarray]:
    """[(metrics, probs), ...] -> ([metrics, ...], stacked probs (K, N, V))."""
    metrics, probs = zip(*pairs)
    return list(metrics), np.stack(probs)


class _Experiment:
    """One configuration's shared state: namespace, data, models, loss and step counts."""

    def __init__(self, config: DistillConfig, xp, progress):
        self.config, self.xp = config, xp
        self.dtype = getattr(xp, config.dtype)
        self.data = DATASETS[config.data](**config.data_options)
        self.split = _Split(self.data, xp, self.dtype, config.probe_size)
        n_train = int(self.data.x_train.shape[0])
        self.total_steps = planned_steps(config, n_train)
        self.epoch_steps = -(-n_train // config.batch_size)
        self.tick = None if progress is None else (lambda advance: progress(advance, self.total_steps))
        d, m = self.data.n_features, self.data.n_classes
        self.teacher_model = MLP((d, *config.teacher_hidden, m), config.activation)
        self.student_model = MLP((d, *config.student_hidden, m), config.activation)
        self.loss = resolve_loss(config.loss)

    def fit(self, model: MLP, rng, target, loss, epochs: int) -> list:
        """A freshly initialised ``model`` trained for ``epochs`` on (x_train, target)."""
        c = self.config
        params = model.init(rng, self.xp, self.dtype)
        return train(
            model,
            params,
            self.split.x_train,
            target,
            loss,
            steps=epochs * self.epoch_steps,
            batch_size=c.batch_size,
            lr=c.lr,
            rng=rng,
            progress=self.tick,
        )

    def teachers(self) -> list:
        """K teachers trained on the one-hot labels with the cross-entropy."""
        return [
            self.fit(
                self.teacher_model,
                np.random.default_rng((k, TEACHER)),
                self.split.labels_train,
                resolve_loss("ce"),
                self.config.teacher_epochs,
            )
            for k in range(self.config.seeds)
        ]

    def students(self, q_train, q_test) -> tuple[list, dict]:
        """Per seed, the dense student and its n-stage pruned descendants:
        (dense (metrics, probs) pairs, per-n pairs, stage records and end-to-end deviations)."""
        c, split, model = self.config, self.split, self.student_model
        q_probe = q_test[: c.probe_size, ...]
        dense_pairs, runs = [], {n: {"pairs": [], "stages": [], "end_to_end": []} for n in c.stages}
        for k in range(c.seeds):
            dense = self.fit(model, np.random.default_rng((k, STUDENT)), q_train, self.loss, c.student_epochs)
            dense_pairs.append(_evaluate(model, dense, split, q_test, self.loss))
            f_dense = probabilities(model, dense, split.probe)
            for n, run in runs.items():
                params, masks, records = prune_and_distil(
                    model,
                    dense,
                    n,
                    c,
                    split.x_train,
                    q_train,
                    self.loss,
                    split.probe,
                    q_probe,
                    np.random.default_rng((k, PRUNE, n)),
                    self.tick,
                )
                metrics, host = _evaluate(model, params, split, q_test, self.loss)
                run["pairs"].append(({**metrics, "sparsity": mask_sparsity(masks)}, host))
                run["stages"].append(records)
                run["end_to_end"].append(
                    measurements.function_deviation(probabilities(model, params, split.probe), f_dense)
                )
        return dense_pairs, runs


def run_distillation(config: DistillConfig, *, xp=None, progress: Callable[[int, int], None] | None = None) -> dict:
    """Run the whole experiment; returns the JSON-ready results (see docs/results.md).

    ``progress(advance, total)`` is called after every optimiser step.
    """
    start = time.perf_counter()
    run = _Experiment(config, device_namespace(config.device) if xp is None else xp, progress)
    teachers = run.teachers()
    # From here on the reference teacher T_0 is only its probabilities.
    p_train, p_test = (probabilities(run.teacher_model, teachers[0], x) for x in (run.split.x_train, run.split.x_test))
    q_train, q_test = (
        soft_targets(p, config.operator, config.temperature, topk=config.topk, completion=config.completion)
        for p in (p_train, p_test)
    )
    teacher_metrics, teacher_S = _collect(
        _evaluate(run.teacher_model, t, run.split, q_test, run.loss) for t in teachers
    )
    dense_pairs, runs = run.students(q_train, q_test)
    dense_metrics, dense_S = _collect(dense_pairs)
    final = {n: _collect(r["pairs"]) for n, r in runs.items()}

    data, loss = run.data, run.loss
    q_host = np.asarray(to_numpy(q_test), dtype=np.float64)
    if data.posterior_test is not None:
        label_target, label_distribution = data.posterior_test, True
    else:
        label_target, label_distribution = one_hot(data.y_test, data.n_classes), False
    models = {"teacher": teacher_S, "dense_student": dense_S, **{f"n={n}": final[n][1] for n in config.stages}}
    ns = config.stages
    return {
        "config": asdict(config),
        "data": {
            "name": data.name,
            "n_train": int(data.x_train.shape[0]),
            "n_test": int(data.x_test.shape[0]),
            "n_features": data.n_features,
            "n_classes": data.n_classes,
            "label_target": "Bayes posterior η (exact)" if label_distribution else "one-hot test labels",
        },
        "teacher": {
            "per_seed": teacher_metrics,
            "reference_kd_loss": loss_value(loss, p_test, q_test),
            "entropy_p": float(run.xp.mean(entropy(p_test, validate=False))),
            "entropy_q": float(run.xp.mean(entropy(q_test, validate=False))),
        },
        "dense_student": {"per_seed": dense_metrics},
        "runs": {str(n): {"per_seed": final[n][0], "stages": runs[n]["stages"]} for n in ns},
        "theorem_VIII_3": measurements.homotopy_summary(
            {n: runs[n]["stages"] for n in ns}, {n: runs[n]["end_to_end"] for n in ns}
        ),
        "theorem_IX_1": {
            metric: measurements.stage_tradeoff_summary({n: [m[metric] for m in final[n][0]] for n in ns})
            for metric in ("kd_loss", "task_ce")
        },
        "theorem_VII_1": {
            name: {
                "vs_q": measurements.bias_variance(S, q_host),
                "vs_labels": measurements.bias_variance(S, label_target, label_distribution=label_distribution),
            }
            for name, S in models.items()
        },
        "theorem_VII_3": {
            name: measurements.sparse_vs_dense(
                teacher_S, S, q_host, label_target, label_distribution=label_distribution
            )
            for name, S in models.items()
            if name != "teacher"
        },
        "timing": {"total_s": time.perf_counter() - start, "steps": run.total_steps},
    }

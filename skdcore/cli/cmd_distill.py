"""``skd distill``: multi-stage pruning with distillation, and the paper's Theorems VII.1, VII.3, VIII.3, IX.1 measured.

Writes ``results.json`` and three PNG figures into ``--out``; shows a
progress bar on stderr.  Needs matplotlib (figures) and, for the digits,
scikit-learn; exits with status 2 and a message saying so when they are
missing.  BLAS is limited to one thread while training (the matrices are
small, so threads only contend), which also makes the results independent of
the BLAS thread count.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import os
import sys
import time
from contextlib import nullcontext
from pathlib import Path

NAME = "distill"
HELP = "prune a distilled MLP student in n stages and measure the paper's Theorems VII.1, VII.3, VIII.3 and IX.1"


def _int_list(text: str) -> tuple[int, ...]:
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise ValueError(f"expected comma-separated integers, got {text!r}") from None


def configure(parser) -> None:
    from ..train import COMPLETIONS, DATASETS, KD_LOSSES, SCHEDULES, SCOPES
    from ..train.loop import BUDGETS, DistillConfig

    d = DistillConfig()
    parser.add_argument("--data", choices=sorted(DATASETS), default=d.data, help=f"data set (default {d.data})")
    parser.add_argument(
        "--operator",
        default=d.operator,
        help=f"softening operator: built-in name or module:attr (default {d.operator})",
    )
    parser.add_argument(
        "--temperature", type=float, default=d.temperature, help=f"operator temperature T (default {d.temperature})"
    )
    parser.add_argument("--loss", choices=sorted(KD_LOSSES), default=d.loss, help=f"KD loss (default {d.loss})")
    parser.add_argument(
        "--stages",
        default=",".join(map(str, d.stages)),
        help="numbers of pruning stages n to compare (default 1,2,4,8,16)",
    )
    parser.add_argument(
        "--sparsity", type=float, default=d.sparsity, help=f"target sparsity ρ in [0, 1) (default {d.sparsity})"
    )
    parser.add_argument(
        "--schedule", choices=SCHEDULES, default=d.schedule, help=f"sparsity schedule (default {d.schedule})"
    )
    parser.add_argument("--scope", choices=SCOPES, default=d.scope, help=f"magnitude ranking scope (default {d.scope})")
    parser.add_argument(
        "--budget",
        choices=BUDGETS,
        default=d.budget,
        help=f"--finetune-steps counts per n-stage run (total) or per stage (per_stage) (default {d.budget})",
    )
    parser.add_argument(
        "--finetune-steps",
        type=int,
        default=d.finetune_steps,
        help=f"fine-tuning Adam steps (default {d.finetune_steps})",
    )
    parser.add_argument("--seeds", type=int, default=d.seeds, help=f"training seeds K (default {d.seeds})")
    parser.add_argument(
        "--teacher-epochs",
        type=int,
        default=d.teacher_epochs,
        help=f"teacher training epochs (default {d.teacher_epochs})",
    )
    parser.add_argument(
        "--student-epochs",
        type=int,
        default=d.student_epochs,
        help=f"dense student epochs (default {d.student_epochs})",
    )
    parser.add_argument(
        "--topk", type=int, default=None, help="truncate the teacher to its top-k probabilities (default: full)"
    )
    parser.add_argument(
        "--completion",
        choices=sorted(COMPLETIONS),
        default=d.completion,
        help=f"top-k completion (default {d.completion})",
    )
    parser.add_argument(
        "--device", choices=("cpu", "gpu"), default=d.device, help="cpu (NumPy) or gpu (CuPy) (default cpu)"
    )
    parser.add_argument(
        "--dtype", choices=("float64", "float32"), default=d.dtype, help=f"floating dtype (default {d.dtype})"
    )
    parser.add_argument("--out", default="distill-results", help="output directory (default ./distill-results)")


class ProgressBar:
    """A one-line bar on stderr, redrawn at most every 0.2 s."""

    def __init__(self, stream=None, width: int = 30):
        # Looked up at construction, not import: sys.stderr may be replaced (pytest capture).
        self.stream, self.width = stream or sys.stderr, width
        self.total, self.done, self.start, self.drawn = 1, 0, time.perf_counter(), 0.0

    def __call__(self, advance: int, total: int) -> None:
        self.done, self.total = self.done + advance, max(total, 1)
        now = time.perf_counter()
        if now - self.drawn >= 0.2 or self.done >= self.total:
            self.drawn = now
            fraction = min(self.done / self.total, 1.0)
            elapsed = now - self.start
            eta = elapsed * (1 - fraction) / fraction if fraction > 0 else float("nan")
            bar = "#" * round(self.width * fraction)
            counts = f"{self.done}/{self.total} steps"
            self.stream.write(
                f"\r[{bar:<{self.width}}] {fraction:6.1%} {counts}, {elapsed:5.0f}s elapsed, ETA {eta:4.0f}s"
            )
            self.stream.flush()

    def close(self) -> None:
        self.stream.write("\n")
        self.stream.flush()


def _missing_dependencies(data: str) -> list[str]:
    needed = [("matplotlib", "matplotlib")] + ([("sklearn", "scikit-learn")] if data == "digits" else [])
    missing = []
    for module, package in needed:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(package)
    return missing


def _blas_single_thread():
    """threadpoolctl's limit of BLAS to one thread (a no-op without threadpoolctl)."""
    if importlib.util.find_spec("threadpoolctl") is None:
        return nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1, user_api="blas")


def _summary(results: dict) -> str:
    lines = [
        f"data {results['data']['name']}: teacher accuracy "
        f"{sum(m['accuracy'] for m in results['teacher']['per_seed']) / len(results['teacher']['per_seed']):.3f}"
    ]
    for metric, summary in results["theorem_IX_1"].items():
        means = ", ".join(f"n={n}: {v:.4f}" for n, v in summary["mean"].items())
        fit = summary["fit"]
        if fit is None:
            lines.append(f"IX.1 {metric}: {means}; the fit needs at least 3 stage counts")
            continue
        star = f"{fit['n_star']:.2f}" if fit["n_star"] is not None else fit["optimum"]
        r2 = "n/a" if fit["r2"] is None else f"{fit['r2']:.2f}"
        lines.append(f"IX.1 {metric}: {means}; fit a={fit['a']:.3g} b={fit['b']:.3g} R²={r2}, n* = {star}")
    slope = results["theorem_VIII_3"]["slope_stage_param_vs_d_rho"]
    if slope["slope"] is not None:
        lines.append(
            f"VIII.3: ‖Δθ‖₂ ∝ Δρ^{slope['slope']:.2f}±{slope['stderr']:.2f} (constant c needs 1); "
            f"L median {results['theorem_VIII_3']['lipschitz_ratio']['median']:.3g}"
        )
    cmp = results["theorem_VII_3"]
    for target in ("vs_labels", "vs_q"):
        agree = sum(r[target]["agree"] for r in cmp.values())
        lines.append(
            f"VII.3: ΔVar > ΔBias² predicts the outcome {target.replace('_', ' ')} for {agree}/{len(cmp)} students"
        )
    holds = all(r[t]["identity_holds"] for r in results["theorem_VII_1"].values() for t in r)
    lines.append(f"VII.1: E = Bias² + Var + σ² to rounding for every model: {holds}")
    return "\n".join(lines)


def run(args) -> int:
    from ..operators import UnknownOperatorError, resolve_operator

    missing = _missing_dependencies(args.data)
    if missing:
        print(
            f"skd distill: needs {' and '.join(missing)}; install with: pip install {' '.join(missing)}",
            file=sys.stderr,
        )
        return 2
    from ..train.loop import DistillConfig, device_namespace, run_distillation
    from ..train.plots import write_plots

    try:
        resolve_operator(args.operator)
        config = DistillConfig(
            data=args.data,
            operator=args.operator,
            temperature=args.temperature,
            loss=args.loss,
            stages=_int_list(args.stages),
            sparsity=args.sparsity,
            schedule=args.schedule,
            scope=args.scope,
            budget=args.budget,
            finetune_steps=args.finetune_steps,
            seeds=args.seeds,
            teacher_epochs=args.teacher_epochs,
            student_epochs=args.student_epochs,
            topk=args.topk,
            completion=args.completion,
            device=args.device,
            dtype=args.dtype,
        )
        device_namespace(config.device)
    except (ValueError, UnknownOperatorError, RuntimeError) as exc:
        print(f"skd distill: {exc}", file=sys.stderr)
        return 2
    load_before = os.getloadavg()
    bar = ProgressBar()
    try:
        with _blas_single_thread():
            results = run_distillation(config, progress=bar)
    except (ValueError, FloatingPointError) as exc:
        bar.close()
        print(f"skd distill: {exc}", file=sys.stderr)
        return 2
    bar.close()
    results["environment"] = {
        "cpu_count": os.cpu_count(),
        "blas_single_thread": importlib.util.find_spec("threadpoolctl") is not None,
        "load_average_before": load_before,
        "load_average_after": os.getloadavg(),
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, indent=1, allow_nan=False))
    figures = write_plots(results, out)
    print(_summary(results))
    print(
        f"wrote {out / 'results.json'} and {', '.join(str(p) for p in figures)} in {results['timing']['total_s']:.0f}s"
    )
    return 0

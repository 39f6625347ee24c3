"""PNG figures of a :func:`skdcore.train.run_distillation` result (matplotlib, Agg canvas).

* ``stage_tradeoff.png``: final loss against the number of stages n with the
  fitted a/n + b·n + const of Theorem IX.1 and n*;
* ``stage_deviations.png``: per-stage ‖Δθ‖₂ against Δρ (Theorem VIII.3's
  c·Δρ), ‖Δf‖∞, the empirical Lipschitz ratio L and c along the schedule;
* ``bias_variance.png``: Bias², Var and σ² of Theorem VII.1 per model, and
  ΔVar against ΔBias² of Theorem VII.3.

Figures are drawn on a ``matplotlib.figure.Figure`` with the Agg canvas, so
no pyplot state or interactive backend is touched.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["plot_stage_tradeoff", "plot_stage_deviations", "plot_bias_variance", "write_plots"]

METRIC_LABELS = {"kd_loss": "test KD loss against q = F_T(p)", "task_ce": "test cross-entropy against the labels"}


def _figure(rows: int, cols: int, size: tuple[float, float]):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=size, layout="constrained")
    FigureCanvasAgg(fig)
    return fig, fig.subplots(rows, cols, squeeze=False)


def _stages(results: dict) -> list[int]:
    return sorted(int(n) for n in results["runs"])


def _draw_fits(ax, summary: dict, grid) -> None:
    """The constrained a/n + b·n + c fit, the power-law fit and n*."""
    fit, power = summary["fit"], summary["power_law"]
    r2 = "n/a" if fit["r2"] is None else f"{fit['r2']:.2f}"
    ax.plot(
        grid,
        fit["a"] / grid + fit["b"] * grid + fit["const"],
        "C1-",
        label=f"fit a/n + b·n + c: a={fit['a']:.3g}, b={fit['b']:.3g}, R²={r2}",
    )
    if power["alpha"] is not None:
        edge = " (grid edge: ≈ log n)" if power["at_grid_edge"] else ""
        ax.plot(
            grid,
            power["a"] * grid ** -power["alpha"] + power["const"],
            "C4--",
            label=f"fit a·n^(−α) + c: α = {power['alpha']:.2f}{edge}",
        )
    if fit["n_star"] is not None:
        ax.axvline(fit["n_star"], color="C1", ls=":", label=f"n* = {fit['n_star']:.2f}")


def plot_stage_tradeoff(results: dict, path) -> None:
    """Final loss per seed and mean ± std against n, with the constrained fit and n*."""
    ns = _stages(results)
    fig, axes = _figure(1, 2, (11, 4.2))
    for ax, metric in zip(axes[0], ("kd_loss", "task_ce")):
        summary = results["theorem_IX_1"][metric]
        fit = summary["fit"]
        for n in ns:
            values = [m[metric] for m in results["runs"][str(n)]["per_seed"]]
            ax.plot([n] * len(values), values, "o", color="0.7", ms=4, zorder=1)
        means = [summary["mean"][str(n)] for n in ns]
        ax.errorbar(
            ns,
            means,
            yerr=[summary["std"][str(n)] for n in ns],
            fmt="o",
            color="C0",
            capsize=3,
            label="mean ± std over seeds",
        )
        if fit is not None:
            _draw_fits(ax, summary, np.geomspace(min(ns), max(ns), 200))
        dense = np.mean([m[metric] for m in results["dense_student"]["per_seed"]])
        ax.axhline(dense, color="C2", ls="--", label="dense student (ρ = 0)")
        if metric == "task_ce":
            ax.axhline(
                np.mean([m[metric] for m in results["teacher"]["per_seed"]]), color="C3", ls="--", label="dense teacher"
            )
        ax.set_xscale("log", base=2)
        ax.set_xticks(ns, [str(n) for n in ns])
        ax.set_xlabel("number of pruning stages n")
        ax.set_ylabel(METRIC_LABELS[metric])
        ax.legend(fontsize=7)
    fig.suptitle(f"Theorem IX.1: final loss vs stages (ρ = {results['config']['sparsity']}, {results['data']['name']})")
    fig.savefig(path, dpi=110)


def plot_stage_deviations(results: dict, path) -> None:
    """Per-stage deviations of Theorem VIII.3, every seed, coloured by n."""
    ns = _stages(results)
    fig, axes = _figure(2, 2, (11, 8))
    (a_theta, a_f), (a_l, a_c) = axes
    for i, n in enumerate(ns):
        seeds = results["runs"][str(n)]["stages"]
        colour = f"C{i}"
        d_rho = [s["d_rho"] for seed in seeds for s in seed]
        a_theta.plot(
            d_rho, [s["stage_param_l2"] for seed in seeds for s in seed], "o", color=colour, ms=4, label=f"n = {n}"
        )
        a_theta.plot(d_rho, [s["prune_param_l2"] for seed in seeds for s in seed], "x", color=colour, ms=4)
        rho = [s["sparsity"] for s in seeds[0]]
        for key, ax in (("stage_function_sup", a_f), ("lipschitz_ratio", a_l), ("c", a_c)):
            values = np.array([[np.nan if s[key] is None else s[key] for s in seed] for seed in seeds], dtype=float)
            ax.plot(rho, np.nanmean(values, axis=0), "o-", color=colour, ms=3, label=f"n = {n}")
    slope = results["theorem_VIII_3"]["slope_stage_param_vs_d_rho"]
    all_rho = np.array([s["d_rho"] for n in ns for seed in results["runs"][str(n)]["stages"] for s in seed])
    all_theta = np.array([s["stage_param_l2"] for n in ns for seed in results["runs"][str(n)]["stages"] for s in seed])
    grid = np.geomspace(all_rho.min(), all_rho.max(), 50)
    anchor = np.exp(np.mean(np.log(all_theta)) - np.mean(np.log(all_rho)))
    a_theta.plot(grid, anchor * grid, "k:", label="slope 1 (‖Δθ‖ ∝ Δρ, constant c)")
    if slope["slope"] is not None:
        centre = np.exp(np.mean(np.log(all_theta)) - slope["slope"] * np.mean(np.log(all_rho)))
        a_theta.plot(
            grid,
            centre * grid ** slope["slope"],
            "k-",
            label=f"fitted slope {slope['slope']:.2f} ± {slope['stderr']:.2f}",
        )
    a_theta.set(
        xscale="log", yscale="log", xlabel="Δρ of the stage", ylabel="‖θ_k − θ_{k−1}‖₂ (o: stage, x: pruning jump)"
    )
    a_f.set(xlabel="sparsity ρ_k after stage k", ylabel="‖f_k − f_{k−1}‖∞ on the probe set", yscale="log")
    a_l.set(xlabel="sparsity ρ_k after stage k", ylabel="L_k = ‖Δf‖∞ / ‖Δθ‖₂", yscale="log")
    a_c.set(xlabel="sparsity ρ_k after stage k", ylabel="c_k = ‖Δθ‖₂ / Δρ", yscale="log")
    for ax in (a_theta, a_f, a_l, a_c):
        ax.legend(fontsize=7)
    fig.suptitle("Theorem VIII.3: per-stage deviations (means over seeds; left top: every seed)")
    fig.savefig(path, dpi=110)


def plot_bias_variance(results: dict, path) -> None:
    """Stacked Bias² + Var (+ σ²) per model against q and against the labels; ΔVar vs ΔBias²."""
    bv = results["theorem_VII_1"]
    names = list(bv)
    fig, axes = _figure(1, 3, (15, 4.5))
    x = np.arange(len(names))
    for ax, target in zip(axes[0][:2], ("vs_q", "vs_labels")):
        bias = np.array([bv[m][target]["bias2"] for m in names])
        var = np.array([bv[m][target]["variance"] for m in names])
        sigma = np.array([bv[m][target]["sigma2"] for m in names])
        ax.bar(x, bias, label="Bias²")
        ax.bar(x, var, bottom=bias, label="Var")
        if sigma.any():
            ax.bar(x, sigma, bottom=bias + var, label="σ²")
        ax.plot(x, [bv[m][target]["expected_loss"] for m in names], "k_", ms=18, mew=2, label="measured E‖S − target‖²")
        ax.set_xticks(x, names, rotation=30, fontsize=8)
        ax.set_title(
            "against q = F_T(p)" if target == "vs_q" else f"against the labels ({results['data']['label_target']})",
            fontsize=9,
        )
        ax.legend(fontsize=7)
    cmp = results["theorem_VII_3"]
    students = list(cmp)
    xs = np.arange(len(students))
    ax = axes[0][2]
    ax.bar(xs - 0.2, [cmp[m]["delta_var"] for m in students], 0.4, label="ΔVar = Var(T) − Var(S)")
    ax.bar(xs + 0.2, [cmp[m]["delta_bias2"] for m in students], 0.4, label="ΔBias² = Bias²(S; F_T)")
    ax.axhline(0, color="k", lw=0.5)
    magnitudes = [abs(cmp[m][key]) for m in students for key in ("delta_var", "delta_bias2") if cmp[m][key] != 0]
    if magnitudes:  # symmetric log scale, linear below the smallest bar, so that every bar shows
        ax.set_yscale("symlog", linthresh=min(magnitudes))
    labels = []
    for m in students:
        lines = [m] + [
            f"{target}: {'beats' if cmp[m][key]['student_beats_teacher'] else 'loses'} {'✓' if cmp[m][key]['agree'] else '✗'}"
            for target, key in (("y", "vs_labels"), ("q", "vs_q"))
        ]
        labels.append("\n".join(lines))
    ax.set_xticks(xs, labels, fontsize=7)
    ax.set_title(
        "Theorem VII.3: 'S beats T' predicted iff ΔVar > ΔBias²\n(outcome against labels y and against q; ✓ = agrees)",
        fontsize=9,
    )
    ax.legend(fontsize=7)
    fig.suptitle("Theorem VII.1: squared-loss bias–variance decomposition over seeds")
    fig.savefig(path, dpi=110)


def write_plots(results: dict, directory) -> list[Path]:
    """Write the three figures into ``directory``; returns their paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, draw in (
        ("stage_tradeoff.png", plot_stage_tradeoff),
        ("stage_deviations.png", plot_stage_deviations),
        ("bias_variance.png", plot_bias_variance),
    ):
        draw(results, directory / name)
        paths.append(directory / name)
    return paths

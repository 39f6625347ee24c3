"""Measurements for the paper's Theorems VII.1, VII.3, VIII.3 and IX.1.

Per pruning stage k (Theorem VIII.3, eq. 19), from θ_{k-1}, f_{k-1} (end of
stage k-1; θ_0 the dense student) to θ_k, f_k (end of stage k, after
fine-tuning), with f the student's probabilities on a fixed probe set:

* Δθ_k = ‖θ_k - θ_{k-1}‖₂ and the pure pruning jump (before fine-tuning);
* Δf_k = ‖f_k - f_{k-1}‖∞ (max over probe points and classes);
* L_k = Δf_k / Δθ_k, the empirical constant of the network-Lipschitz
  condition ‖f_θ - f_θ'‖∞ <= L ‖θ - θ'‖₂ that the proof uses.  The paper
  states the assumption as ‖θ - θ'‖∞ <= L ‖θ - θ'‖₂, which holds with L = 1
  for every vector and constrains nothing; its ratio is recorded as
  ``paper_ratio`` (always <= 1);
* c_k = Δθ_k / Δρ_k, the constant of ‖θ_k - θ_{k-1}‖₂ <= c · Δρ.

Theorem IX.1 (eq. 21): the final loss over n is fitted by least squares to
a/n + b·n + const with a = C·L·ρ >= 0 and b = ε_tune >= 0, giving
n* = sqrt(a / b).  Theorem VII.1 (eq. 10): :func:`bias_variance` over K
training seeds, with a rounding bound for the identity.  Theorem VII.3
(eq. 11-12): :func:`sparse_vs_dense`.
"""

from __future__ import annotations

import math

import numpy as np

from ..backend import array_namespace

__all__ = [
    "parameter_deviation",
    "function_deviation",
    "stage_record",
    "loglog_slope",
    "homotopy_summary",
    "fit_stage_tradeoff",
    "fit_power_law",
    "stage_tradeoff_summary",
    "bias_variance",
    "sparse_vs_dense",
]

UNIT_ROUNDOFF = float(np.finfo(np.float64).eps) / 2
POWER_LAW_EXPONENTS = np.linspace(0.01, 3.0, 300)


def _gamma(n: int) -> float:
    """Higham's γ_n = n u / (1 - n u): the relative error bound of n roundings in float64."""
    return n * UNIT_ROUNDOFF / (1 - n * UNIT_ROUNDOFF)


def parameter_deviation(a: list, b: list) -> tuple[float, float]:
    """(‖a - b‖₂, ‖a - b‖∞) over all entries of two parameter lists."""
    xp = array_namespace(*a, *b)
    squares = sum(float(xp.sum((x - y) ** 2)) for x, y in zip(a, b))
    sup = max(float(xp.max(xp.abs(x - y))) for x, y in zip(a, b))
    return math.sqrt(squares), sup


def function_deviation(f, g) -> float:
    """‖f - g‖∞ over all probe points and classes."""
    xp = array_namespace(f, g)
    return float(xp.max(xp.abs(f - g)))


def _ratio(num: float, den: float) -> float | None:
    return num / den if den > 0 else None


def stage_record(rho_before: float, rho_after: float, theta: tuple, f: tuple, probe_loss: tuple) -> dict:
    """One stage's deviations; ``theta``, ``f`` and ``probe_loss`` are the
    (start, after pruning, after fine-tuning) parameters, probe outputs and probe losses."""
    d_rho = rho_after - rho_before
    prune_l2, _ = parameter_deviation(theta[0], theta[1])
    stage_l2, stage_sup = parameter_deviation(theta[0], theta[2])
    prune_f, stage_f = function_deviation(f[0], f[1]), function_deviation(f[0], f[2])
    return {
        "sparsity": rho_after,
        "d_rho": d_rho,
        "prune_param_l2": prune_l2,
        "prune_function_sup": prune_f,
        "stage_param_l2": stage_l2,
        "stage_function_sup": stage_f,
        "lipschitz_ratio": _ratio(stage_f, stage_l2),
        "prune_lipschitz_ratio": _ratio(prune_f, prune_l2),
        "c": _ratio(stage_l2, d_rho),
        "prune_c": _ratio(prune_l2, d_rho),
        "paper_ratio": _ratio(stage_sup, stage_l2),
        "probe_loss_start": probe_loss[0],
        "probe_loss_pruned": probe_loss[1],
        "probe_loss_tuned": probe_loss[2],
    }


def loglog_slope(x, y) -> dict:
    """Least-squares slope of log y on log x (positive pairs only), with its standard error."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    keep = (x > 0) & (y > 0)
    lx, ly = np.log(x[keep]), np.log(y[keep])
    if lx.size < 3 or np.ptp(lx) == 0:
        return {"slope": None, "stderr": None, "points": int(lx.size)}
    dx = lx - lx.mean()
    slope = float(dx @ (ly - ly.mean()) / (dx @ dx))
    resid = ly - ly.mean() - slope * dx
    stderr = math.sqrt(float(resid @ resid) / (lx.size - 2) / float(dx @ dx))
    return {"slope": slope, "stderr": stderr, "points": int(lx.size)}


def _stats(values) -> dict:
    v = np.asarray([x for x in values if x is not None], dtype=float)
    if v.size == 0:
        return {"min": None, "median": None, "max": None}
    return {"min": float(v.min()), "median": float(np.median(v)), "max": float(v.max())}


def homotopy_summary(records: dict, end_to_end: dict) -> dict:
    """Theorem VIII.3 from ``records[n][seed] = [stage dicts]`` and
    ``end_to_end[n][seed] = ‖f_n - f_0‖∞``.

    If ‖θ_k - θ_{k-1}‖₂ <= c Δρ held with one c for every n, the per-stage
    deviation would shrink like Δρ (log-log slope >= 1 as Δρ -> 0) and the
    path length Σ_k ‖f_k - f_{k-1}‖∞ would stay below L c ρ for all n.
    """
    stages = [s for n in records for seed in records[n] for s in seed]
    pooled = {key: [s[key] for s in stages] for key in stages[0]}
    per_n = {}
    for n, seeds in records.items():
        per_n[str(n)] = {
            "max_stage_param_l2": float(np.mean([max(s["stage_param_l2"] for s in seed) for seed in seeds])),
            "max_stage_function_sup": float(np.mean([max(s["stage_function_sup"] for s in seed) for seed in seeds])),
            "path_function_sup": float(np.mean([sum(s["stage_function_sup"] for s in seed) for seed in seeds])),
            "path_param_l2": float(np.mean([sum(s["stage_param_l2"] for s in seed) for seed in seeds])),
            "end_to_end_function_sup": float(np.mean(end_to_end[n])),
            "c": _stats(s["c"] for seed in seeds for s in seed),
            "lipschitz_ratio": _stats(s["lipschitz_ratio"] for seed in seeds for s in seed),
        }
    return {
        "slope_stage_param_vs_d_rho": loglog_slope(pooled["d_rho"], pooled["stage_param_l2"]),
        "slope_prune_param_vs_d_rho": loglog_slope(pooled["d_rho"], pooled["prune_param_l2"]),
        "slope_stage_function_vs_d_rho": loglog_slope(pooled["d_rho"], pooled["stage_function_sup"]),
        "lipschitz_ratio": _stats(pooled["lipschitz_ratio"]),
        "prune_lipschitz_ratio": _stats(pooled["prune_lipschitz_ratio"]),
        "c": _stats(pooled["c"]),
        "paper_ratio": _stats(pooled["paper_ratio"]),
        "per_n": per_n,
    }


def fit_stage_tradeoff(n, y) -> dict:
    """Fit y ≈ a/n + b·n + c0 by least squares subject to a, b >= 0.

    The constrained optimum is the unconstrained least-squares fit on one of
    the four supports {a, b}, {a}, {b}, {} (plus c0) — the convex problem's
    KKT active sets — so the feasible candidate of least residual is exact.
    n* = sqrt(a/b) when a, b > 0; otherwise the optimum lies at an end
    (``optimum`` says which) and n* is None.
    """
    n, y = np.asarray(n, dtype=float), np.asarray(y, dtype=float)
    design = np.column_stack([1 / n, n, np.ones_like(n)])
    best = None
    for free in ((0, 1), (0,), (1,), ()):
        cols = [*free, 2]
        coef = np.zeros(3)
        coef[cols] = np.linalg.lstsq(design[:, cols], y, rcond=None)[0]
        if coef[0] < 0 or coef[1] < 0:
            continue
        rss = float(np.sum((design @ coef - y) ** 2))
        if best is None or rss < best[1]:
            best = (coef, rss)
    (a, b, c0), rss = best
    tss = float(np.sum((y - y.mean()) ** 2))
    if a > 0 and b > 0:
        optimum, n_star = "interior", math.sqrt(a / b)
    else:
        optimum, n_star = ("more stages always better (b = 0)" if a > 0 else "fewest stages best (a = 0)"), None
    return {
        "a": float(a),
        "b": float(b),
        "const": float(c0),
        "r2": 1 - rss / tss if tss > 0 else None,
        "rss": rss,
        "n_star": n_star,
        "optimum": optimum,
    }


def fit_power_law(n, y, exponents=POWER_LAW_EXPONENTS) -> dict:
    """Fit y ≈ a·n^(-α) + c0 with a >= 0: α on a grid over (0, 3] (step
    0.01), a and c0 by least squares for each α.  Theorem IX.1's first term
    has α = 1.  α is None when every α gives a < 0 (a loss rising with n);
    ``at_grid_edge`` flags an optimum on the boundary of the grid."""
    n, y = np.asarray(n, dtype=float), np.asarray(y, dtype=float)
    best = None
    for alpha in exponents:
        design = np.column_stack([n**-alpha, np.ones_like(n)])
        (a, c0), *_ = np.linalg.lstsq(design, y, rcond=None)
        if a < 0:
            continue
        rss = float(np.sum((design @ np.array([a, c0]) - y) ** 2))
        if best is None or rss < best["rss"]:
            best = {"alpha": float(alpha), "a": float(a), "const": float(c0), "rss": rss}
    if best is None:
        return {"alpha": None, "a": 0.0, "const": float(y.mean()), "rss": float(np.sum((y - y.mean()) ** 2))}
    # At the lower edge a·n^(-α) + c0 ≈ (a + c0) - aα log n: the data prefer a logarithmic decay.
    best["at_grid_edge"] = best["alpha"] in (float(exponents[0]), float(exponents[-1]))
    return best


def stage_tradeoff_summary(values: dict, *, bootstrap: int = 200) -> dict:
    """Theorem IX.1 from ``values[n] = [final loss per seed]`` (seeds paired across n).

    The mean and standard deviation per n, the best n observed and, when at
    least 3 distinct n make the three coefficients identifiable, the fits on
    all (n, seed) points and n* over ``bootstrap`` resamples of the seeds
    (fixed generator, so the summary is reproducible).  An n* of None in the
    bootstrap quantiles stands for "more stages always better" (b = 0).
    """
    ns = sorted(values)
    table = np.array([values[n] for n in ns], dtype=float)  # (n values, seeds)
    means = table.mean(axis=1)
    spread = table.std(axis=1, ddof=1) if table.shape[1] > 1 else np.zeros_like(means)
    summary = {
        "mean": {str(n): float(m) for n, m in zip(ns, means)},
        "std": {str(n): float(s) for n, s in zip(ns, spread)},
        "best_observed_n": int(ns[int(np.argmin(means))]),
        "fit": None,
        "power_law": None,
        "bootstrap_interior_fraction": None,
        "bootstrap_n_star_quantiles": None,
    }
    if len(ns) < 3:
        return summary
    grid = np.repeat(np.array(ns, dtype=float), table.shape[1])
    rng = np.random.default_rng(0)
    stars, interior = [], 0
    for _ in range(bootstrap):
        pick = rng.integers(0, table.shape[1], size=table.shape[1])
        boot = fit_stage_tradeoff(grid, table[:, pick].reshape(-1))
        interior += boot["n_star"] is not None
        stars.append(boot["n_star"] if boot["n_star"] is not None else (math.inf if boot["a"] > 0 else 0.0))
    quantiles = np.quantile(np.array(stars), [0.05, 0.5, 0.95], method="nearest")
    summary.update(
        fit=fit_stage_tradeoff(grid, table.reshape(-1)),
        power_law=fit_power_law(grid, table.reshape(-1)),
        bootstrap_interior_fraction=interior / bootstrap,
        bootstrap_n_star_quantiles=[None if not math.isfinite(q) else float(q) for q in quantiles],
    )
    return summary


def bias_variance(S, target, *, label_distribution: bool = False) -> dict:
    """Theorem VII.1's decomposition of the squared loss over K training seeds.

    ``S`` (K, N, V): the model's probabilities for K seeds on N test points;
    ``target`` (N, V).  With S̄ = mean over seeds (1/K, the plug-in mean):

        Bias² = mean_x ‖S̄ - t‖²,   Var = mean_x mean_k ‖S_k - S̄‖².

    * ``label_distribution=False``: the target t is fixed (σ² = 0) and the
      loss is E = mean_{x,k} ‖S_k - t‖².
    * ``label_distribution=True``: t = η(x) is the distribution of a one-hot
      label Y, the loss is E = mean_{x,k} E_Y ‖S_k - Y‖²
      = mean (‖S_k‖² - 2 S_k·η + 1), and σ² = mean_x (1 - ‖η‖²).

    In exact arithmetic E = Bias² + Var + σ².  ``rounding_bound`` bounds the
    float64 residual to first order in u: γ_m times the magnitudes of the
    summed terms (m = KNV + V + 4 roundings at most, in any summation order),
    plus the effect of the rounded mean S̄ (|δS̄| <= γ_K mean|S_k|), which
    enters Bias² at first order and Var only at second (Σ_k (S_k - S̄) = 0).
    """
    S, t = np.asarray(S, dtype=np.float64), np.asarray(target, dtype=np.float64)
    K, N, V = S.shape
    mean = S.mean(axis=0)
    bias2 = float(np.sum((mean - t) ** 2) / N)
    variance = float(np.sum((S - mean) ** 2) / (K * N))
    if label_distribution:
        square, cross = np.sum(S * S, axis=-1), np.sum(S * t, axis=-1)
        expected = float(np.sum(square - 2 * cross + 1) / (K * N))
        sigma2 = float(np.sum(1 - np.sum(t * t, axis=-1)) / N)
        magnitude = float(
            np.sum(square + 2 * np.sum(np.abs(S * t), axis=-1) + 1) / (K * N) + np.sum(1 + np.sum(t * t, axis=-1)) / N
        )
    else:
        expected = float(np.sum((S - t) ** 2) / (K * N))
        sigma2, magnitude = 0.0, expected
    mean_error = _gamma(K) * np.mean(np.abs(S), axis=0)
    bound = _gamma(K * N * V + V + 4) * (magnitude + bias2 + variance) + float(
        np.sum(2 * np.abs(mean - t) * mean_error + 2 * mean_error**2) / N
    )
    residual = expected - (bias2 + variance + sigma2)
    return {
        "expected_loss": expected,
        "bias2": bias2,
        "variance": variance,
        "sigma2": sigma2,
        "residual": residual,
        "rounding_bound": bound,
        "identity_holds": abs(residual) <= bound,
    }


def _outcome(teacher: dict, student: dict, predicted: bool) -> dict:
    beats = student["expected_loss"] < teacher["expected_loss"]
    return {
        "student_risk": student["expected_loss"],
        "teacher_risk": teacher["expected_loss"],
        "student_beats_teacher": bool(beats),
        "agree": bool(beats == predicted),
        "teacher_bias2": teacher["bias2"],
        "student_bias2": student["bias2"],
    }


def sparse_vs_dense(teacher_S, student_S, q, label_target, *, label_distribution: bool) -> dict:
    """Theorem VII.3: with ΔVar = Var(T) - Var(S) and ΔBias² = Bias²(S; F_T)
    (against q), the paper predicts "S beats T" iff ΔVar > ΔBias².

    The paper leaves open against which target the errors are compared, so the
    outcome is decided both ways: by the squared risk against the labels
    (``label_target``: one-hot rows, or η with ``label_distribution=True``; σ²
    is common to both models and cancels) and against q.  Each outcome carries
    the teacher's Bias², which the prediction assumes to be 0.
    """
    t_q, s_q = bias_variance(teacher_S, q), bias_variance(student_S, q)
    t_y = bias_variance(teacher_S, label_target, label_distribution=label_distribution)
    s_y = bias_variance(student_S, label_target, label_distribution=label_distribution)
    delta_var = t_q["variance"] - s_q["variance"]
    delta_bias2 = s_q["bias2"]
    predicted = bool(delta_var > delta_bias2)
    return {
        "delta_var": delta_var,
        "delta_bias2": delta_bias2,
        "predicted_student_beats_teacher": predicted,
        "vs_labels": _outcome(t_y, s_y, predicted),
        "vs_q": _outcome(t_q, s_q, predicted),
    }

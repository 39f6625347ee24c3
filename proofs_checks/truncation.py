"""Truncation consistency: does soften-then-truncate equal truncate-then-soften?

For p on the simplex and K the token ids of its k largest entries, let
trunc_K(x) = x·1_K / sum_K x (what a top-k API followed by renormalisation
hands a distiller).  An operator F is *truncation-consistent* when

    trunc_K(F_T(p)) = F_T(trunc_K(p))     for every p, k and T,

i.e. softening the renormalised top-k teacher gives the same targets as
softening the full teacher and then truncating.  The power transform is
(p_i^(1/T) / sum_K p_j^(1/T) either way); convex mixing is not (mixing the
truncated teacher puts mass (1 - α)(V - k)/V outside K).

:func:`check_truncation_consistency` searches a deterministic stress set
(V from 2 up, every k, ties, zeros, T from 1e-3 to 1e3) and certifies:

* **high precision** -- when a high-precision evaluator of F is available
  (``high_precision=(p_row, T, dps) -> list of mpf``; by default the
  independent references of :mod:`skdcore.reference` for ``power`` and
  ``mix``, else F itself re-executed in :mod:`skdcore.mp` when it is written
  against the array API), each case is re-evaluated at 50 and 100 digits; a discrepancy above 1e-25 at both precisions refutes
  consistency, and one below it at 100 digits confirms the case;
* **float bound** -- otherwise a case refutes consistency when the float
  discrepancy exceeds a rigorous bound on what rounding can explain.  Inputs
  are built so that the visible mass S is c/64 and every p_i (i in K) a
  multiple of c·2^-(t-1) (t mantissa bits), making sum_K p and trunc_K(p)
  exact.  If F's entries are accurate to E = ``ulps``·eps absolutely
  (default ulps = 4(V+1), the summation error of a normaliser over V terms),
  then for a consistent F, with Â = F̂(p), Ŝ = sum_K Â_j computed, the
  truncated entry Â_i/Ŝ is within E(1 + k Â_i/Ŝ)/Ŝ (1 + 2γ_k) + 2γ_{k+1} Â_i/Ŝ
  of the exact one (γ_n = nu/(1 - nu), u = eps/2) and F̂(trunc_K p) within E;
  the bound used is twice the sum, absorbing second-order terms.

Verdicts: ``consistent`` (no case refuted), ``inconsistent`` (a certified
counterexample, the smallest V first), ``numerical`` (the float evaluation
returns NaN/inf, or exceeds the bound while high precision shows agreement: a
floating-point defect of the implementation, not of the operator).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

__all__ = ["TruncationCounterexample", "TruncationResult", "check_truncation_consistency"]

HIGH_PRECISION_DIGITS = (50, 100)
REFUTATION_THRESHOLD = 1e-25
DEFAULT_VOCAB_SIZES = (2, 3, 5, 8, 33)
DEFAULT_TEMPERATURES = (2.0, 0.5, 10.0, 0.1, 1e3, 1e-3, 1.0)


@dataclass(frozen=True)
class TruncationCounterexample:
    """One case: ``p`` (full precision floats), the kept ids ``kept``, ``T``, both
    sides as floats, their largest float discrepancy and the bound it was
    judged against, and the high-precision discrepancies (strings) if any."""

    p: tuple
    kept: tuple
    T: float
    soften_then_truncate: tuple
    truncate_then_soften: tuple
    discrepancy: float
    bound: float
    high_precision_discrepancy: tuple | None
    snippet: str


@dataclass(frozen=True)
class TruncationResult:
    """``verdict`` in {"consistent", "inconsistent", "numerical"}; ``certified_by``
    in {"high_precision", "float_bound"}; ``cases`` checked; the counterexample
    (None when consistent) and the largest float discrepancy/bound ratio seen."""

    operator: str
    verdict: str
    certified_by: str
    cases: int
    worst_ratio: float
    counterexample: TruncationCounterexample | None


def _builtin_high_precision(op):
    """mpmath evaluators for the built-in ``power`` and ``mix`` (default schedule α = 1/T)."""
    from skdcore.operators import mix, power
    from skdcore.reference import mix_ref, power_ref
    from skdcore.reference.context import context

    if op is power:
        return power_ref
    if op is mix:
        return lambda p, T, dps: mix_ref(p, 1 / context(dps).mpf(T), dps)
    return None


def _mp_reexecution(op):
    """An evaluator re-executing ``op`` in :mod:`skdcore.mp`, or None when ``op``
    does not run there (it is probed once on a small row)."""
    from skdcore import mp

    def evaluate(p, T, dps):
        out = op(mp.namespace(dps).asarray(np.asarray(p, dtype=np.float64)), T)
        return list(mp.to_numpy_object(out))

    try:
        probe = evaluate(np.array([0.75, 0.25]), 2.0, 30)
    except Exception:  # a NumPy- or torch-only operator: no high-precision route
        return None
    return evaluate if len(probe) == 2 and all(hasattr(x, "_mpf_") for x in probe) else None


def _dyadic_row(rng, V: int, k: int, dtype) -> tuple[np.ndarray, np.ndarray]:
    """A row p (dtype) whose k largest entries sit at ``kept`` and sum to c/64
    exactly, each a multiple of c·2^-(t-1), so trunc_K(p) is exact; with ties,
    zeros and a range of concentrations."""
    t = np.finfo(dtype).nmant + 1
    alpha = rng.choice([0.2, 1.0, 5.0])
    w = np.sort(rng.dirichlet(np.full(V, alpha)))[::-1].copy()
    if rng.random() < 0.3 and V > 2:  # a tie, possibly across the cut
        j = int(rng.integers(0, V - 1))
        w[j + 1] = w[j]
    if rng.random() < 0.3 and V - k > 1:  # zeros in the tail
        w[V - int(rng.integers(1, V - k)) :] = 0.0
    w = np.maximum(w, 0.0)
    visible, tail = w[:k], w[k:]
    c = 64 if tail.sum() == 0 else int(min(64, max(1, math.ceil(64 * visible.sum() / w.sum()))))
    total_units = 2 ** (t - 7)
    share = visible / visible.sum() * total_units
    units = np.floor(share).astype(np.int64)
    units = np.maximum(units, 1)
    units[0] += total_units - units.sum()
    p = np.empty(V, dtype=np.float64)
    p[:k] = c * units.astype(np.float64) * 2.0 ** (-(t - 1))
    p[k:] = (1 - c / 64) * tail / tail.sum() if c < 64 else 0.0
    order = rng.permutation(V)
    row = np.empty(V, dtype=np.float64)
    row[order] = p
    return row.astype(dtype), np.sort(order[:k])


def _cases(seed: int, vocab_sizes, temperatures, per_size: int, dtype):
    """(p, kept, T) by increasing V; k runs over 1..V-1, T over ``temperatures``
    (first in the given order, then drawn), so small counterexamples come first."""
    rng = np.random.default_rng(seed)
    for V in sorted(vocab_sizes):
        if V < 2:
            raise ValueError(f"vocabulary sizes must be at least 2 (a cut needs an unseen token), got {V}")
        for n in range(per_size):
            k = 1 + n % (V - 1)
            T = temperatures[n] if n < len(temperatures) else temperatures[int(rng.integers(len(temperatures)))]
            p, kept = _dyadic_row(rng, V, k, dtype)
            yield p, kept, float(T)


def _truncate(x: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """x·1_K / sum_K x; NaN on K when that sum is 0 or not finite (undefined)."""
    out = np.zeros_like(x)
    total = x[kept].sum()
    out[kept] = x[kept] / total if np.isfinite(total) and total > 0 else np.nan
    return out


def _float_sides(op, p, kept, T):
    full = np.asarray(op(p, T), dtype=np.float64)
    a = _truncate(full, kept)
    b = np.asarray(op(_truncate(p, kept), T), dtype=np.float64)
    return full, a, b


def _float_bound(full, a, kept, ulps, eps) -> np.ndarray:
    V, k = a.shape[-1], kept.shape[0]
    E = (4 * (V + 1) if ulps is None else ulps) * eps
    u = eps / 2
    gamma_k, gamma_k1 = k * u / (1 - k * u), (k + 1) * u / (1 - (k + 1) * u)
    total = full[kept].sum()
    bound = np.full(V, 2 * E)  # off K: |F̂(trunc p)_j| <= E
    if total > 0:
        bound[kept] = 2 * (E * (1 + k * a[kept]) / total * (1 + 2 * gamma_k) + 2 * gamma_k1 * a[kept] + E)
    else:
        bound[kept] = math.inf  # F(p) vanishes on K: trunc_K(F(p)) is undefined
    return bound


def _high_precision_discrepancy(evaluator, p, kept, T, dps):
    from skdcore.reference.context import context

    ctx = context(dps)
    row = [ctx.mpf(float(x)) for x in p]
    kept_set = set(int(i) for i in kept)
    full = evaluator(p, T, dps)
    s = ctx.fsum(full[i] for i in kept_set)
    a = [full[i] / s if i in kept_set else ctx.zero for i in range(len(row))]
    mass = ctx.fsum(row[i] for i in kept_set)
    truncated = [float(row[i] / mass) if i in kept_set else 0.0 for i in range(len(row))]  # exact by construction
    b = evaluator(np.asarray(truncated), T, dps)
    return max(abs(x - y) for x, y in zip(a, b))


def _snippet(name: str, p, kept, T: float) -> str:
    return (
        "import numpy as np\n"
        f"op = {name}  # the operator checked\n"
        f"p = np.array({[float(x) for x in p]!r})\n"
        f"kept = np.array({[int(i) for i in kept]!r}); T = {T!r}\n"
        "full = op(p, T); a = np.zeros_like(p); a[kept] = full[kept] / full[kept].sum()\n"
        "t = np.zeros_like(p); t[kept] = p[kept] / p[kept].sum(); b = op(t, T)\n"
        "print(np.abs(a - b).max())"
    )


def check_truncation_consistency(
    op,
    *,
    high_precision="auto",
    vocab_sizes=DEFAULT_VOCAB_SIZES,
    temperatures=DEFAULT_TEMPERATURES,
    cases_per_size: int = 14,
    dtype=np.float64,
    ulps: float | None = None,
    seed: int = 0,
    name: str | None = None,
) -> TruncationResult:
    """Check whether ``op(p, T)`` commutes with top-k truncation (see the module docstring).

    ``high_precision``: ``"auto"`` (the built-in references for ``power`` and
    ``mix``, else re-execution in :mod:`skdcore.mp` if ``op`` runs there, else
    none), ``None`` (float bound only) or a callable
    ``(p_row, T, dps) -> list of mpf``.  ``dtype`` is the float type the
    operator is fed; ``ulps`` its assumed absolute accuracy in units of eps.
    """
    name = name or f"{getattr(op, '__module__', '?')}:{getattr(op, '__qualname__', repr(op))}"
    if high_precision == "auto":
        evaluator = _builtin_high_precision(op) or _mp_reexecution(op)
    else:
        evaluator = high_precision
    eps = float(np.finfo(dtype).eps)
    worst_ratio = 0.0
    float_failure = None
    checked = 0
    for p, kept, T in _cases(seed, vocab_sizes, temperatures, cases_per_size, dtype):
        checked += 1
        full, a, b = _float_sides(op, p, kept, T)
        bound = _float_bound(full, a, kept, ulps, eps)
        gap = np.abs(a - b)
        finite = bool(np.all(np.isfinite(gap)))
        ratio = float(np.max(gap / bound)) if finite else math.inf
        worst_ratio = max(worst_ratio, ratio)
        hp = None
        if evaluator is not None:
            hp = tuple(_high_precision_discrepancy(evaluator, p, kept, T, dps) for dps in HIGH_PRECISION_DIGITS)
        refuted = hp is not None and min(hp) > REFUTATION_THRESHOLD
        if not (refuted or ratio > 1):
            continue
        worst = int(np.argmax(gap / bound)) if finite else int(np.argmax(~np.isfinite(gap)))
        example = TruncationCounterexample(
            p=tuple(float(x) for x in p),
            kept=tuple(int(i) for i in kept),
            T=T,
            soften_then_truncate=tuple(float(x) for x in a),
            truncate_then_soften=tuple(float(x) for x in b),
            discrepancy=float(np.max(gap)) if finite else math.inf,
            bound=float(bound[worst]),
            high_precision_discrepancy=None if hp is None else tuple(f"{float(d):.6e}" for d in hp),
            snippet=_snippet(name, p, kept, T),
        )
        if refuted:
            return TruncationResult(name, "inconsistent", "high_precision", checked, worst_ratio, example)
        if evaluator is None and finite:
            return TruncationResult(name, "inconsistent", "float_bound", checked, worst_ratio, example)
        float_failure = float_failure or example  # NaN/inf output, or beyond the bound but exact at high precision
    certified_by = "float_bound" if evaluator is None else "high_precision"
    if float_failure is not None:
        return TruncationResult(name, "numerical", certified_by, checked, worst_ratio, float_failure)
    return TruncationResult(name, "consistent", certified_by, checked, worst_ratio, None)

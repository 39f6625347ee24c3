"""A deterministic stress set of simplex rows and temperatures.

Used by the accuracy tests and by ``benchmarks/accuracy.py`` to measure the
condition-aware ulp error of the operators (``docs/accuracy.md``).  Rows cover
the regimes where naive evaluation loses accuracy: exact ties (including tied
maxima), near-ties at relative gaps from 1e-1 down to 1e-16, exact zeros,
subnormal entries, one-hot and uniform rows, concentrated and flat Dirichlet
draws, and V from 2 to 1e5.  Large rows are built from few distinct values so
that the mpmath reference stays cheap.
"""

from __future__ import annotations

import numpy as np

__all__ = ["stress_rows", "STRESS_TEMPERATURES"]

STRESS_TEMPERATURES = (1e-300, 1e-100, 1e-10, 1e-3, 0.1, 0.5, 0.9, 1.0, 1.1, 2.0, 10.0, 1e3, 1e10, 1e100, 1e300)


def _normalise(w) -> np.ndarray:
    w = np.asarray(w, dtype=np.float64)
    return w / w.sum()


def stress_rows(seed: int = 0) -> list[tuple[str, np.ndarray]]:
    """Labelled float64 probability rows (each sums to 1 within V·eps)."""
    rng = np.random.default_rng(seed)
    rows: list[tuple[str, np.ndarray]] = [
        ("two-point", _normalise([0.7, 0.3])),
        ("one-hot", np.array([0.0, 1.0, 0.0, 0.0])),
        ("uniform-7", np.full(7, 1 / 7)),
        ("tied-maxima", _normalise([0.3, 0.3, 0.2, 0.1, 0.1])),
        ("tied-maxima-with-zero", _normalise([0.4, 0.0, 0.4, 0.2])),
        ("zeros", _normalise([0.5, 0.0, 0.25, 0.0, 0.125, 0.125])),
        ("subnormal", _normalise([0.6, 0.4, 1e-310, 5e-324, 3e-320])),
        ("tiny-and-subnormal", _normalise([1.0, 1e-200, 1e-300, 1e-308, 2.5e-323])),
    ]
    for exponent in range(1, 17):
        gap = 10.0 ** (-exponent)
        rows.append((f"near-tie-1e-{exponent}", _normalise([1.0, 1.0 - gap, 0.5, 0.25])))
        rows.append((f"near-tie-below-max-1e-{exponent}", _normalise([1.0, 0.5, 0.5 * (1 - gap), 0.1])))
    for concentration in (0.01, 0.3, 1.0, 30.0):
        for V in (3, 10, 1000):
            rows.append((f"dirichlet-{concentration}-V{V}", rng.dirichlet(np.full(V, concentration))))
    # Large vocabularies from few distinct values (a cheap reference, realistic tails).
    for V in (10_000, 100_000):
        levels = np.array([0.2, 0.2 * (1 - 1e-12), 1e-3, 1e-9, 1e-30, 0.0])
        counts = np.array([1, 1, 50, V // 2, V - V // 2 - 53, 1])
        rows.append((f"levels-V{V}", _normalise(np.repeat(levels, counts))))
    return rows

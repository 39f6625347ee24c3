"""The rounding-error model: how far a *correct* implementation may be off.

A failure seen in floating point counts only when it exceeds what rounding can
explain.  The reference class of correct implementations is the escort form
every accurate softening operator reduces to,

    q_i = exp(s_i) / Σ_j exp(s_j),   s_i = (z_i - z_*) / T,   z = log p,

with z_* the largest z (the logit-space softmax, the least accurate of the
standard ways; the power transform's accurate log-ratios only do better).
With unit roundoff u = eps/2 of the output dtype and every elementary
operation within 2u, to first order:

* log gives |δz_i| <= 2u|z_i|, so z_i - z_* has the absolute error
  eps·ρ_i·|z_i - z_*|, where ρ_i = (|log p_i| + |log p_*|) / |log(p_i/p_*)|
  is the condition number of the difference; with the rounding of the
  division by T, s_i carries an absolute error <= eps·(κ_i + 2|s_i|), where
  κ_i = ρ_i·σ_i and σ_i = min(|log(p_i/p_*)| / T, |log q_i| + log V) bounds
  |s_i| (both bounds hold for the escort form); κ_i = 0 at the maxima, where
  z_i - z_* = 0 exactly, and at zeros of p;
* exp adds eps, the normaliser Σ_j exp(s_j) the errors of its terms,
  Σ_j q_j·|δs_j|, plus (V - 1)u for the sum, the division u.

With |s_i| <= |log q_i| + log V and Σ_j q_j|s_j| <= 2 log V this gives

    |q̂_i - q_i| <= 4·eps·(1 + |log q_i| + V + κ_i + Σ_j q_j κ_j)·q_i + 4·η     (ENTRY BOUND)

(a factor 2 or more to spare on every term), with η the smallest subnormal of
the dtype (three roundings can land in the subnormal range, one subnormal step
each).  κ is large only at near-ties, where ρ is (up to 1e16 for entries one
ulp apart): the logit form cannot resolve what it cannot represent, and its
errors there are not defects.  The bound is evaluated at the computed q, which
is first-order accurate for a correct implementation.

The same formula with κ = 0 and η = 0 models the high-precision namespace
:mod:`skdcore.mp` (no underflow), with eps = 10^-digits for the digits the
re-execution is trusted to: its working precision minus the guard digits
added for extreme temperatures (:mod:`.certify`).  Every tolerance of the
conformance engine is built from :meth:`Arithmetic.entry_bound`; none is
hand-tuned.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from skdcore.logratio import log_ratio

__all__ = ["Arithmetic", "float_arithmetic", "mp_arithmetic"]


@dataclass(frozen=True)
class Arithmetic:
    """Precision and elementary functions of one evaluation (a float dtype or
    the high-precision namespace), acting on 1-d NumPy arrays of float64 or
    of mpf objects."""

    name: str
    eps: object
    smallest_normal: float
    smallest_subnormal: float
    context: object = None  # the mpmath context, None for floating point

    @property
    def exact(self) -> bool:
        """True for the high-precision namespace (no underflow, no overflow)."""
        return self.context is not None

    def log(self, x: np.ndarray) -> np.ndarray:
        if self.context is None:
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.log(np.asarray(x, dtype=np.float64))
        log = self.context.log
        return np.array([log(v) for v in x], dtype=object)

    def fsum(self, x) -> object:
        return math.fsum(x) if self.context is None else self.context.fsum(x)

    def isfinite(self, x: np.ndarray) -> np.ndarray:
        if self.context is None:
            return np.isfinite(np.asarray(x, dtype=np.float64))
        return np.array([self.context.isfinite(v) for v in x], dtype=bool)

    def number(self, x) -> object:
        """A Python float, or an mpf at this precision."""
        return float(x) if self.context is None else self.context.mpf(x)

    def entry_bound(self, q: np.ndarray, V: int, p: np.ndarray | None = None, T: float | None = None) -> np.ndarray:
        """ENTRY BOUND (module docstring) of each entry of a row ``q`` computed
        from ``p`` at ``T`` (without ``p`` and ``T``: of an exact row, κ = 0)."""
        magnitude = np.abs(q)
        positive = magnitude > 0
        log_q = np.where(positive, np.abs(self.log(np.where(positive, magnitude, 1))), 0)
        spread = 1 + log_q + V
        if p is not None and not self.exact:
            kappa = _kappa(np.asarray(p, dtype=np.float64), T, log_q + math.log(V))
            weights = np.minimum(np.asarray(magnitude, dtype=np.float64), 1.0)  # a correct q_j is at most 1
            spread = spread + kappa + float(np.dot(weights, kappa))
        return 4 * self.eps * spread * magnitude + 4 * self.smallest_subnormal

    def is_underflow(self, x) -> bool:
        """True when |x| lies below the normal range (0 included): relative precision lost."""
        return self.context is None and abs(float(x)) < self.smallest_normal


def _kappa(p: np.ndarray, T: float, s_bound: np.ndarray) -> np.ndarray:
    """κ_i = ρ_i·min(|log(p_i/p_*)| / T, s_bound_i), 0 at the maxima and at zeros (module docstring)."""
    top = p.max()
    active = (p > 0) & (p < top)
    safe = np.where(active, p, top)
    gap = np.abs(log_ratio(safe, np.full_like(safe, top)))  # accurate: > 0 for distinct floats
    gap = np.where(active, gap, 1.0)
    rho = (np.abs(np.log(safe)) + abs(math.log(top))) / gap
    sigma = np.minimum(gap / T, s_bound)
    return np.where(active, rho * sigma, 0.0)


def float_arithmetic(dtype) -> Arithmetic:
    """The model for outputs of floating dtype ``dtype`` (evaluated in float64)."""
    info = np.finfo(dtype)
    return Arithmetic(
        name=np.dtype(dtype).name,
        eps=float(info.eps),
        smallest_normal=float(info.smallest_normal),
        smallest_subnormal=float(info.smallest_subnormal),
    )


def mp_arithmetic(namespace, digits: int) -> Arithmetic:
    """The model for ``namespace`` (``skdcore.mp.namespace(dps)``) trusted to ``digits`` digits."""
    ctx = namespace.context
    return Arithmetic(
        name=f"mp{ctx.dps}", eps=ctx.mpf(10) ** -digits, smallest_normal=0.0, smallest_subnormal=0.0, context=ctx
    )

"""Construction 3 of the paper: convex mixing toward the uniform distribution.

    F_T(p) = α(T)·p + (1 - α(T))·u,   u = (1/V, ..., 1/V)           (eq. 9)

The paper asks for α : R+ -> [0, 1] strictly decreasing with α(1) = 1 and
α(T) -> 0 as T -> ∞.  No such function exists: strictly decreasing with
α(1) = 1 forces α(T) > 1 for every T < 1.  This module implements eq. (9)
exactly as written with named schedules and does not repair it:

* ``"reciprocal"`` (default): α(T) = 1/T.
* ``"exponential"``: α(T) = exp(1 - T).

Both are strictly decreasing with α(1) = 1 and α(∞) = 0, and both exceed 1
for T < 1, where eq. (9) becomes an affine *extrapolation* away from uniform,
q = p + (α - 1)(p - u): entries with p_i < (1 - 1/α)/V turn negative and the
output leaves the simplex, and as T -> 0+ it diverges instead of tending to
one-hot.  The conformance engine reports what that means for Axioms 1-5.

* ``"clipped_reciprocal"``: α(T) = min(1, 1/T), which stays in [0, 1] by
  giving up strict monotonicity: F_T is the identity for every T <= 1.

A schedule returns α(T) and 1 - α(T), each computed without cancellation and
in the array's own namespace (so the high-precision namespace evaluates them
at its precision).  A user callable ``alpha(T) -> float`` is also accepted;
its complement is then 1 - alpha(T) in floating point.
"""

from __future__ import annotations

from collections.abc import Callable

from ..backend import working_dtype
from ..validation import check_probabilities, check_real_floating, check_temperature

__all__ = ["mix", "mixing_weights", "MIX_SCHEDULES"]


def _reciprocal(xp, t):
    return 1 / t, (t - 1) / t


def _exponential(xp, t):
    return xp.exp(1 - t), -xp.expm1(1 - t)


def _clipped_reciprocal(xp, t):
    one = xp.ones_like(t)
    return xp.minimum(one, 1 / t), xp.maximum(xp.zeros_like(t), (t - 1) / t)


MIX_SCHEDULES: dict[str, Callable] = {
    "reciprocal": _reciprocal,
    "exponential": _exponential,
    "clipped_reciprocal": _clipped_reciprocal,
}


def mixing_weights(xp, dtype, T: float, alpha):
    """(α(T), 1 - α(T)) as 0-d arrays of ``dtype``."""
    if callable(alpha):
        value = float(alpha(T))
        return xp.asarray(value, dtype=dtype), xp.asarray(1.0 - value, dtype=dtype)
    try:
        schedule = MIX_SCHEDULES[alpha]
    except KeyError:
        raise ValueError(f"unknown mixing schedule {alpha!r}; choose one of {sorted(MIX_SCHEDULES)} or pass a callable") from None
    return schedule(xp, xp.asarray(T, dtype=dtype))


def mix(p, T: float, *, alpha="reciprocal", validate: bool = True):
    """Convex mixing toward uniform, q = α(T)·p + (1 - α(T))/V (eq. 9).

    ``alpha`` is a schedule name from :data:`MIX_SCHEDULES` or a callable
    T -> α.  For T < 1 the paper's schedules have α > 1 and the result may
    have negative entries (see the module docstring); it is returned as is.
    """
    if validate:
        xp = check_probabilities(p)
        T = check_temperature(T)
    else:
        xp = check_real_floating(p)
    dtype = working_dtype(xp, p.dtype)
    x = xp.astype(p, dtype, copy=False)
    a, complement = mixing_weights(xp, dtype, T, alpha)
    q = a * x + complement / p.shape[-1]
    return xp.astype(q, p.dtype, copy=False)

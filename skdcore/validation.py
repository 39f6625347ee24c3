"""Input validation shared by every public function.

Each check raises a subclass of :class:`skdcore.errors.InputValidationError`
naming the first offending row (as an index into the leading batch
dimensions) and the reason.  Checks cost one reduction per condition and a
device-to-host transfer only on the failure path.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from .backend import array_namespace, to_numpy
from .errors import DtypeError, NotOnSimplexError, ShapeError, TemperatureError

__all__ = [
    "check_temperature",
    "check_real_floating",
    "check_probabilities",
    "check_logits",
    "check_same_shape",
    "sum_tolerance",
    "first_bad_row",
    "describe_row",
]

FLOAT64_EPS = float(np.finfo(np.float64).eps)


def check_temperature(T, name: str = "T") -> float:
    """Return ``T`` as a Python float after checking it is a positive, finite real."""
    if isinstance(T, bool) or not isinstance(T, numbers.Real):
        raise TemperatureError(f"{name} must be a real number, got {type(T).__name__} {T!r}")
    value = float(T)
    if not math.isfinite(value) or value <= 0.0:
        raise TemperatureError(f"{name} must be a positive finite number, got {value!r}")
    return value


def check_real_floating(x, name: str = "p"):
    """Check ``x`` is an array with a real floating dtype and a non-empty last
    axis; return its namespace."""
    try:
        xp = array_namespace(x)
    except TypeError as exc:
        raise DtypeError(f"{name} must be an array, got {type(x).__name__}") from exc
    if not xp.isdtype(x.dtype, "real floating"):
        raise DtypeError(f"{name} must have a real floating dtype, got {x.dtype}")
    if x.ndim == 0:
        raise ShapeError(f"{name} must have at least one axis (the vocabulary axis), got a 0-d array")
    if x.shape[-1] == 0:
        raise ShapeError(f"{name} has an empty last axis (shape {tuple(x.shape)}); a distribution needs V >= 1 entries")
    return xp


def sum_tolerance(xp, dtype, V: int) -> float:
    """Largest |sum(p) - 1| accepted for a row of ``V`` entries.

    A correctly rounded distribution has entries within eps/2 relative of the
    exact ones, and summing V terms adds at most (V - 1) eps/2 relative, so a
    genuine probability vector stored in ``dtype`` sums to 1 within V·eps.
    Arrays of the high-precision namespace usually carry float64 data (for
    example a counterexample being re-executed), so their tolerance is never
    below the float64 one.
    """
    eps = max(float(xp.finfo(dtype).eps), FLOAT64_EPS)
    return V * eps


def first_bad_row(bad_rows, shape) -> tuple:
    """Index (over the leading batch dims) of the first True in ``bad_rows``."""
    flat = np.asarray(to_numpy(bad_rows), dtype=bool).reshape(-1)
    position = int(np.flatnonzero(flat)[0])
    return tuple(int(i) for i in np.unravel_index(position, shape[:-1])) if len(shape) > 1 else ()


def describe_row(index: tuple) -> str:
    return f"row {index}" if index else "the vector"


def check_probabilities(p, name: str = "p"):
    """Check every row of ``p`` (last axis) is a probability vector; return the namespace.

    Raises :class:`NotOnSimplexError` for a non-finite or negative entry or a
    row sum off by more than :func:`sum_tolerance`.
    """
    xp = check_real_floating(p, name)
    shape = tuple(p.shape)
    nonfinite = xp.logical_not(xp.isfinite(p))
    if bool(xp.any(nonfinite)):
        row = first_bad_row(xp.any(nonfinite, axis=-1), shape)
        raise NotOnSimplexError(f"{name}: {describe_row(row)} has a non-finite entry (NaN or inf)")
    negative = p < 0
    if bool(xp.any(negative)):
        row = first_bad_row(xp.any(negative, axis=-1), shape)
        values = to_numpy(p)[row] if row else to_numpy(p)
        column = int(np.flatnonzero(np.asarray(values < 0))[0])
        raise NotOnSimplexError(
            f"{name}: {describe_row(row)} has a negative entry at index {column} ({values[column]!r})"
        )
    tolerance = sum_tolerance(xp, p.dtype, shape[-1])
    row_sums = xp.sum(p, axis=-1)
    off = xp.abs(row_sums - 1) > tolerance
    if bool(xp.any(off)):
        row = first_bad_row(off, shape)
        total = to_numpy(row_sums)[row] if row else to_numpy(row_sums)
        raise NotOnSimplexError(
            f"{name}: {describe_row(row)} sums to {float(total)!r}, off 1 by more than the "
            f"tolerance {tolerance:.3g} (V·eps for V={shape[-1]}, dtype {p.dtype})"
        )
    return xp


def check_logits(z, name: str = "z"):
    """Check logits: real floating, no NaN or +inf, and at least one finite
    entry per row (-inf marks a token of probability zero); return the namespace."""
    xp = check_real_floating(z, name)
    shape = tuple(z.shape)
    invalid = xp.logical_or(xp.isnan(z), z == math.inf)
    if bool(xp.any(invalid)):
        row = first_bad_row(xp.any(invalid, axis=-1), shape)
        raise NotOnSimplexError(f"{name}: {describe_row(row)} has a NaN or +inf logit")
    all_masked = xp.logical_not(xp.any(xp.isfinite(z), axis=-1))
    if bool(xp.any(all_masked)):
        row = first_bad_row(all_masked, shape)
        raise NotOnSimplexError(f"{name}: every logit in {describe_row(row)} is -inf")
    return xp


def check_same_shape(a, b, names: tuple[str, str] = ("a", "b")) -> None:
    """Raise :class:`ShapeError` unless ``a`` and ``b`` have the same shape."""
    if tuple(a.shape) != tuple(b.shape):
        raise ShapeError(f"{names[0]} has shape {tuple(a.shape)} but {names[1]} has shape {tuple(b.shape)}")

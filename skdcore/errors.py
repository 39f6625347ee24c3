"""Exceptions raised on bad input.

Every public function validates its arguments (unless called with
``validate=False``) and raises a subclass of :class:`InputValidationError`,
itself a :class:`ValueError`, whose message names the offending row or entry
and the reason.  No public function returns a silent NaN for bad input.
"""

from __future__ import annotations

__all__ = [
    "InputValidationError",
    "NotOnSimplexError",
    "TemperatureError",
    "DtypeError",
    "ShapeError",
]


class InputValidationError(ValueError):
    """Base class for every input error skdcore raises."""


class NotOnSimplexError(InputValidationError):
    """A row is not a probability vector: a negative or non-finite entry, or
    a sum that differs from 1 by more than the dtype-aware tolerance."""


class TemperatureError(InputValidationError):
    """A temperature is not a positive, finite real number."""


class DtypeError(InputValidationError):
    """An array has an integer, boolean or complex dtype where a real
    floating dtype is required."""


class ShapeError(InputValidationError):
    """An empty last axis, or shapes that do not match."""

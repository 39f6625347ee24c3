"""Evaluating the operator in floating point or at high precision.

A check is written once against an *evaluator*: ``ev.point(p)`` turns a
float input into the evaluator's representation, ``ev(point, T)`` calls the
operator and returns an :class:`Output` whose values are a 1-d NumPy array
(float64 for floating point, mpf objects at high precision), and
``ev.arithmetic`` is the rounding model (:mod:`.rounding`) to judge them by.

* :class:`FloatEvaluator` calls the operator on NumPy arrays of the dtype
  under test and records deviations from the operator protocol (namespace,
  dtype) that still leave the values readable.
* :class:`HighPrecisionEvaluator` re-executes the operator on
  :mod:`skdcore.mp` arrays at ``dps`` digits.  The float input p is
  converted exactly and divided by its sum at that precision, so the
  re-execution happens at a point exactly on the simplex (to ``dps`` digits)
  within one ulp of p.  An operator that raises there or returns anything but
  an ``MPArray`` cannot be re-executed (its failures are then judged by the
  floating-point bound).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from skdcore.backend import to_numpy

from .invoke import CallFailure, Invoker
from .rounding import Arithmetic, float_arithmetic, mp_arithmetic

__all__ = ["Output", "FloatEvaluator", "HighPrecisionEvaluator"]


@dataclass(frozen=True, eq=False)
class Output:
    """The operator's output on one input: values, or why there are none."""

    values: np.ndarray | None
    arithmetic: Arithmetic
    failure: CallFailure | None = None
    issues: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.failure is None


def _type_name(x) -> str:
    kind = type(x)
    return kind.__qualname__ if kind.__module__ == "builtins" else f"{kind.__module__}.{kind.__qualname__}"


class FloatEvaluator:
    """Calls the operator on NumPy arrays of ``dtype``."""

    exact = False

    def __init__(self, invoker: Invoker, dtype):
        self.invoker = invoker
        self.dtype = np.dtype(dtype)
        self.arithmetic = float_arithmetic(self.dtype)
        self.label = self.dtype.name

    def point(self, p: np.ndarray) -> np.ndarray:
        return np.asarray(p, dtype=self.dtype)

    def between(self, a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
        """The point (1 - t)·a + t·b, rounded to the dtype."""
        return ((1 - t) * a.astype(np.float64) + t * b.astype(np.float64)).astype(self.dtype)

    def __call__(self, point: np.ndarray, T: float) -> Output:
        raw = self.invoker(point, T)
        if isinstance(raw, CallFailure):
            return Output(None, self.arithmetic, raw)
        issues = []
        if not isinstance(raw, np.ndarray):
            issues.append(f"returned {_type_name(raw)}, not numpy.ndarray (the input's namespace)")
        try:
            array = np.asarray(to_numpy(raw))
            values = array.astype(np.float64)
        except Exception as exc:  # noqa: BLE001 - any unreadable result is the operator's failure
            return Output(
                None,
                self.arithmetic,
                CallFailure("output", f"result of type {_type_name(raw)} is not an array of reals ({exc})"),
            )
        if array.shape != point.shape:
            return Output(
                None, self.arithmetic, CallFailure("output", f"result has shape {array.shape}, the input {point.shape}")
            )
        arithmetic = self.arithmetic
        if array.dtype != self.dtype:
            issues.append(f"result dtype {array.dtype}, the input's {self.dtype}")
            if array.dtype.kind == "f" and np.finfo(array.dtype).eps > arithmetic.eps:
                arithmetic = float_arithmetic(array.dtype)  # judged at the precision it returns
        return Output(values, arithmetic, None, tuple(issues))


class HighPrecisionEvaluator:
    """Re-executes the operator on :mod:`skdcore.mp` arrays at ``dps`` digits,
    trusting results to ``digits`` of them (the rest are guard digits)."""

    exact = True

    def __init__(self, invoker: Invoker, dps: int, digits: int):
        from skdcore import mp

        self._mp = mp
        self.invoker = invoker
        self.xp = mp.namespace(dps)
        self.arithmetic = mp_arithmetic(self.xp, digits)
        self.label = f"{dps} digits"

    def point(self, p: np.ndarray) -> np.ndarray:
        a = self.xp.asarray(np.asarray(p))
        return self._mp.to_numpy_object(a / self.xp.sum(a))

    def between(self, a: np.ndarray, b: np.ndarray, t: float) -> np.ndarray:
        """The point a + t·(b - a) at this precision."""
        return a + (b - a) * self.arithmetic.number(t)

    def __call__(self, point: np.ndarray, T: float) -> Output:
        raw = self.invoker(self.xp.asarray(point), T)
        if isinstance(raw, CallFailure):
            return Output(None, self.arithmetic, raw)
        if not isinstance(raw, self._mp.MPArray):
            return Output(
                None,
                self.arithmetic,
                CallFailure("output", f"returned {_type_name(raw)} for an skdcore.mp input, not an MPArray"),
            )
        values = self._mp.to_numpy_object(raw)
        if values.shape != point.shape:
            return Output(
                None,
                self.arithmetic,
                CallFailure("output", f"result has shape {values.shape}, the input {point.shape}"),
            )
        return Output(values, self.arithmetic)

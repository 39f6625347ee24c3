"""Every public function rejects each kind of bad input with the documented error."""

from __future__ import annotations

import math

import numpy as np
import pytest

import skdcore
from skdcore.errors import DtypeError, InputValidationError, NotOnSimplexError, ShapeError, TemperatureError

GOOD = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5]])

OPERATORS = {
    "power": lambda p, T=2.0: skdcore.power(p, T),
    "mix": lambda p, T=2.0: skdcore.mix(p, T),
    "entropy": lambda p, T=None: skdcore.entropy(p),
    "kl": lambda p, T=None: skdcore.kl_divergence(p, p),
}


def _with(row: int, column: int, value: float) -> np.ndarray:
    p = GOOD.copy()
    p[row, column] = value
    return p


BAD_ROWS = {
    "negative entry": (_with(1, 2, -0.5), NotOnSimplexError, r"row \(1,\) has a negative entry at index 2"),
    "nan entry": (_with(1, 0, math.nan), NotOnSimplexError, r"row \(1,\) has a non-finite entry"),
    "inf entry": (_with(0, 1, math.inf), NotOnSimplexError, r"row \(0,\) has a non-finite entry"),
    "row sum off": (_with(1, 2, 0.6), NotOnSimplexError, r"row \(1,\) sums to 1\.1"),
    "integer dtype": (np.array([[1, 0], [0, 1]]), DtypeError, "real floating dtype"),
    "complex dtype": (GOOD.astype(np.complex128), DtypeError, "real floating dtype"),
    "empty last axis": (np.zeros((2, 0)), ShapeError, "empty last axis"),
    "0-d array": (np.array(1.0), ShapeError, "at least one axis"),
}


@pytest.mark.parametrize("operator", sorted(OPERATORS))
@pytest.mark.parametrize("case", sorted(BAD_ROWS))
def test_bad_probabilities_are_rejected(operator, case):
    p, error, message = BAD_ROWS[case]
    with pytest.raises(error, match=message):
        OPERATORS[operator](p)


@pytest.mark.parametrize("operator", ["power", "mix"])
@pytest.mark.parametrize("T", [0.0, -1.0, math.inf, math.nan, -math.inf, True, "2", None, 1j])
def test_bad_temperatures_are_rejected(operator, T):
    with pytest.raises(TemperatureError):
        OPERATORS[operator](GOOD, T)


def test_errors_are_value_errors():
    for error in (NotOnSimplexError, TemperatureError, DtypeError, ShapeError):
        assert issubclass(error, InputValidationError) and issubclass(error, ValueError)


def test_kl_shape_mismatch():
    with pytest.raises(ShapeError, match=r"q has shape \(2, 3\) but p has shape \(1, 3\)"):
        skdcore.kl_divergence(GOOD, GOOD[:1])


def test_batch_row_is_named_by_its_multi_index():
    p = np.tile(GOOD, (2, 1, 1))
    p[1, 0, 0] = -0.5
    with pytest.raises(NotOnSimplexError, match=r"row \(1, 0\)"):
        skdcore.power(p, 2.0)


def test_numpy_float_temperature_is_accepted():
    np.testing.assert_array_equal(skdcore.power(GOOD, np.float32(1.0)), skdcore.power(GOOD, 1))


def test_tolerance_scales_with_dtype_and_vocabulary():
    # A float32 softmax of V = 50_000 sums to 1 only within ~V·eps32; it is accepted.
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.ones(50_000)).astype(np.float32)
    assert abs(float(p.sum(dtype=np.float64)) - 1) > np.finfo(np.float64).eps * 50_000
    skdcore.power(p, 2.0)
    # The same deviation in float64 would be far beyond V·eps64.
    with pytest.raises(NotOnSimplexError):
        skdcore.power(np.array([0.5, 0.5 + 1e-9]), 2.0)


def test_validate_false_skips_checks():
    p = np.array([0.6, 0.6])  # not a distribution, but the caller vouches for it
    skdcore.power(p, 2.0, validate=False)

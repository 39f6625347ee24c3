"""Array-namespace dispatch.

Every numeric function in skdcore is written once against the Python array
API standard and obtains its namespace from its inputs with
:func:`array_namespace`.  Supported: NumPy, CuPy, torch (through
``array_api_compat``), ``array_api_strict``, and skdcore's high-precision
namespace :mod:`skdcore.mp`.  Dispatch is by array type, never by a global flag.
"""

from __future__ import annotations

import math

import array_api_compat
import numpy as np

__all__ = [
    "array_namespace",
    "to_numpy",
    "working_dtype",
    "exp_underflow_log",
    "is_numpy_array",
]


def array_namespace(*arrays):
    """Return the array-API namespace shared by ``arrays``.

    NumPy arrays map to ``array_api_compat.numpy``, torch tensors to
    ``array_api_compat.torch``, CuPy arrays to ``array_api_compat.cupy``;
    objects that define ``__array_namespace__`` (``array_api_strict``,
    :class:`skdcore.mp.MPArray`) return their own namespace.  Raises
    ``TypeError`` for mixed or unsupported types.
    """
    return array_api_compat.array_namespace(*arrays)


def is_numpy_array(x) -> bool:
    """True for a plain NumPy ndarray (the Numba fast path's input type)."""
    return isinstance(x, np.ndarray)


def to_numpy(x) -> np.ndarray:
    """Copy ``x`` to a NumPy array on the host, whatever its namespace.

    High-precision arrays become object arrays of ``mpf``; use
    :func:`skdcore.mp.to_float` to round them to a float dtype.
    """
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "to_numpy_object"):  # skdcore.mp.MPArray
        return x.to_numpy_object()
    if array_api_compat.is_torch_array(x):
        return x.detach().cpu().numpy()
    if array_api_compat.is_cupy_array(x):
        return x.get()
    try:
        return np.from_dlpack(x)
    except (TypeError, AttributeError, RuntimeError, BufferError):
        return np.asarray(x)


def working_dtype(xp, dtype):
    """The dtype in which skdcore evaluates a function whose input has ``dtype``.

    float32 (and narrower) inputs are evaluated in float64 when the namespace
    has it and the result is rounded back: then a temperature given as a
    Python float (anything in [1e-300, 1e300]) is represented exactly, and the
    float32 result is accurate to float32 precision.  Namespaces without
    float64 evaluate in ``dtype`` itself.
    """
    float64 = getattr(xp, "float64", None)
    if float64 is None:
        return dtype
    return float64


def exp_underflow_log(xp, dtype) -> float:
    """A value L with exp(x) == 0 exactly in ``dtype`` for every x <= L.

    For IEEE dtypes exp underflows to zero below log(smallest subnormal)
    (about -745.1 in float64, -103.3 in float32); L is 10 below that so no
    rounding at the edge matters.  Namespaces without underflow (the
    high-precision namespace reports ``smallest_normal == 0``) get -inf, so
    nothing is ever clipped there.
    """
    info = xp.finfo(dtype)
    smallest_normal = float(info.smallest_normal)
    if smallest_normal == 0.0:
        return -math.inf
    mantissa_bits = -round(math.log2(float(info.eps)))
    return math.log(smallest_normal) - mantissa_bits * math.log(2.0) - 10.0

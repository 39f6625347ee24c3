"""Vectorisable float32 exp2 and log-ratio for the float32 power kernel, about 1 ulp of float32.

The float32 counterparts of :mod:`.cpu_math`, so that float32 rows are
processed 8 per AVX2 vector instead of 4.  The condition-aware error measure
of issue 2 judges float32 results with float32's eps, and every step below is
accurate to a few float32 ulps of the quantity the measure scales by:
r = log(p / max p) to 1.7 eps32 relative, x = r · (log2(e)/T) to 1 more,
2^x to 0.95 ulp (measured: all float32 x in [-160, 0], and 3·10^6 ratios to
each of 69 maxima; its relative error ln2·|x|·δ from x's error is the
|log(p_i/p_max)|/T term of the measure).  The kernel evaluates
q ∝ 2^(r·log2(e)/T) = exp(r/T): base 2 makes the exp's range reduction exact.

Every constant is a float32 scalar: a Python float would promote the
arithmetic to float64.

* :func:`exp2_nonpositive`: x = n + f with n = round(x) and f = x - n exact,
  |f| <= 1/2; 2^f = 1 + f·P(f), P the degree-5 minimax polynomial for
  (2^f - 1)/f (relative error 2e-9); 2^n applied as 2^(n+64) (exact) and
  2^-64 (one rounding, only where the result is subnormal).
* :func:`ratio_to_top`: log(a / top) by log1p near a tie (a - top exact) and,
  for a < top/2, from w = a·2^24/m_top (top = 2^k·m_top): one rounding, w is
  a normal float for every a > 0 (no subnormal case), and its offset bit split
  w = 2^j·m with m in [√2/2, √2) needs no further reduction; fdlibm's e_logf
  series for log(1 + f) on that range.
"""

from __future__ import annotations

import llvmlite.ir as llvm_ir
import numpy as np
from numba import njit, types
from numba.extending import intrinsic

from .cpu_math import ELEMENTWISE

__all__ = ["EXP2_UNDERFLOW", "LOG2E", "MAX_TOP", "exp2_nonpositive", "ratio_to_top", "row_constants"]

_f = np.float32
EXP2_UNDERFLOW = _f(-160.0)
"""A float32 x with 2^x == 0 in float32 for every x at or below it (2^-150 rounds to 0)."""
LOG2E = 1.4426950408889634
"""log2(e), for the float64 computation of a row's scale log2(e)/T."""
MAX_TOP = 2.0**100
"""Rows whose maximum is below this (every row on the simplex) keep w = a·2^24/m_top finite."""

_ZERO, _HALF, _ONE, _TWO = _f(0.0), _f(0.5), _f(1.0), _f(2.0)
_SHIFTER = _f(12582912.0)  # 1.5 * 2**23: x + _SHIFTER rounds x to an integer
_E1, _E2, _E3 = _f(0.6931471824645996), _f(0.24022647738456726), _f(0.055503327399492264)
_E4, _E5, _E6 = _f(0.009618427604436874), _f(0.0013398815644904971), _f(0.00015356125368271023)
_TWO_M64 = _f(2.0**-64)
_SQRT1_2_BITS = 0x3F3504F3  # the bits of √2/2: w's bits minus these split w as 2^j·m, m in [√2/2, √2)
_SQRT1_2_M1 = _f(0.707106781 - 1.0)
_LN2_HI, _LN2_LO = _f(6.9313812256e-01), _f(9.0580006145e-06)
_LG1, _LG2, _LG3, _LG4 = _f(6.6666662693e-01), _f(4.0000972152e-01), _f(2.8498786688e-01), _f(2.4279078841e-01)
_NEG_INF = _f(-np.inf)


_I32 = llvm_ir.IntType(32)


@intrinsic
def _pow2_of_rounded(typingctx, t):
    """2^(n + 64) for t = x + _SHIFTER, which holds n = round(x) in its low mantissa bits:
    the float with bits (bits(t) + 127 + 64) << 23 (the shift drops _SHIFTER's own bits).
    int32 arithmetic in LLVM IR: Numba would widen int32 operations to int64, halving the
    lanes of the vector code."""

    def codegen(context, builder, signature, args):
        bits = builder.add(builder.bitcast(args[0], _I32), _I32(127 + 64))
        return builder.bitcast(builder.shl(bits, _I32(23)), llvm_ir.FloatType())

    return types.float32(types.float32), codegen


@intrinsic
def _split_offset(typingctx, w):
    """(j, m) with w = 2^j·m exactly and m in [√2/2, √2), for a normal float32 w > 0:
    j = (bits(w) - bits(√2/2)) >> 23 (arithmetic shift), m has the bits of w minus j << 23
    (int32 arithmetic in LLVM IR, as :func:`_pow2_of_rounded`)."""

    def codegen(context, builder, signature, args):
        bits = builder.bitcast(args[0], _I32)
        j = builder.ashr(builder.sub(bits, _I32(_SQRT1_2_BITS)), _I32(23))
        m = builder.bitcast(builder.sub(bits, builder.shl(j, _I32(23))), llvm_ir.FloatType())
        return context.make_tuple(builder, signature.return_type, [builder.sitofp(j, llvm_ir.FloatType()), m])

    return types.UniTuple(types.float32, 2)(types.float32), codegen


@njit(**ELEMENTWISE)
def exp2_nonpositive(x):
    """2^x for float32 -inf < x <= 0 (callers clip x at :data:`EXP2_UNDERFLOW`)."""
    t = x + _SHIFTER
    f = x - (t - _SHIFTER)
    p = _E6
    p = p * f + _E5
    p = p * f + _E4
    p = p * f + _E3
    p = p * f + _E2
    p = p * f + _E1
    y = p * f + _ONE
    return (y * _pow2_of_rounded(t)) * _TWO_M64


@njit(**ELEMENTWISE)
def _log1p_reduced(k, f):
    """k·ln2 + log(1 + f) for f in [√2/2 - 1, √2 - 1] (fdlibm e_logf)."""
    s = f / (_TWO + f)
    z = s * s
    w = z * z
    r = z * (_LG1 + w * _LG3) + w * (_LG2 + w * _LG4)
    hfsq = _HALF * f * f
    return s * (hfsq + r) + k * _LN2_LO - hfsq + f + k * _LN2_HI


@njit(**ELEMENTWISE)
def ratio_to_top(a, top, inverse, far_scale, far_exponent):
    """log(a / top) for float32 0 <= a <= top < :data:`MAX_TOP`, with the constants of
    :func:`row_constants` (w = a·far_scale is normal for a > 0 and finite)."""
    near = a >= _HALF * top
    d = (a - top) * inverse
    low = d < _SQRT1_2_M1
    k_near, f_near = (_f(-1.0), _TWO * d + _ONE) if low else (_ZERO, d)
    j, m = _split_offset(a * far_scale)
    f_far = m - _ONE
    k_far = j - far_exponent
    value = _log1p_reduced(k_near if near else k_far, f_near if near else f_far)
    return value if a > _ZERO else _NEG_INF


@njit(**ELEMENTWISE)
def row_constants(constants):
    """The float32 constants (top, 1/top, 2^24/m, 24 + k) of :func:`ratio_to_top` from the
    float64 ones (top, 1/top, k, 1/m) of a row maximum top = 2^k·m
    (:func:`.cpu_escort.constants_for`), each rounded once."""
    top, inverse, exponent, inverse_mantissa = constants
    return np.float32(top), np.float32(inverse), np.float32(inverse_mantissa * 16777216.0), np.float32(exponent + 24.0)

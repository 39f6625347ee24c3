"""Vectorisable float64 exp and log for the Numba kernels, accurate to about 1 ulp.

Numba lowers ``math.exp``/``math.log`` to scalar libm calls, which LLVM
cannot vectorise; these are written in plain arithmetic and bit operations
so that a loop calling them compiles to AVX2/AVX-512 code.  All arithmetic
is float64 (float32 data is widened on load) and every function is compiled
with the ``contract`` fast-math flag only: fused multiply-adds are at least
as accurate as the separate operations, while reassociation would destroy
the exact range reductions below.

* :func:`exp_nonpositive`: x = n ln2 + r with n = round(x / ln2) and
  |r| <= ln2/2 (Cody–Waite: n·LN2_HI is exact, r is exact up to the
  rounding of n·LN2_LO); exp(r) = 1 + (r + r²·P(r)) with P the Taylor
  polynomial to r^13/13! (truncation < 5e-18); 2^n applied as 2^(n+600)
  (exact) and 2^-600, so that subnormal results are rounded once.  Measured error
  <= 0.7 ulp on [-745, 0]; exp(0) = 1 exactly, exp(x) = 0 for x < -745.2.
* :func:`log1p_reduced`: k ln2 + log(1 + f) for f in [√2/2 - 1, √2 - 1],
  fdlibm's s = f / (2 + f) series (error < 1 ulp).
* :func:`log_positive` and the log-ratios reduce their argument to that form
  *exactly*: a = 2^k (1 + f) from the bits (subnormals rescaled by 2^54),
  and for log(a/b) near a tie (b/2 <= a <= √2 b) f = (a - b)/b with the
  subtraction exact by Sterbenz's lemma; elsewhere the quotient of the two
  mantissas, which lies in (1/2, 2) and so never under- or overflows (the
  exponents are subtracted as integers).  Measured relative error <= 1.1
  eps, the same bound as :mod:`skdcore.logratio`.
"""

from __future__ import annotations

import llvmlite.ir as llvm_ir
from numba import njit, types
from numba.extending import intrinsic

__all__ = [
    "CONTRACT",
    "float_bits",
    "bits_float",
    "REDUCE",
    "KERNEL",
    "ELEMENTWISE",
    "EXP_UNDERFLOW_LOG",
    "exp_nonpositive",
    "log1p_reduced",
    "log_positive",
    "log_ratio",
    "top_constants",
    "ratio_to_top",
    "row_max_nonnegative",
    "row_max",
    "row_sum",
]

CONTRACT = {"contract"}
"""Fast-math flags of every kernel: FMA contraction only (no reassociation,
no 'nnan'/'ninf': zeros give -inf logarithms)."""
REDUCE = {"contract", "reassoc"}
"""Flags of the plain sums (:func:`row_sum`): reassociation lets LLVM keep
several partial sums (a vectorised, pairwise-like order, never less accurate)."""
KERNEL = dict(cache=True, error_model="numpy", fastmath=CONTRACT)
"""Options shared by every njit function: cached, and no ZeroDivisionError
checks (they would prevent vectorisation; no kernel divides by zero)."""
ELEMENTWISE = dict(KERNEL, inline="always")
"""Options of the scalar functions called per element: inlined in Numba's IR
(LLVM's inliner may refuse them, and a call inside a loop stops vectorisation).
Inlined code takes the caller's fast-math flags, so every caller uses CONTRACT."""

EXP_UNDERFLOW_LOG = -754.4400719213812
"""skdcore.backend.exp_underflow_log(np, float64): exp(x) == 0 for x <= this."""

_SHIFTER = 6755399441055744.0  # 1.5 * 2**52: x + _SHIFTER rounds x to an integer
_INV_LN2 = 1.4426950408889634
_LN2_HI = 6.93147180369123816490e-01  # 32 significant bits: n * _LN2_HI is exact
_LN2_LO = 1.90821492927058770002e-10
_TWO_M600 = 2.0**-600
_SMALLEST_NORMAL = 2.2250738585072014e-308
_TWO_54 = 18014398509481984.0
_MANTISSA = (1 << 52) - 1
_ONE_BITS = 1023 << 52
_EXPONENT_MAGIC = 0x4330000000000000  # the bits of 2^52: OR-ing an integer n < 2^52 in gives 2^52 + n
_EXPONENT_MAGIC_VALUE = 2.0**52 + 1023.0  # 2^52 + the exponent bias
_SQRT2 = 1.4142135623730951
_SQRT1_2 = 0.7071067811865476
# fdlibm e_log.c
_LG1 = 6.666666666666735130e-01
_LG2 = 3.999999999940941908e-01
_LG3 = 2.857142874366239149e-01
_LG4 = 2.222219843214978396e-01
_LG5 = 1.818357216161805012e-01
_LG6 = 1.531383769920937332e-01
_LG7 = 1.479819860511658591e-01


@intrinsic
def float_bits(typingctx, x):
    """The IEEE bit pattern of a float64 as an int64 (an LLVM bitcast)."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], llvm_ir.IntType(64))

    return types.int64(types.float64), codegen


@intrinsic
def bits_float(typingctx, x):
    """The float64 with the given int64 bit pattern."""

    def codegen(context, builder, signature, args):
        return builder.bitcast(args[0], llvm_ir.DoubleType())

    return types.float64(types.int64), codegen


@njit(**ELEMENTWISE)
def exp_nonpositive(x):
    """exp(x) for -inf < x <= 0 (callers clip x at :data:`EXP_UNDERFLOW_LOG`)."""
    t = x * _INV_LN2 + _SHIFTER
    nd = t - _SHIFTER
    n = float_bits(t) - float_bits(_SHIFTER)
    r = (x - nd * _LN2_HI) - nd * _LN2_LO
    p = 1.0 / 6227020800.0
    p = p * r + 1.0 / 479001600.0
    p = p * r + 1.0 / 39916800.0
    p = p * r + 1.0 / 3628800.0
    p = p * r + 1.0 / 362880.0
    p = p * r + 1.0 / 40320.0
    p = p * r + 1.0 / 5040.0
    p = p * r + 1.0 / 720.0
    p = p * r + 1.0 / 120.0
    p = p * r + 1.0 / 24.0
    p = p * r + 1.0 / 6.0
    p = p * r + 0.5
    y = 1.0 + (r * r * p + r)
    # 2^n as 2^(n+600), exact (n >= -1089), then 2^-600: one rounding, only where the result is subnormal
    return (y * bits_float((n + 600 + 1023) << 52)) * _TWO_M600


@njit(**ELEMENTWISE)
def log1p_reduced(k, f):
    """k·ln2 + log(1 + f) for an integer-valued float k and f in [√2/2 - 1, √2 - 1]."""
    s = f / (2.0 + f)
    z = s * s
    w = z * z
    r = z * (_LG1 + w * (_LG3 + w * (_LG5 + w * _LG7))) + w * (_LG2 + w * (_LG4 + w * _LG6))
    hfsq = 0.5 * f * f
    return s * (hfsq + r) + k * _LN2_LO - hfsq + f + k * _LN2_HI


@njit(**ELEMENTWISE)
def _split(a):
    """(k, m) with a = 2^k·m exactly, m in [1, 2), for a > 0 (subnormals included);
    k is returned as a float (read from the exponent bits with the 2^52 trick,
    because AVX2 has no int64 -> float64 conversion)."""
    subnormal = a < _SMALLEST_NORMAL
    bits = float_bits(a * _TWO_54 if subnormal else a)
    biased = bits_float(((bits >> 52) & 0x7FF) | _EXPONENT_MAGIC) - _EXPONENT_MAGIC_VALUE
    k = biased - 54.0 if subnormal else biased
    return k, bits_float((bits & _MANTISSA) | _ONE_BITS)


@njit(**ELEMENTWISE)
def _reduce_quotient(k, t):
    """(k', f) with 2^k·t = 2^k'·(1 + f), f in the reduced range, for t in (1/2, 2) (exact;
    k and k' integer-valued floats)."""
    low = t < _SQRT1_2
    high = t >= _SQRT2
    f = t * 2.0 - 1.0 if low else (t * 0.5 - 1.0 if high else t - 1.0)
    return k - 1.0 if low else (k + 1.0 if high else k), f


@njit(**ELEMENTWISE)
def _reduce_near(d):
    """(k, f) with 1 + d = 2^k·(1 + f), f in the reduced range, for d in [-1/2, √2 - 1]
    (f = d, or 2d + 1 which is exact)."""
    low = d < _SQRT1_2 - 1.0
    return -1.0 if low else 0.0, 2.0 * d + 1.0 if low else d


@njit(**ELEMENTWISE)
def log_positive(a):
    """log a for finite a > 0."""
    k, m = _split(a)
    k, f = _reduce_quotient(k, m)
    return log1p_reduced(k, f)


@njit(**ELEMENTWISE)
def log_ratio(a, b):
    """log(a / b) for finite a, b >= 0: -inf if a == 0, +inf if a > 0 == b."""
    near = (a >= 0.5 * b) & (a <= _SQRT2 * b)
    ka, ma = _split(a)
    kb, mb = _split(b)
    quotient = (a - b if near else ma) / (b if near else mb)
    k_near, f_near = _reduce_near(quotient)
    k_far, f_far = _reduce_quotient(ka - kb, quotient)
    value = log1p_reduced(k_near if near else k_far, f_near if near else f_far)
    value = value if b > 0 else float("inf")
    return value if a > 0 else float("-inf")


@njit(**ELEMENTWISE)
def ratio_to_top(a, top, inverse, top_exponent, inverse_mantissa):
    """log(a / top) for 0 <= a <= top with the precomputed 1/top, and top = 2^k·m as
    (k, 1/m) (:func:`top_constants`): the divisions of :func:`log_ratio` become products
    (one extra rounding, within the 1.1 eps bound)."""
    near = a >= 0.5 * top
    ka, ma = _split(a)
    k_near, f_near = _reduce_near((a - top) * inverse)
    k_far, f_far = _reduce_quotient(ka - top_exponent, ma * inverse_mantissa)
    value = log1p_reduced(k_near if near else k_far, f_near if near else f_far)
    return value if a > 0 else float("-inf")


@njit(**ELEMENTWISE)
def top_constants(top):
    """The per-row constants of :func:`ratio_to_top` for a row maximum ``top`` > 0."""
    k, m = _split(top)
    return 1.0 / top, k, 1.0 / m


@njit(**KERNEL)
def row_max_nonnegative(row):
    """max of a row of non-negative floats, as the max of their bit patterns (which
    order non-negative floats; an integer max vectorises, a float max does not)."""
    top = 0
    for j in range(row.shape[0]):
        bits = float_bits(float(row[j]))
        top = bits if bits > top else top
    return bits_float(top)


@njit(**KERNEL)
def row_max(row):
    """max of a row of floats (may hold -inf)."""
    top = float("-inf")
    for j in range(row.shape[0]):
        x = float(row[j])
        top = x if x > top else top
    return top


@njit(cache=True, error_model="numpy", fastmath=REDUCE)
def row_sum(row):
    """sum of a row, accumulated in float64."""
    total = 0.0
    for j in range(row.shape[0]):
        total += row[j]
    return total

"""Row passes of the escort path q ∝ exp(r / T) shared by the Numba kernels.

A *source row* is either probabilities (r_j = log(p_j / max p), the power
transform, eq. 8) or logits (r_j = z_j - max z, softmax(z / T), eq. 1); the
flag ``logits`` selects which, and is loop-invariant (LLVM unswitches it).
As in :mod:`skdcore.escort`, r / T is clipped at the exp-underflow log L, so
T = 1e-300 never evaluates exp(-1e302) (the clip changes no result: exp is 0
below L), zeros of p (r = -inf) get weight exactly 0 and maxima exactly 1.
float32 rows are evaluated in float32 arithmetic (:mod:`.cpu_math32`), sums
always in float64.

Vectorisation note for every kernel module: inner loops index views from 0
(``for j in range(view.shape[0])``).  An index that LLVM cannot prove
non-negative keeps Numba's negative-index wraparound, which widens LLVM's
runtime alias check to a whole extra row; arrays allocated close together
then fail the check and the loop runs scalar (3x slower).
"""

from __future__ import annotations

import numpy as np
from numba import njit, types
from numba.extending import overload

from . import cpu_math32
from .cpu_math import (
    ELEMENTWISE,
    EXP_UNDERFLOW_LOG,
    KERNEL,
    exp_nonpositive,
    ratio_to_top,
    row_max,
    row_max_nonnegative,
    row_sum,
    top_constants,
)

__all__ = ["BLOCK", "row_top", "constants_for", "source_row", "log_ratio_at", "clipped_exp", "block_weights", "write_escort", "normalise", "scale"]

BLOCK = 512
"""Columns per block of the fused row passes (4 KiB of float64, L1-resident)."""


@njit(**KERNEL)
def row_top(row, logits):
    """The maximum of a source row."""
    return row_max(row) if logits else row_max_nonnegative(row)


@njit(**KERNEL)
def constants_for(top, logits):
    """The constants of :func:`log_ratio_at` for a row maximum: (max, 1/max, exponent, 1/mantissa)."""
    if logits:
        return top, 1.0, 0.0, 1.0
    inverse, exponent, inverse_mantissa = top_constants(top)
    return top, inverse, exponent, inverse_mantissa


@njit(**KERNEL)
def source_row(row, logits):
    """The constants of :func:`log_ratio_at` for a source row."""
    return constants_for(row_top(row, logits), logits)


@njit(**ELEMENTWISE)
def log_ratio_at(x, constants, logits):
    """r = log(x / max) of a probability, or x - max of a logit (``constants`` from :func:`source_row`)."""
    top, inverse, exponent, inverse_mantissa = constants
    if logits:
        return x - top
    return ratio_to_top(x, top, inverse, exponent, inverse_mantissa)


@njit(**ELEMENTWISE)
def clipped_exp(x):
    """exp(max(x, L)) in [0, 1] for x <= 0."""
    return exp_nonpositive(x if x > EXP_UNDERFLOW_LOG else EXP_UNDERFLOW_LOG)


@njit(**KERNEL)
def _weights64(block, constants, logits, inverse_t, out):
    """out = exp(max(r / T, L)) for a block of a float64 source row, in two loops
    (the scaled log-ratios, then their exponentials in place): two short loops
    vectorise better than one (fewer live registers)."""
    for j in range(block.shape[0]):
        out[j] = log_ratio_at(block[j], constants, logits) * inverse_t
    for j in range(block.shape[0]):
        out[j] = clipped_exp(out[j])


@njit(**KERNEL)
def _weights32(block, constants, logits, inverse_t, out):
    """The same for a float32 row in float32 arithmetic (8 lanes per AVX2 vector), as
    2^(r·log2(e)/T) (:func:`.cpu_math32.exp2_nonpositive`).

    1/T is clamped to [2^-100, 2^100] before the scale log2(e)/T is rounded to a
    float32; that changes no weight: beyond the clamp every x = r/T with r != 0 is
    below float32's underflow log (|r| >= 6e-8 for r != 0) or rounds exp(x) to 1
    (|x| <= 104·2^-100).  Rows of probabilities (maximum below
    :data:`.cpu_math32.MAX_TOP`)."""
    top, inverse, far_scale, far_exponent = cpu_math32.row_constants(constants)
    scale = np.float32(cpu_math32.LOG2E * min(max(inverse_t, 2.0**-100), 2.0**100))
    for j in range(block.shape[0]):
        x = block[j]
        r = x - top if logits else cpu_math32.ratio_to_top(x, top, inverse, far_scale, far_exponent)
        out[j] = r * scale
    for j in range(block.shape[0]):
        x = out[j]
        out[j] = cpu_math32.exp2_nonpositive(x if x > cpu_math32.EXP2_UNDERFLOW else cpu_math32.EXP2_UNDERFLOW)


def block_weights(block, constants, logits, inverse_t, out):
    """out = exp(max(r / T, L)) for a block of a source row and ``out`` of its dtype:
    float64 arithmetic for float64 rows, float32 arithmetic for float32 rows
    (jitted code only; resolved by type through the overload below)."""
    raise NotImplementedError("block_weights is called from jitted code only")


@overload(block_weights)
def _block_weights(block, constants, logits, inverse_t, out):
    kernel = _weights32 if block.dtype == types.float32 else _weights64
    return lambda block, constants, logits, inverse_t, out: kernel(block, constants, logits, inverse_t, out)


@njit(**KERNEL)
def write_escort(row, constants, logits, T, out):
    """out_j = exp(r_j / T) / sum_i exp(r_i / T) for one source row: the weights,
    column block by column block (views indexed from 0, see the module
    docstring), each block summed while it is in L1, then the scaling; the sum in
    the order of :func:`normalise`."""
    inverse_t = 1.0 / T
    total = 0.0
    for start in range(0, row.shape[0], BLOCK):
        weights = out[start : start + BLOCK]
        block_weights(row[start : start + BLOCK], constants, logits, inverse_t, weights)
        total += row_sum(weights)
    scale(out, 1.0 / total)


@njit(**KERNEL)
def normalise(out):
    """Scale a row of weights to sum 1.  The sum is taken in float64, block by
    block of :data:`BLOCK` columns: every kernel normalises in this one order
    (:func:`write_escort` too), so equal weights give bitwise equal rows
    (``entropy_projection`` equals ``power`` at its effective temperature)."""
    total = 0.0
    for start in range(0, out.shape[0], BLOCK):
        total += row_sum(out[start : start + BLOCK])
    scale(out, 1.0 / total)


@njit(**KERNEL)
def scale(out, factor):
    """out *= factor, in place, in the arithmetic of out's dtype (factor rounded to it
    once: 8 float32 lanes per AVX2 vector, not 4 widened ones)."""
    factor = out.dtype.type(factor)
    for j in range(out.shape[0]):
        out[j] = out[j] * factor

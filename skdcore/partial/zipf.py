"""Zipf (power-law) tail completion of a top-k teacher (paper, Section II.C, "tail modeling").

**Fit.**  The visible values sorted in decreasing order, v_(1) >= ... >= v_(k),
are fitted by ordinary least squares on the log-log scale,
log v_(r) = c - a·log r over the ranks r with v_(r) > 0.  This is the classic
rank-frequency fit; it needs at least two positive visible values.  Because
log v_(r) is non-increasing in r the slope is <= 0, so a >= 0 (a rounding
residue below 0 is set to 0).

**Scale and cap.**  The unseen token of rank ρ = k+1, ..., V gets

    t_ρ = min(m, λ·ρ^(-a)),   m = min_i v_i,

with λ chosen so that sum_ρ t_ρ = R = 1 - sum_i v_i *exactly* (the fitted
intercept is not used: the observed missing mass fixes the scale).  The cap
makes the completion ranking-consistent: no unseen token exceeds a visible
one.  g(λ) = sum_ρ min(m, λρ^(-a)) is continuous, non-decreasing and
piecewise linear with g(∞) = (V-k)·m, so a solution exists iff
R <= (V-k)·m -- the same feasibility condition as the maximum-entropy
completion (:func:`skdcore.partial.max_entropy.feasible_missing_mass` checks it).  The
capped tokens form a prefix ρ <= k + j.  With
S(j) = sum_{ρ > k+j} ((k+j+1)/ρ)^a, the breakpoint condition
"g at λ = m(k+j+1)^a is >= R" reads j·m + m·S(j) >= R, which is monotone in
j; the smallest such j is found by bisection over j (log2(V) streaming passes
over the tail), and then λ·(k+j+1)^(-a) = (R - j·m) / S(j).

Unseen tokens are given the tail ranks in increasing token id (see
:mod:`.topk`).
"""

from __future__ import annotations

import math

from ..backend import working_dtype
from ..logratio import log_ratio
from .max_entropy import feasible_missing_mass
from .topk import TopKError, TopKTeacher, ZipfTail, first_bad_row_message, resolve_topk
from .vocab_chunks import chunk_bounds, stream_reduce

__all__ = ["zipf_tail"]


def _fit_exponent(xp, x, needed):
    """Least-squares exponent a >= 0 of log v_(r) = c - a log r per row (...,).

    ``needed`` marks the rows with a non-empty tail; such a row with fewer than
    two positive visible values raises :class:`TopKError`.
    """
    dtype = x.dtype
    k = x.shape[-1]
    ordered = xp.sort(x, axis=-1, descending=True)
    positive = ordered > 0
    weight = xp.astype(positive, dtype)
    count = xp.sum(weight, axis=-1, keepdims=True)
    too_few = xp.logical_and(needed, count[..., 0] < 2)
    if bool(xp.any(too_few)):
        where = first_bad_row_message(too_few, tuple(x.shape))
        raise TopKError(f"values: {where} has fewer than two positive visible values; a Zipf exponent cannot be fitted")
    log_rank = xp.log(xp.arange(1, k + 1, dtype=dtype))
    log_value = xp.where(positive, log_ratio(ordered, xp.ones_like(ordered)), xp.zeros_like(ordered))
    safe_count = xp.maximum(count, xp.ones_like(count))
    dx = (log_rank - xp.sum(weight * log_rank, axis=-1, keepdims=True) / safe_count) * weight
    dy = (log_value - xp.sum(weight * log_value, axis=-1, keepdims=True) / safe_count) * weight
    sxx = xp.sum(dx * dx, axis=-1)
    sxy = xp.sum(dx * dy, axis=-1)
    fitted = sxx > 0
    slope = xp.where(fitted, sxy / xp.where(fitted, sxx, xp.ones_like(sxx)), xp.zeros_like(sxx))
    return xp.maximum(-slope, xp.zeros_like(slope))


def _suffix_sum(xp, exponent, j, k: int, V: int, chunk_size):
    """S(j) = sum_{ρ = k+j+1}^{V} ((k+j+1)/ρ)^a per row, streamed over the tail."""
    dtype = exponent.dtype
    first = xp.expand_dims(xp.astype(j, dtype), axis=-1) + 1  # tail position of rank k+j+1
    a = xp.expand_dims(exponent, axis=-1)

    def block(c0, c1):
        position = xp.arange(c0 + 1, c1 + 1, dtype=dtype)
        inside = position >= first
        zero = xp.asarray(0.0, dtype=dtype)
        # Outside the suffix the ratio exceeds 1 and its power may overflow: replace it first.
        terms = xp.exp(-a * xp.log1p(xp.where(inside, position - first, zero) / (k + first)))
        return (xp.where(inside, terms, zero),)

    return stream_reduce(xp, chunk_bounds(V - k, chunk_size), block, ("sum",))[0]


def zipf_tail(values, indices, vocab_size: int, *, chunk_size: int | None = None, validate: bool = True) -> TopKTeacher:
    """Top-k teacher completed by a capped Zipf tail fitted to the visible ranks
    and scaled to carry exactly the missing mass (see the module docstring).

    ``chunk_size`` bounds the (..., chunk) blocks used to sum over the V - k
    tail ranks.  Raises :class:`TopKError` for infeasible rows (as
    :func:`max_entropy`) and for rows with a tail but fewer than two positive
    visible values.
    """
    xp, V = resolve_topk(values, indices, vocab_size, validate)
    dtype = working_dtype(xp, values.dtype)
    x = xp.astype(values, dtype)
    k = values.shape[-1]
    mass, smallest = feasible_missing_mass(xp, values, V)
    exponent = _fit_exponent(xp, x, mass > 0)
    log_cap = log_ratio(smallest, xp.ones_like(smallest))
    if V == k:
        return TopKTeacher(values, indices, V, ZipfTail(xp.full_like(mass, -math.inf), exponent, log_cap))

    lo = xp.zeros(mass.shape, dtype=indices.dtype)
    hi = xp.full(mass.shape, V - k - 1, dtype=indices.dtype)
    while bool(xp.any(lo < hi)):
        mid = (lo + hi) // 2
        covers = xp.astype(mid, dtype) * smallest + smallest * _suffix_sum(xp, exponent, mid, k, V, chunk_size) >= mass
        hi = xp.where(covers, mid, hi)
        lo = xp.where(covers, lo, mid + 1)
    capped = xp.astype(lo, dtype)
    rest = xp.maximum(mass - capped * smallest, xp.zeros_like(mass))
    log_level = log_ratio(rest, _suffix_sum(xp, exponent, lo, k, V, chunk_size)) + exponent * xp.log1p(capped / (k + 1))
    return TopKTeacher(values, indices, V, ZipfTail(log_level, exponent, log_cap))

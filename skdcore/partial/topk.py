"""The top-k teacher: k visible probabilities, their token ids, V, and a tail.

An API teacher returns, per context, the k largest probabilities
p_(1) >= ... >= p_(k) and their token ids (paper, Section II.C); the missing
mass 1 - sum_i p_(i) is spread over the V - k unseen tokens by a *completion*
(:mod:`.renormalise`, :mod:`.max_entropy`, :mod:`.zipf`).  A completed teacher
is kept compact -- (..., k) values and indices plus a per-row tail
description -- and is materialised as (..., V) only on request
(:meth:`TopKTeacher.dense`) or one column block at a time
(:meth:`TopKTeacher.block`), which is how the losses read it.

Unseen tokens have no observed order.  Tails that depend on rank (Zipf) give
the unseen tokens the tail ranks k+1, k+2, ... in increasing token id; the
multiset of tail values, and hence the entropy and every softened teacher,
does not depend on that convention, but a loss against a student does.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from ..backend import array_namespace, to_numpy, working_dtype
from ..errors import DtypeError, InputValidationError, NotOnSimplexError, ShapeError
from ..logratio import log_ratio
from ..kernels import dispatch
from ..validation import describe_row, first_bad_row, check_real_floating, check_same_shape, sum_tolerance

__all__ = [
    "TopKError",
    "check_topk",
    "resolve_topk",
    "ZeroTail",
    "UniformTail",
    "ZipfTail",
    "TopKTeacher",
    "scatter_visible",
    "missing_mass",
]


class TopKError(InputValidationError):
    """A top-k teacher is inconsistent: an index out of range or repeated
    within a row, k > V, a visible mass above 1, or visible values that cannot
    be the k largest entries of a distribution over V tokens."""


def _check_vocab_size(vocab_size, k: int) -> int:
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, numbers.Integral) or vocab_size < 1:
        raise ShapeError(f"vocab_size must be a positive integer, got {vocab_size!r}")
    if k > vocab_size:
        raise TopKError(f"k = {k} visible tokens exceed the vocabulary size V = {int(vocab_size)}")
    return int(vocab_size)


def first_bad_row_message(bad_rows, shape) -> str:
    """'row (i, ...)' (or 'the vector') for the first True of ``bad_rows`` (batch shape)."""
    return describe_row(first_bad_row(bad_rows, shape))


def _first_bad_entry(x, bad_rows, bad, shape):
    """(row description, first offending entry of that row) for the host-side message."""
    row = first_bad_row(bad_rows, shape)
    entries = np.asarray(to_numpy(x))[row]
    return describe_row(row), entries[np.flatnonzero(np.asarray(to_numpy(bad))[row])[0]]


def check_topk(values, indices, vocab_size) -> tuple:
    """Validate a raw top-k observation; return ``(xp, V)``.

    ``values`` (..., k) real floating, finite and non-negative, with row sums at
    most 1 + k·eps; ``indices`` (..., k) integers in [0, V), distinct per row;
    1 <= k <= V.  Raises :class:`TopKError`, :class:`NotOnSimplexError`,
    :class:`ShapeError` or :class:`DtypeError` naming the row.
    """
    xp = check_real_floating(values, "values")
    try:
        array_namespace(values, indices)
    except TypeError as exc:
        raise DtypeError(f"indices must be an array of the namespace of values, got {type(indices).__name__}") from exc
    if not xp.isdtype(indices.dtype, "integral"):
        raise DtypeError(f"indices must have an integer dtype, got {indices.dtype}")
    check_same_shape(values, indices, ("values", "indices"))
    shape = tuple(values.shape)
    V = _check_vocab_size(vocab_size, shape[-1])

    outside = xp.logical_or(indices < 0, indices >= V)
    if bool(xp.any(outside)):
        where, token = _first_bad_entry(indices, xp.any(outside, axis=-1), outside, shape)
        raise TopKError(f"indices: {where} has token id {int(token)} outside [0, {V})")
    ordered = xp.sort(indices, axis=-1)
    repeated = ordered[..., 1:] == ordered[..., :-1]
    if bool(xp.any(repeated)):
        where, token = _first_bad_entry(ordered[..., 1:], xp.any(repeated, axis=-1), repeated, shape)
        raise TopKError(f"indices: {where} repeats token id {int(token)}")

    nonfinite = xp.logical_not(xp.isfinite(values))
    if bool(xp.any(nonfinite)):
        raise NotOnSimplexError(f"values: {first_bad_row_message(xp.any(nonfinite, axis=-1), shape)} has a non-finite entry")
    negative = values < 0
    if bool(xp.any(negative)):
        raise NotOnSimplexError(f"values: {first_bad_row_message(xp.any(negative, axis=-1), shape)} has a negative entry")
    total = xp.sum(xp.astype(values, working_dtype(xp, values.dtype)), axis=-1)
    tolerance = sum_tolerance(xp, values.dtype, shape[-1])
    over = total > 1 + tolerance
    if bool(xp.any(over)):
        where, mass = _first_bad_entry(xp.expand_dims(total, axis=-1), over, xp.expand_dims(over, axis=-1), shape)
        raise TopKError(f"values: {where} has visible mass {float(mass)!r} > 1 (tolerance {tolerance:.3g})")
    return xp, V


def resolve_topk(values, indices, vocab_size, validate: bool) -> tuple:
    """``(xp, V)`` for a raw top-k observation, validated by :func:`check_topk` when asked."""
    if validate:
        return check_topk(values, indices, vocab_size)
    return array_namespace(values, indices), int(vocab_size)


def missing_mass(xp, x):
    """1 - sum of the last axis of ``x`` (working dtype), accurate to a few eps
    relative to the result even when the visible mass is close to 1.

    The sum is accumulated with the error-free transformation TwoSum (Knuth),
    so sum = s + c with c the exact rounding errors; 1 - s is exact by
    Sterbenz's lemma when s >= 1/2, and the result (1 - s) - c is then
    rounded once.  A plain 1 - sum(x) would lose k·eps / R relative.
    """
    total = xp.zeros(tuple(x.shape[:-1]), dtype=x.dtype)
    error = xp.zeros_like(total)
    for m in range(x.shape[-1]):
        value = x[..., m]
        new = total + value
        back = new - total
        error = error + ((total - (new - back)) + (value - back))
        total = new
    return (1 - total) - error


def _column(x, xp):
    """(...,) -> (..., 1), so a per-row parameter broadcasts against a block."""
    return xp.expand_dims(x, axis=-1)


@dataclass(frozen=True, eq=False)
class ZeroTail:
    """No mass on unseen tokens (the renormalised teacher)."""

    needs_position = False

    def block(self, xp, dtype, k: int, V: int, position, log: bool):
        return xp.asarray(-math.inf if log else 0.0, dtype=dtype)


@dataclass(frozen=True, eq=False)
class UniformTail:
    """Total tail mass exp(``log_mass``) (...,) per row, spread evenly over the
    V - k unseen tokens (kept as a logarithm so that a softened tail far
    below the underflow threshold keeps its exact log-probability)."""

    log_mass: object
    needs_position = False

    def block(self, xp, dtype, k: int, V: int, position, log: bool):
        log_mass = _column(xp.astype(self.log_mass, dtype), xp)
        value = log_mass - xp.log(xp.asarray(float(max(V - k, 1)), dtype=dtype))
        return value if log else xp.exp(value)


@dataclass(frozen=True, eq=False)
class ZipfTail:
    """The unseen token of tail position j (rank ρ = k + j) has probability
    min(cap, level · ((k+1)/ρ)^exponent); all three parameters are per row,
    stored as ``log_level``, ``exponent`` and ``log_cap`` (...,)."""

    log_level: object
    exponent: object
    log_cap: object
    needs_position = True

    def block(self, xp, dtype, k: int, V: int, position, log: bool):
        level = _column(xp.astype(self.log_level, dtype), xp)
        exponent = _column(xp.astype(self.exponent, dtype), xp)
        cap = _column(xp.astype(self.log_cap, dtype), xp)
        # log((k+1)/ρ) = -log1p((j-1)/(k+1)), accurate for every tail position j.
        decay = exponent * xp.log1p((position - 1) / (k + 1))
        value = xp.minimum(cap, level - decay)
        return value if log else xp.exp(value)


def scatter_visible(xp, cols, indices, payload, base):
    """Block (..., c) equal to ``payload[..., m]`` at the column holding
    ``indices[..., m]`` and to ``base`` (broadcast) elsewhere.

    A loop over the k visible tokens, each step one (..., c) comparison, so no
    (..., c, k) intermediate is formed.
    """
    out = xp.broadcast_to(base, tuple(indices.shape[:-1]) + (cols.shape[0],))
    for m in range(indices.shape[-1]):
        out = xp.where(cols == indices[..., m : m + 1], payload[..., m : m + 1], out)
    return out


def _unseen_position(xp, cols, indices, dtype):
    """1-based position of each column among the unseen tokens of its row
    (column id minus the number of visible ids below it, plus one)."""
    below = xp.zeros(tuple(indices.shape[:-1]) + (cols.shape[0],), dtype=dtype)
    for m in range(indices.shape[-1]):
        below = below + xp.astype(indices[..., m : m + 1] < cols, dtype)
    return xp.astype(cols, dtype) - below + 1


@dataclass(frozen=True, eq=False)
class TopKTeacher:
    """A completed top-k teacher, kept compact.

    ``values`` (..., k): the teacher's probabilities on the visible tokens
    (after the completion, e.g. renormalised); ``indices`` (..., k) their token
    ids; ``vocab_size`` V; ``tail`` a :class:`ZeroTail`, :class:`UniformTail`
    or :class:`ZipfTail` describing the V - k unseen tokens.  Built by the
    completion functions, which validate their input.
    """

    values: object
    indices: object
    vocab_size: int
    tail: object

    @property
    def k(self) -> int:
        return int(self.values.shape[-1])

    def _assemble(self, c0: int, c1: int, visible, tail_block):
        """Scatter ``visible`` (..., k) over ``tail_block(position)`` for columns c0..c1-1."""
        if dispatch.topk_fast_path(self.indices, visible.dtype, c1 - c0):  # the fused kernels, one pass per block
            needs = self.tail.needs_position
            position = dispatch.unseen_position(c0, c1 - c0, self.indices, visible.dtype) if needs else None
            return dispatch.scatter_visible(c0, c1 - c0, self.indices, visible, tail_block(position))
        xp = array_namespace(self.values)
        cols = xp.arange(c0, c1, dtype=self.indices.dtype)
        position = _unseen_position(xp, cols, self.indices, visible.dtype) if self.tail.needs_position else None
        return scatter_visible(xp, cols, self.indices, visible, tail_block(position))

    def block(self, c0: int, c1: int, *, log: bool = False):
        """Probabilities (or their logs) of tokens c0..c1-1, shape (..., c1 - c0),
        in the working dtype (float64 for float32 values).

        Tails are stored in log space; as probabilities they are clamped to
        the smallest visible value, which they never exceed in exact
        arithmetic, so a tail tied with it (a capped Zipf rank, a uniform tail
        at the feasibility limit) is exactly tied and the ranking holds exactly.
        """
        xp = array_namespace(self.values)
        dtype = working_dtype(xp, self.values.dtype)
        values = xp.astype(self.values, dtype)
        if log:
            visible = log_ratio(values, xp.ones_like(values))
            return self._assemble(c0, c1, visible, lambda pos: self.tail.block(xp, dtype, self.k, self.vocab_size, pos, True))
        smallest = xp.min(values, axis=-1, keepdims=True)

        def tail(position):
            return xp.minimum(self.tail.block(xp, dtype, self.k, self.vocab_size, position, False), smallest)

        return self._assemble(c0, c1, values, tail)

    def log_ratio_block(self, c0: int, c1: int):
        """log(q_j / max_i v_i) for tokens c0..c1-1 (<= 0 for a ranking-consistent
        tail); the visible entries use accurate log-ratios."""
        xp = array_namespace(self.values)
        dtype = working_dtype(xp, self.values.dtype)
        values = xp.astype(self.values, dtype)
        top = xp.max(values, axis=-1, keepdims=True)
        shift = log_ratio(top, xp.ones_like(top))
        return self._assemble(
            c0, c1, log_ratio(values, top), lambda pos: self.tail.block(xp, dtype, self.k, self.vocab_size, pos, True) - shift
        )

    def dense(self):
        """The completed distribution as a (..., V) array of the values' dtype."""
        xp = array_namespace(self.values)
        return xp.astype(self.block(0, self.vocab_size), self.values.dtype)

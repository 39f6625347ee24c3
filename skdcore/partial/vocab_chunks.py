"""Streaming reductions over the vocabulary axis, identical for every chunking.

A reduction over V (a loss, a normaliser, the mass of a parametric tail) is
evaluated chunk by chunk: ``block_fn(c0, c1)`` builds the (..., c1 - c0) block
of intermediates for columns [c0, c1), and only one such block is alive at a
time.  Sums are formed per *tile* of :data:`TILE` consecutive columns aligned
to column 0, and the per-tile partial sums (V / TILE of them per row) are
summed at the end.  Chunk sizes are rounded up to a multiple of the tile, so
every chunking -- including the single chunk of the dense evaluation -- adds
exactly the same numbers in the same order: chunked and dense results agree
bit for bit.  Maxima are exact in any order.
"""

from __future__ import annotations

import math
import numbers

from ..errors import InputValidationError

__all__ = ["TILE", "chunk_bounds", "stream_reduce"]

TILE = 128


def chunk_bounds(n: int, chunk_size: int | None) -> list[tuple[int, int]]:
    """Column ranges [c0, c1) covering ``range(n)``: one range when ``chunk_size`` is
    None, else ranges of ``chunk_size`` rounded up to a multiple of :data:`TILE`."""
    if chunk_size is None:
        return [(0, n)]
    if isinstance(chunk_size, bool) or not isinstance(chunk_size, numbers.Integral) or chunk_size < 1:
        raise InputValidationError(f"chunk_size must be a positive integer or None, got {chunk_size!r}")
    step = TILE * math.ceil(int(chunk_size) / TILE)
    return [(c0, min(c0 + step, n)) for c0 in range(0, n, step)]


def _tile_sums(xp, block):
    """(..., c) -> (..., ceil(c / TILE)): sums over consecutive tiles of TILE columns."""
    c = block.shape[-1]
    full = (c // TILE) * TILE
    parts = []
    if full:
        tiles = xp.reshape(block[..., :full], tuple(block.shape[:-1]) + (full // TILE, TILE))
        parts.append(xp.sum(tiles, axis=-1))
    if full < c:
        parts.append(xp.sum(block[..., full:], axis=-1, keepdims=True))
    return parts[0] if len(parts) == 1 else xp.concat(parts, axis=-1)


def stream_reduce(xp, bounds, block_fn, kinds: tuple[str, ...]) -> tuple:
    """Reduce the blocks ``block_fn(c0, c1)`` (a tuple, one block per entry of
    ``kinds``) over the last axis along ``bounds``; each kind is ``"sum"`` or
    ``"max"``.  Returns one array of the batch shape per kind."""
    partials = [[] for _ in kinds]
    for c0, c1 in bounds:
        for acc, kind, block in zip(partials, kinds, block_fn(c0, c1)):
            acc.append(_tile_sums(xp, block) if kind == "sum" else xp.max(block, axis=-1, keepdims=True))
    results = []
    for acc, kind in zip(partials, kinds):
        joined = acc[0] if len(acc) == 1 else xp.concat(acc, axis=-1)
        results.append(xp.sum(joined, axis=-1) if kind == "sum" else xp.max(joined, axis=-1))
    return tuple(results)

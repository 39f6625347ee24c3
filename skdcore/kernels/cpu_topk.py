"""Numba kernels for reading a compact top-k teacher one column block at a time.

A top-k teacher (:mod:`skdcore.partial.topk`) is k visible (index, value)
pairs per row over a tail that is a function of the *unseen position* of a
column (its rank among the columns no visible index names).  Building a
(N, c) block of columns [start, start + c) needs two things, which the
array-API path forms with a loop over the k visible tokens of one (N, c)
comparison each, O(k·c) per row:

* :func:`scatter_visible`: the block equal to ``payload[m]`` at column
  ``indices[m]`` and to ``base`` elsewhere -- here O(c + k) per row (later
  visible tokens win on a repeated index, as in the array path);
* :func:`unseen_position`: position(col) = col - #{m : indices[m] < col} + 1
  -- here the row's indices are sorted once (O(k log k)) and merged with
  the columns, O(c + k) per row.
"""

from __future__ import annotations

import numpy as np
from numba import njit, prange

from .cpu_math import CONTRACT

__all__ = ["scatter_visible", "unseen_position"]


@njit(parallel=True, cache=True, error_model="numpy", fastmath=CONTRACT)
def _scatter_rows(start, indices, payload, out):
    width = out.shape[1]
    for i in prange(out.shape[0]):
        for m in range(indices.shape[1]):
            column = indices[i, m] - start
            if 0 <= column < width:
                out[i, column] = payload[i, m]


@njit(parallel=True, cache=True, error_model="numpy", fastmath=CONTRACT)
def _position_rows(start, indices, out):
    for i in prange(out.shape[0]):
        visible = np.sort(indices[i])
        below = 0
        for j in range(out.shape[1]):
            column = start + j
            while below < visible.shape[0] and visible[below] < column:
                below += 1
            out[i, j] = column - below + 1


def _rows(indices) -> np.ndarray:
    return np.ascontiguousarray(indices, dtype=np.int64).reshape(-1, indices.shape[-1])


def scatter_visible(start: int, width: int, indices, payload, base) -> np.ndarray:
    """(..., width) block of columns [start, start + width): ``payload[..., m]`` at column
    ``indices[..., m]``, ``base`` (broadcast against the block) elsewhere.  Float payloads
    only; the block has ``payload``'s dtype."""
    batch = indices.shape[:-1]
    out = np.empty(batch + (width,), dtype=payload.dtype)
    out[...] = base
    flat = out.reshape(-1, width)
    _scatter_rows(int(start), _rows(indices), np.ascontiguousarray(payload).reshape(flat.shape[0], -1), flat)
    return out


def unseen_position(start: int, width: int, indices, dtype) -> np.ndarray:
    """(..., width) 1-based position of each column [start, start + width) among the
    columns that no visible index of its row names, as ``dtype``."""
    batch = indices.shape[:-1]
    out = np.empty(batch + (width,), dtype=dtype)
    _position_rows(int(start), _rows(indices), out.reshape(-1, width))
    return out

"""The top-k block kernels against the array-API loops of skdcore.partial.topk (exactly)."""

from __future__ import annotations

import array_api_compat.numpy as xp
import numpy as np
from hypothesis import given
from hypothesis import strategies as st

from skdcore.kernels import cpu_topk
from skdcore.partial.topk import _unseen_position, scatter_visible


@st.composite
def topk_blocks(draw):
    """(indices (N, k) distinct per row, payload (N, k), base (N, 1), V, start, width)."""
    n, V = draw(st.integers(1, 3)), draw(st.integers(1, 300))
    k = draw(st.integers(1, min(V, 20)))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    indices = np.stack([rng.choice(V, k, replace=False) for _ in range(n)])
    start = draw(st.integers(0, V - 1))
    width = draw(st.integers(1, V - start))
    return indices, rng.random((n, k)), rng.random((n, 1)), start, width


@given(case=topk_blocks())
def test_scatter_and_positions_equal_the_array_path(case):
    indices, payload, base, start, width = case
    cols = np.arange(start, start + width)
    np.testing.assert_array_equal(
        cpu_topk.scatter_visible(start, width, indices, payload, base), scatter_visible(xp, cols, indices, payload, base)
    )
    np.testing.assert_array_equal(
        cpu_topk.unseen_position(start, width, indices, np.float64), _unseen_position(xp, cols, indices, np.float64)
    )


def test_batch_dimensions_and_scalar_base():
    indices = np.array([[[3, 0]], [[1, 2]]])
    payload = np.array([[[0.5, 0.25]], [[0.125, 0.0625]]])
    block = cpu_topk.scatter_visible(0, 5, indices, payload, -1.0)
    np.testing.assert_array_equal(block, [[[0.25, -1, -1, 0.5, -1]], [[-1, 0.125, 0.0625, -1, -1]]])
    np.testing.assert_array_equal(cpu_topk.unseen_position(0, 5, indices, np.float64), [[[1, 1, 2, 3, 3]], [[1, 2, 2, 2, 3]]])


def test_dispatch_predicate():
    from skdcore.kernels import dispatch

    indices = np.zeros((4, 3), dtype=np.int64)
    assert dispatch.topk_fast_path(indices, np.float64, dispatch.CPU_MIN_SIZE)
    assert not dispatch.topk_fast_path(indices[:1], np.float64, dispatch.CPU_MIN_SIZE - 1)  # a small block
    assert not dispatch.topk_fast_path(indices, np.bool_, 1000)  # boolean payloads stay on the array path

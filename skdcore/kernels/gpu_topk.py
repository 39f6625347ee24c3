"""CuPy kernels for reading a compact top-k teacher one column block at a time.

The GPU counterparts of :mod:`.cpu_topk`: the scatter of the visible values
over a base block (one thread per visible token), and the unseen position of
each column (one thread per entry, a binary search in the row's sorted
indices).  Indices must be distinct within a row (as validated top-k input
is): the order in which threads write a repeated index is unspecified.
"""

from __future__ import annotations

from .gpu_device import THREADS, compile_module, launch

__all__ = ["SOURCE", "NAMES", "scatter_visible", "unseen_position"]

SOURCE = r"""
template <typename real>
__global__ void scatter_rows(long long start, long long width, const long long* indices, const real* payload,
                             long long n, long long k, real* out) {
    long long i = (long long)blockIdx.x * SKD_THREADS + threadIdx.x;
    if (i >= n * k) return;
    long long column = indices[i] - start;
    if (column >= 0 && column < width) out[(i / k) * width + column] = payload[i];
}

template <typename real>
__global__ void position_rows(long long start, long long width, const long long* sorted, long long n, long long k,
                              real* out) {
    long long i = (long long)blockIdx.x * SKD_THREADS + threadIdx.x;
    if (i >= n * width) return;
    const long long* row = sorted + (i / width) * k;
    long long column = start + i % width, lo = 0, hi = k;
    while (lo < hi) {  // number of visible indices below the column
        long long mid = (lo + hi) / 2;
        if (row[mid] < column) lo = mid + 1; else hi = mid;
    }
    out[i] = (real)(column - lo + 1);
}
"""
NAMES = ("scatter_rows<float>", "scatter_rows<double>", "position_rows<float>", "position_rows<double>")


def _launch(name: str, dtype, count: int, args: tuple) -> None:
    """One thread per item, ``count`` items."""
    launch(compile_module(SOURCE, NAMES), name, dtype, -(-count // THREADS), args)


def scatter_visible(start: int, width: int, indices, payload, base):
    """(..., width) block: ``payload`` at the visible indices' columns, ``base`` elsewhere."""
    import cupy

    k = indices.shape[-1]
    out = cupy.empty(indices.shape[:-1] + (width,), dtype=payload.dtype)
    out[...] = base
    idx = cupy.ascontiguousarray(indices, dtype=cupy.int64).reshape(-1, k)
    n = idx.shape[0]
    _launch("scatter_rows", payload.dtype, n * k, (cupy.int64(start), cupy.int64(width), idx,
                                                   cupy.ascontiguousarray(payload).reshape(n, k), cupy.int64(n), cupy.int64(k), out))
    return out


def unseen_position(start: int, width: int, indices, dtype):
    """(..., width) 1-based positions of the columns among each row's unseen tokens."""
    import cupy

    k = indices.shape[-1]
    ordered = cupy.sort(cupy.asarray(indices, dtype=cupy.int64).reshape(-1, k), axis=-1)
    n = ordered.shape[0]
    out = cupy.empty(indices.shape[:-1] + (width,), dtype=dtype)
    _launch("position_rows", dtype, n * width, (cupy.int64(start), cupy.int64(width), ordered, cupy.int64(n), cupy.int64(k), out))
    return out

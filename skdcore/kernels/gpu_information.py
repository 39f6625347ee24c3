"""CuPy kernel for Shannon entropy and the KL divergence along the last axis (one row per block).

Same terms as :mod:`.cpu_information`: -p log p, and q log(q / p) with the
accurate log-ratio (+inf where q > 0 = p), summed in double.
"""

from __future__ import annotations

from .gpu_device import compile_module, launch

__all__ = ["SOURCE", "NAMES", "entropy", "kl_divergence"]

SOURCE = r"""
template <typename real>
__global__ void information_rows(const real* a, const real* b, long long V, int kl, real* out) {
    const long long offset = (long long)blockIdx.x * V;
    double sum = 0.0;
    for (long long j = threadIdx.x; j < V; j += SKD_THREADS) {
        real x = a[offset + j];
        if (x > 0) sum += (double)(kl ? x * skd_log_ratio(x, b[offset + j]) : -x * skd_log(x));
    }
    double total = skd_block_sum(sum);
    if (threadIdx.x == 0) out[blockIdx.x] = (real)total;
}
"""
NAMES = ("information_rows<float>", "information_rows<double>")


def _reduce_rows(kl: bool, a, b):
    import cupy

    V = a.shape[-1]
    rows_a = cupy.ascontiguousarray(a).reshape(-1, V)
    rows_b = rows_a if b is a else cupy.ascontiguousarray(b).reshape(-1, V)
    out = cupy.empty(rows_a.shape[0], dtype=a.dtype)
    launch(compile_module(SOURCE, NAMES), "information_rows", a.dtype, rows_a.shape[0],
                (rows_a, rows_b, cupy.int64(V), cupy.int32(kl), out))
    return out.reshape(a.shape[:-1])


def entropy(p):
    """H(p) per row of a float32/float64 CuPy array (not validated)."""
    return _reduce_rows(False, p, p)


def kl_divergence(q, p):
    """KL(q || p) per row pair of float32/float64 CuPy arrays of one shape and dtype (not validated)."""
    return _reduce_rows(True, q, p)

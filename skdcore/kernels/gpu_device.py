"""CUDA device code shared by the CuPy kernels, and their compilation.

Every GPU kernel processes one row per thread block of :data:`THREADS`
threads, striding over the columns, and reduces across the block through
shared memory (no warp intrinsics, so the same source also runs in the CPU
emulation of ``tests/test_gpu_emulated.py``).  ``real`` is the type of the
data and of the elementwise math (float32 data is computed in float, which
the condition-aware error measure of issue 2 allows: the measure scales with
the output's eps); sums are accumulated in double.

Log-ratios follow :mod:`skdcore.logratio` (log1p near a tie, where a - b is
exact by Sterbenz's lemma; the quotient's log elsewhere; log a - log b when
the quotient is subnormal).  Weights exp(r / T) are clipped at the
exp-underflow log ``clip`` of the dtype (:func:`skdcore.backend.exp_underflow_log`),
so T = 1e-300 never overflows.

The online (max, sum) pass keeps, per thread, a running maximum m and the sum
s of exp(log(x / m) / T) relative to it; when a larger x arrives, s is
rescaled by exp(log(m / x) / T), an *accurate* log-ratio, so near-ties keep
their digits, and the per-thread pairs are combined the same way.
"""

from __future__ import annotations

import functools

import numpy as np

from ..backend import exp_underflow_log

__all__ = ["THREADS", "DEVICE_SOURCE", "compile_module", "clip", "launch"]

THREADS = 256
"""Threads per block (one block per row)."""

DEVICE_SOURCE = r"""
#ifndef SKD_THREADS
#define SKD_THREADS 256
#endif

__device__ __forceinline__ double skd_inf() { return __builtin_huge_val(); }
__device__ __forceinline__ float skd_log(float x) { return logf(x); }
__device__ __forceinline__ double skd_log(double x) { return log(x); }
__device__ __forceinline__ float skd_log1p(float x) { return log1pf(x); }
__device__ __forceinline__ double skd_log1p(double x) { return log1p(x); }
__device__ __forceinline__ float skd_exp(float x) { return expf(x); }
__device__ __forceinline__ double skd_exp(double x) { return exp(x); }
__device__ __forceinline__ float skd_smallest_normal(float) { return 1.17549435e-38f; }
__device__ __forceinline__ double skd_smallest_normal(double) { return 2.2250738585072014e-308; }

// log(a / b) for a, b >= 0: -inf for a == 0, +inf for a > 0 == b (skdcore.logratio).
template <typename real>
__device__ __forceinline__ real skd_log_ratio(real a, real b) {
    if (!(a > 0)) return (real)-skd_inf();
    if (!(b > 0)) return (real)skd_inf();
    if (a >= b / 2 && a <= 2 * b) return skd_log1p((a - b) / b);
    real q = a / b;
    if (q >= skd_smallest_normal(a) && q < skd_inf()) return skd_log(q);
    return skd_log(a) - skd_log(b);
}

// r = log(x / top) of a probability, or x - top of a logit (-inf for a -inf logit).
template <typename real>
__device__ __forceinline__ real skd_ratio(real x, real top, int logits) {
    if (logits) return x == -skd_inf() ? (real)-skd_inf() : x - top;
    return skd_log_ratio(x, top);
}

// exp(max(r / T, clip)) in [0, 1] for r <= 0 (T a double: any value in [1e-300, 1e300]).
template <typename real>
__device__ __forceinline__ real skd_weight(real r, double T, double clip) {
    double x = (double)r / T;
    return skd_exp((real)(x > clip ? x : clip));
}

// Block-wide reductions through shared memory; every thread gets the result.
__device__ double skd_block_sum(double v) {
    __shared__ double partial[SKD_THREADS];
    partial[threadIdx.x] = v;
    __syncthreads();
    for (int stride = SKD_THREADS / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride) partial[threadIdx.x] += partial[threadIdx.x + stride];
        __syncthreads();
    }
    double total = partial[0];
    __syncthreads();
    return total;
}

template <typename real>
__device__ real skd_block_max(real v) {
    __shared__ double partial[SKD_THREADS];
    partial[threadIdx.x] = (double)v;
    __syncthreads();
    for (int stride = SKD_THREADS / 2; stride > 0; stride /= 2) {
        if (threadIdx.x < stride && partial[threadIdx.x + stride] > partial[threadIdx.x])
            partial[threadIdx.x] = partial[threadIdx.x + stride];
        __syncthreads();
    }
    real top = (real)partial[0];
    __syncthreads();
    return top;
}

// One pass of the online maximum and normaliser of a row: returns (max, sum_j exp(r_j / T)).
template <typename real>
__device__ void skd_row_normaliser(const real* row, long long V, int logits, double T, double clip,
                                   real* top_out, double* total_out) {
    real m = (real)-skd_inf();
    double s = 0.0;
    for (long long j = threadIdx.x; j < V; j += SKD_THREADS) {
        real x = row[j];
        if (x > m) {
            s = (s > 0.0 ? s * (double)skd_weight(skd_ratio(m, x, logits), T, clip) : 0.0) + 1.0;
            m = x;
        } else {
            s += (double)skd_weight(skd_ratio(x, m, logits), T, clip);
        }
    }
    real top = skd_block_max(m);
    double mine = s > 0.0 ? s * (double)skd_weight(skd_ratio(m, top, logits), T, clip) : 0.0;
    *top_out = top;
    *total_out = skd_block_sum(mine);
}
"""


def clip(dtype) -> float:
    """The exp-underflow log of ``dtype`` (the clip of :func:`skdcore.escort.escort_weights`)."""
    return exp_underflow_log(np, np.dtype(dtype))


@functools.cache
def compile_module(kernel_source: str, names: tuple[str, ...]):
    """A CuPy RawModule of the device code and ``kernel_source``, with the template
    instantiations ``names`` (e.g. ``"escort_rows<double>"``); compiled once, cached
    on disk by CuPy."""
    import cupy

    return cupy.RawModule(code=DEVICE_SOURCE + kernel_source, options=("-std=c++17",), name_expressions=list(names))


def launch(module, name: str, dtype, blocks: int, args: tuple) -> None:
    """Launch ``name<real>`` (``real`` from ``dtype``) on ``blocks`` blocks of :data:`THREADS` threads."""
    real = "double" if np.dtype(dtype) == np.float64 else "float"
    if blocks:
        module.get_function(f"{name}<{real}>")((blocks,), (THREADS,), args)

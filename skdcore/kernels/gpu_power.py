"""CuPy kernel for the power transform and softmax at temperature T (one row per block).

Two passes over each row: the online maximum and normaliser
(:data:`~.gpu_device.DEVICE_SOURCE`), then q_j = exp(r_j / T) / Z written
once -- two reads and one write of the row, against a copy's one read and one
write.  Same contract as :mod:`.cpu_power`.
"""

from __future__ import annotations

from .gpu_device import clip, compile_module, launch

__all__ = ["SOURCE", "NAMES", "power", "from_logits"]

SOURCE = r"""
template <typename real>
__global__ void escort_rows(const real* x, long long V, double T, double clip, int logits, real* out) {
    const real* row = x + (long long)blockIdx.x * V;
    real* dst = out + (long long)blockIdx.x * V;
    real top;
    double total;
    skd_row_normaliser(row, V, logits, T, clip, &top, &total);
    double scale = 1.0 / total;
    for (long long j = threadIdx.x; j < V; j += SKD_THREADS)
        dst[j] = (real)((double)skd_weight(skd_ratio(row[j], top, logits), T, clip) * scale);
}
"""
NAMES = ("escort_rows<float>", "escort_rows<double>")


def _escort(x, T: float, logits: bool):
    import cupy

    V = x.shape[-1]
    rows = cupy.ascontiguousarray(x).reshape(-1, V)
    out = cupy.empty_like(rows)
    launch(compile_module(SOURCE, NAMES), "escort_rows", x.dtype, rows.shape[0],
                (rows, cupy.int64(V), cupy.float64(T), cupy.float64(clip(x.dtype)), cupy.int32(logits), out))
    return out.reshape(x.shape)


def power(p, T: float):
    """q ∝ p^(1/T) along the last axis of a float32/float64 CuPy array (not validated)."""
    return _escort(p, T, False)


def from_logits(z, T: float):
    """softmax(z / T) along the last axis of a float32/float64 CuPy array (not validated)."""
    return _escort(z, T, True)

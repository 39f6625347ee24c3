"""CuPy kernel for the forward KL loss and its gradient w.r.t. the student logits (one row per block).

The formulas and conventions of :mod:`.cpu_forward_kl` (terms 0 where the
teacher is zero, +inf where only the student is; NaN gradient rows for an
infinite loss unless scaled by 0).  Per row: the online maximum and
normaliser of teacher and student (one pass reading both), then the loss
terms and the gradient (a second pass) -- the row is read twice and the
gradient written once.  The whole row is resident on the device, so
``chunk_size`` is accepted for a uniform interface and ignored.
"""

from __future__ import annotations

from .gpu_device import clip, compile_module, launch

__all__ = ["SOURCE", "NAMES", "forward_kl_rows"]

SOURCE = r"""
template <typename real>
__global__ void forward_kl_rows(const real* teacher, const real* student, long long V, double t_temperature,
                                double temperature, double clip, int t_logits, int s_logits, const double* grad_scale,
                                int want_grad, double* loss, real* grad) {
    const long long offset = (long long)blockIdx.x * V;
    real t_top, s_top;
    double t_total, s_total;
    skd_row_normaliser(teacher + offset, V, t_logits, t_temperature, clip, &t_top, &t_total);
    skd_row_normaliser(student + offset, V, s_logits, temperature, clip, &s_top, &s_total);
    const double t_log_z = log(t_total), s_log_z = log(s_total);
    const double factor = grad_scale[blockIdx.x] / temperature;
    double sum = 0.0;
    for (long long j = threadIdx.x; j < V; j += SKD_THREADS) {
        double lq = (double)skd_ratio(teacher[offset + j], t_top, t_logits) / t_temperature - t_log_z;
        double ls = (double)skd_ratio(student[offset + j], s_top, s_logits) / temperature - s_log_z;
        double q = (double)skd_exp((real)(lq > clip ? lq : clip));
        if (want_grad) grad[offset + j] = (real)(((double)skd_exp((real)(ls > clip ? ls : clip)) - q) * factor);
        if (lq > -skd_inf()) sum += ls > -skd_inf() ? q * (lq - ls) : skd_inf();
    }
    double total = skd_block_sum(sum);
    if (threadIdx.x == 0) loss[blockIdx.x] = total;
    if (want_grad && total == skd_inf() && grad_scale[blockIdx.x] != 0.0)
        for (long long j = threadIdx.x; j < V; j += SKD_THREADS) grad[offset + j] = (real)(skd_inf() - skd_inf());
}
"""
NAMES = ("forward_kl_rows<float>", "forward_kl_rows<double>")


def forward_kl_rows(student, teacher, *, temperature: float, teacher_temperature: float, student_is_logits: bool = True,
                    teacher_is_logits: bool = False, want_grad: bool = True, grad_scale=None, chunk_size=None):
    """(loss per row, float64; gradient or None) of float32/float64 CuPy arrays of one
    shape and dtype (not validated); see :func:`skdcore.kernels.cpu_forward_kl.forward_kl_rows`."""
    import cupy

    shape, V = student.shape, student.shape[-1]
    z = cupy.ascontiguousarray(student).reshape(-1, V)
    t = cupy.ascontiguousarray(teacher).reshape(-1, V)
    n = z.shape[0]
    scale = cupy.ones(n) if grad_scale is None else cupy.ascontiguousarray(grad_scale, dtype=cupy.float64).reshape(n)
    loss = cupy.empty(n)
    grad = cupy.empty_like(z) if want_grad else cupy.empty((1,), dtype=z.dtype)
    launch(compile_module(SOURCE, NAMES), "forward_kl_rows", z.dtype, n,
                (t, z, cupy.int64(V), cupy.float64(teacher_temperature), cupy.float64(temperature),
                 cupy.float64(clip(z.dtype)), cupy.int32(teacher_is_logits), cupy.int32(student_is_logits), scale,
                 cupy.int32(want_grad), loss, grad))
    return loss.reshape(shape[:-1]), grad.reshape(shape) if want_grad else None

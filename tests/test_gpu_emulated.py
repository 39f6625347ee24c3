"""The CUDA source of the CuPy kernels, run on the CPU (no GPU needed).

The kernels' source (``skdcore.kernels.gpu_*``) is compiled as C++20 with a
small shim: each thread block runs as SKD_THREADS std::threads that meet at a
std::barrier for every ``__syncthreads()``, and ``__shared__`` memory is
static storage (blocks run one after another).  So the indexing, the
shared-memory reductions, the online max/sum and the numerics are exercised
exactly as written, with 8 threads per block instead of 256 (the code is
generic in it; fewer threads keep the emulation fast on a loaded machine).  The results are compared with the mpmath references and the
Numba kernels.  A second test compiles the same source with nvcc for a real
GPU architecture.  Skipped without g++ (resp. nvcc).
"""

from __future__ import annotations

import ctypes
import math
import shutil
import subprocess

import numpy as np
import pytest

from skdcore.kernels import (
    cpu_entropy_projection,
    cpu_forward_kl,
    cpu_topk,
    gpu_device,
    gpu_entropy_projection,
    gpu_forward_kl,
    gpu_information,
    gpu_power,
    gpu_topk,
)
from skdcore.kernels.dispatch import ENTROPY_SCHEDULES
from skdcore.reference import entropy_ref, kl_ref, power_ref
from skdcore.reference.accuracy import condition_aware_ulp_error
from skdcore.reference.stress import stress_rows

MODULES = (gpu_power, gpu_information, gpu_forward_kl, gpu_topk, gpu_entropy_projection)
EMULATED_THREADS = 8

SHIM = r"""
#include <barrier>
#include <cmath>
#include <functional>
#include <thread>
#include <vector>
struct skd_dim3 { unsigned x = 0, y = 0, z = 0; };
thread_local skd_dim3 threadIdx, blockIdx;
static std::barrier<>* skd_barrier = nullptr;
#define __global__
#define __device__
#define __forceinline__ inline
#define __shared__ static
#define __syncthreads() skd_barrier->arrive_and_wait()
static void skd_launch(long long blocks, const std::function<void()>& body) {
    for (long long b = 0; b < blocks; ++b) {
        std::barrier<> sync(SKD_THREADS);
        skd_barrier = &sync;
        std::vector<std::thread> threads;
        for (int t = 0; t < SKD_THREADS; ++t)
            threads.emplace_back([&body, b, t] { threadIdx.x = t; blockIdx.x = (unsigned)b; body(); });
        for (auto& thread : threads) thread.join();
    }
}
"""

LAUNCHERS = r"""
#define SKD_GRID(count) (((count) + SKD_THREADS - 1) / SKD_THREADS)
#define SKD_LAUNCHERS(real)                                                                                        \
extern "C" void escort_rows_##real(long long n, const real* x, long long V, double T, double clip, int logits,     \
                                    real* out) { skd_launch(n, [&] { escort_rows<real>(x, V, T, clip, logits, out); }); } \
extern "C" void information_rows_##real(long long n, const real* a, const real* b, long long V, int kl, real* out) { \
    skd_launch(n, [&] { information_rows<real>(a, b, V, kl, out); }); }                                              \
extern "C" void forward_kl_rows_##real(long long n, const real* t, const real* s, long long V, double tt, double ts, \
        double clip, int tl, int sl, const double* scale, int want, double* loss, real* grad) {                      \
    skd_launch(n, [&] { forward_kl_rows<real>(t, s, V, tt, ts, clip, tl, sl, scale, want, loss, grad); }); }          \
extern "C" void scatter_rows_##real(long long start, long long width, const long long* idx, const real* payload,   \
        long long n, long long k, real* out) {                                                                       \
    skd_launch(SKD_GRID(n * k), [&] { scatter_rows<real>(start, width, idx, payload, n, k, out); }); }               \
extern "C" void position_rows_##real(long long start, long long width, const long long* sorted, long long n,       \
        long long k, real* out) {                                                                                    \
    skd_launch(SKD_GRID(n * width), [&] { position_rows<real>(start, width, sorted, n, k, out); }); }             \
extern "C" void entropy_projection_rows_##real(long long n, const real* p, long long V, double T, int schedule,      \
        double clip, real* out, double* t_eff, long long* iterations) {                                              \
    skd_launch(n, [&] { entropy_projection_rows<real>(p, V, T, schedule, clip, out, t_eff, iterations); }); }
SKD_LAUNCHERS(float)
SKD_LAUNCHERS(double)
"""


def _source() -> str:
    return gpu_device.DEVICE_SOURCE + "".join(module.SOURCE for module in MODULES)


@pytest.fixture(scope="module")
def emulated(tmp_path_factory):
    if shutil.which("g++") is None:
        pytest.skip("g++ is not installed")
    directory = tmp_path_factory.mktemp("cuda_emulation")
    (directory / "kernels.cpp").write_text(f"#define SKD_THREADS {EMULATED_THREADS}\n" + SHIM + _source() + LAUNCHERS)
    build = subprocess.run(["g++", "-std=c++20", "-O2", "-shared", "-fPIC", "-pthread", "-o", str(directory / "kernels.so"),
                            str(directory / "kernels.cpp")], capture_output=True, text=True, check=False)
    if build.returncode != 0 and "barrier" in build.stderr:
        pytest.skip("g++ without C++20 <barrier>")
    assert build.returncode == 0, build.stderr
    return ctypes.CDLL(str(directory / "kernels.so"))


def _real(dtype) -> str:
    return "double" if np.dtype(dtype) == np.float64 else "float"


def _escort(lib, x, T, logits):
    x = np.ascontiguousarray(x)
    n, V = x.shape
    out = np.empty_like(x)
    fn = getattr(lib, f"escort_rows_{_real(x.dtype)}")
    fn(ctypes.c_longlong(n), x.ctypes.data_as(ctypes.c_void_p), ctypes.c_longlong(V), ctypes.c_double(T),
       ctypes.c_double(gpu_device.clip(x.dtype)), ctypes.c_int(logits), out.ctypes.data_as(ctypes.c_void_p))
    return out


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_emulated_power_meets_the_accuracy_bar(emulated, dtype):
    rows = [row for label, row in stress_rows() if row.size <= 100 and not (dtype == np.float32 and "subnormal" in label)]
    for T in (1e-300, 1e-3, 0.7, 1e300):
        for row in rows:
            p = row.astype(dtype)
            q = _escort(emulated, p[None], T, 0)[0]
            assert condition_aware_ulp_error(q, power_ref(p, T, dps=40), p, T, dtype, dps=40) <= 4.0


def test_emulated_power_exact_cases(emulated):
    p = np.array([[0.3, 0.3, 0.2, 0.2, 0.0], [0.0, 0.0, 1.0, 0.0, 0.0]])
    np.testing.assert_array_equal(_escort(emulated, p, 1e-300, 0), [[0.5, 0.5, 0, 0, 0], [0, 0, 1, 0, 0]])
    np.testing.assert_array_equal(_escort(emulated, p, 1e300, 0), [[0.25, 0.25, 0.25, 0.25, 0], [0, 0, 1, 0, 0]])
    z = np.array([[0.0, -math.inf, 1.0, 1.0]])
    q = _escort(emulated, z, 0.5, 1)
    assert q[0, 1] == 0 and q[0, 2] == q[0, 3]
    np.testing.assert_allclose(q[0], np.array([math.exp(-2), 0, 1, 1]) / (2 + math.exp(-2)), rtol=1e-15)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_emulated_entropy_and_kl(emulated, dtype):
    rng = np.random.default_rng(7)
    p = rng.dirichlet(np.full(300, 0.3), size=3).astype(dtype)
    q = rng.dirichlet(np.full(300, 0.3), size=3).astype(dtype)
    p[0, :50] = 0
    out = np.empty(3, dtype=dtype)
    fn = getattr(emulated, f"information_rows_{_real(dtype)}")
    eps = float(np.finfo(dtype).eps)
    for kl in (0, 1):
        fn(ctypes.c_longlong(3), q.ctypes.data_as(ctypes.c_void_p), p.ctypes.data_as(ctypes.c_void_p),
           ctypes.c_longlong(300), ctypes.c_int(kl), out.ctypes.data_as(ctypes.c_void_p))
        for i in range(3):
            exact = float(kl_ref(q[i], p[i], dps=40) if kl else entropy_ref(q[i], dps=40))
            if math.isinf(exact):
                assert out[i] == math.inf
            else:
                assert abs(float(out[i]) - exact) <= 304 * eps * max(abs(exact), 1.0)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_emulated_forward_kl_agrees_with_the_cpu_kernel(emulated, dtype):
    rng = np.random.default_rng(8)
    n, V = 3, 700
    z = (rng.normal(size=(n, V)) * 3).astype(dtype)
    q = rng.dirichlet(np.full(V, 0.3), size=n).astype(dtype)
    z[1, 5], q[1, 5] = -math.inf, 0.0  # masked token without teacher mass: finite
    z[2, 9] = -math.inf  # masked token with teacher mass: infinite loss, NaN gradient
    scale = np.array([1.0, 2.0, 3.0])
    loss, grad = np.empty(n), np.empty_like(z)
    fn = getattr(emulated, f"forward_kl_rows_{_real(dtype)}")
    fn(ctypes.c_longlong(n), q.ctypes.data_as(ctypes.c_void_p), z.ctypes.data_as(ctypes.c_void_p), ctypes.c_longlong(V),
       ctypes.c_double(2.0), ctypes.c_double(2.0), ctypes.c_double(gpu_device.clip(dtype)), ctypes.c_int(0), ctypes.c_int(1),
       scale.ctypes.data_as(ctypes.c_void_p), ctypes.c_int(1), loss.ctypes.data_as(ctypes.c_void_p),
       grad.ctypes.data_as(ctypes.c_void_p))
    ref_loss, ref_grad = cpu_forward_kl.forward_kl_rows(z, q, temperature=2.0, teacher_temperature=2.0, grad_scale=scale)
    eps = float(np.finfo(dtype).eps)
    assert loss[2] == math.inf and np.all(np.isnan(grad[2]))
    np.testing.assert_allclose(loss[:2], ref_loss[:2], rtol=64 * eps * math.log(V))
    np.testing.assert_allclose(grad[:2], ref_grad[:2], rtol=64 * eps, atol=64 * eps * float(np.max(np.abs(ref_grad[:2]))))


def test_emulated_topk_blocks_equal_the_cpu_kernels(emulated):
    rng = np.random.default_rng(9)
    V, k, n = 500, 17, 3
    indices = np.stack([rng.choice(V, k, replace=False) for _ in range(n)]).astype(np.int64)
    payload = rng.random((n, k))
    for start, width in ((0, V), (120, 77), (499, 1)):
        out = np.full((n, width), -1.0)
        emulated.scatter_rows_double(ctypes.c_longlong(start), ctypes.c_longlong(width), indices.ctypes.data_as(ctypes.c_void_p),
                                     payload.ctypes.data_as(ctypes.c_void_p), ctypes.c_longlong(n), ctypes.c_longlong(k),
                                     out.ctypes.data_as(ctypes.c_void_p))
        np.testing.assert_array_equal(out, cpu_topk.scatter_visible(start, width, indices, payload, -1.0))
        ordered = np.sort(indices, axis=-1)
        positions = np.empty((n, width))
        emulated.position_rows_double(ctypes.c_longlong(start), ctypes.c_longlong(width), ordered.ctypes.data_as(ctypes.c_void_p),
                                      ctypes.c_longlong(n), ctypes.c_longlong(k), positions.ctypes.data_as(ctypes.c_void_p))
        np.testing.assert_array_equal(positions, cpu_topk.unseen_position(start, width, indices, np.float64))


PROJECTION_TEMPERATURES = (1e-3, 0.5, 1.0, 2.0, 1e3)


def projection_rows() -> dict[int, list[np.ndarray]]:
    """Float64 rows grouped by length (a group is one launch, one block per row): the
    stress rows of size <= 100 (zeros, tied maxima, near-ties, one-hot, uniform,
    subnormals, Dirichlet), a row uniform on part of its support, and Dirichlet rows
    of length 300, one with zeros and one with tied maxima."""
    rng = np.random.default_rng(10)
    dirichlet = rng.dirichlet(np.full(300, 0.3), size=3)
    dirichlet[0, :50] = 0.0
    dirichlet[1, 7] = dirichlet[1, 8] = dirichlet[1].max()
    rows = [row for _, row in stress_rows() if row.size <= 100]
    rows += [np.array([0.25, 0.25, 0.0, 0.25, 0.25, 0.0])]
    rows += list(dirichlet / dirichlet.sum(axis=-1, keepdims=True))
    groups: dict[int, list[np.ndarray]] = {}
    for row in rows:
        groups.setdefault(row.size, []).append(row)
    return groups


def log_t_eff_tolerance(p_row, t_eff: float) -> float:
    """A bound on |log T_eff - log T_eff'| for two runs of the solve that differ only in
    rounding (sums in another order, another libm), from its stopping rule.

    A run stops at an evaluated T_eff whose Newton step |φ/φ'| in u = log β is at most
    max(4 eps, ν), ν = noise/|φ'| with noise = 8 eps·(1 + |log D_cold| + |log D_hot| +
    (log s + H)/D_hot) the rounding noise of φ (``cpu_entropy_projection._newton``), or
    inside a bracket 4 eps wide; the root of the computed φ is within ν of the exact
    one.  (φ is close to linear in u, so the step is the distance to that root.)  So
    each run is within max(4 eps, ν) + ν of the exact root, and two runs within twice
    that.  φ' = Var(x)(1/D_cold + 1/D_hot) and ν are evaluated at ``t_eff`` (only their
    size matters), D_cold as log1p(tail/m) - E[x] (accurate when tiny).
    """
    eps = float(np.finfo(np.float64).eps)
    p = np.asarray(p_row, dtype=np.float64)
    top, p = p.max(), p[p > 0]
    below = p < top
    x = np.maximum(np.log(p / top) / t_eff, gpu_device.clip(np.float64))
    w = np.exp(x)
    ties, tail = np.count_nonzero(~below), float(np.sum(w[below]))
    q = w / (ties + tail)
    mean = float(q @ x)
    entropy = math.log1p((ties - 1) + tail) - mean
    d_cold, d_hot = math.log1p(tail / ties) - mean, math.log(p.size) - entropy
    slope = float(q @ (x - mean) ** 2) * (1 / d_cold + 1 / d_hot)
    noise = 8 * eps * (1 + abs(math.log(d_cold)) + abs(math.log(d_hot)) + (math.log(p.size) + entropy) / d_hot)
    nu = noise / slope
    return 2 * (max(4 * eps, nu) + nu)


def check_projection_against_cpu(p, T: float, schedule: str, q, t_eff, iterations) -> None:
    """(q, T_eff, iterations) of a GPU projection of the (n, V) rows ``p`` against the Numba kernel.

    Special rows (T_eff 0 or inf: unreachable targets; 0 iterations: p uniform on its
    support, or T = 1) are decided identically and give exactly the same T_eff and,
    except at T = 1 (q = power(p, 1), computed), bitwise the same q (uniform rows, p itself).  Solved
    rows: T_eff within :func:`log_t_eff_tolerance`, the iteration counts equal up to a
    stopping decision at the noise threshold (one), and q the power transform at the
    kernel's own T_eff within 4 condition-aware ulps of the output dtype (the bar of
    the power kernel: x = r·(1/T_eff) carries one rounding more than r/T_eff, within it).
    """
    ref_q, ref_t, ref_iterations = cpu_entropy_projection.entropy_projection(p, T, schedule)
    assert q.dtype == p.dtype and q.shape == p.shape and t_eff.dtype == np.float64 and iterations.dtype == np.int64
    for i, row in enumerate(p):
        where = (i, T, schedule)
        if ref_t[i] in (0.0, math.inf) or ref_iterations[i] == 0:
            assert t_eff[i] == ref_t[i] and iterations[i] == ref_iterations[i], where
            if T != 1.0 or np.count_nonzero(row == row.max()) == np.count_nonzero(row):
                np.testing.assert_array_equal(q[i], ref_q[i], err_msg=str(where))
        else:
            assert abs(math.log(t_eff[i] / ref_t[i])) <= log_t_eff_tolerance(row, ref_t[i]), where
            assert abs(int(iterations[i]) - int(ref_iterations[i])) <= 1, where
        if 0.0 < t_eff[i] < math.inf:
            t = float(t_eff[i])
            assert condition_aware_ulp_error(q[i], power_ref(row, t, dps=40), row, t, p.dtype, dps=40) <= 4.0, where


def _project(lib, p, T, schedule):
    p = np.ascontiguousarray(p)
    n, V = p.shape
    q, t_eff, iterations = np.empty_like(p), np.empty(n), np.empty(n, dtype=np.int64)
    fn = getattr(lib, f"entropy_projection_rows_{_real(p.dtype)}")
    fn(ctypes.c_longlong(n), p.ctypes.data_as(ctypes.c_void_p), ctypes.c_longlong(V), ctypes.c_double(T),
       ctypes.c_int(ENTROPY_SCHEDULES.index(schedule)), ctypes.c_double(gpu_device.clip(np.float64)),
       q.ctypes.data_as(ctypes.c_void_p), t_eff.ctypes.data_as(ctypes.c_void_p), iterations.ctypes.data_as(ctypes.c_void_p))
    return q, t_eff, iterations


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_emulated_entropy_projection_agrees_with_the_cpu_kernel(emulated, dtype):
    for group in projection_rows().values():
        p = np.stack(group).astype(dtype)
        for schedule in ENTROPY_SCHEDULES:
            for T in PROJECTION_TEMPERATURES:
                check_projection_against_cpu(p, T, schedule, *_project(emulated, p, T, schedule))


def test_source_compiles_with_nvcc(tmp_path):
    """The same source, every template instantiation CuPy asks for, compiled for sm_80."""
    if shutil.which("nvcc") is None:
        pytest.skip("nvcc is not installed")
    instantiate = "".join(f"static auto* skd_instance_{i} = &{name};\n"
                          for i, name in enumerate(n for module in MODULES for n in module.NAMES))
    (tmp_path / "kernels.cu").write_text(_source() + instantiate)
    build = subprocess.run(["nvcc", "-std=c++17", "-arch=sm_80", "--ptx", "-o", str(tmp_path / "kernels.ptx"),
                            str(tmp_path / "kernels.cu")], capture_output=True, text=True, check=False)
    assert build.returncode == 0, build.stderr

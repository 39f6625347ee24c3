"""The CuPy kernels on a real GPU: agreement with the Numba kernels and the
references, and dispatch of CuPy arrays.  Skipped without CuPy or a CUDA
device (the same source runs on the CPU in ``test_gpu_emulated.py``)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_gpu_emulated import (
    PROJECTION_TEMPERATURES,
    check_projection_against_cpu,
    projection_rows,
)

import skdcore
from skdcore.kernels import (
    cpu_forward_kl,
    cpu_information,
    cpu_topk,
    dispatch,
    gpu_entropy_projection,
    gpu_forward_kl,
    gpu_information,
    gpu_power,
    gpu_topk,
)
from skdcore.kernels.dispatch import ENTROPY_SCHEDULES
from skdcore.reference import power_ref
from skdcore.reference.accuracy import condition_aware_ulp_error
from skdcore.reference.stress import STRESS_TEMPERATURES, stress_rows

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def cp():
    cupy = pytest.importorskip("cupy")
    try:
        if cupy.cuda.runtime.getDeviceCount() < 1:
            pytest.skip("no CUDA device")
    except cupy.cuda.runtime.CUDARuntimeError:
        pytest.skip("no CUDA device")
    return cupy


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gpu_power_meets_the_accuracy_bar_on_the_stress_set(cp, dtype):
    for label, row in stress_rows():
        if dtype == np.float32 and "subnormal" in label:
            continue
        p = row.astype(dtype)
        for T in STRESS_TEMPERATURES:
            q = gpu_power.power(cp.asarray(p), T).get()
            assert condition_aware_ulp_error(q, power_ref(p, T, dps=40), p, T, dtype, dps=40) <= 4.0, (label, T)


def test_cupy_arrays_are_dispatched_to_the_gpu_kernels(cp):
    rng = np.random.default_rng(1)
    p, q = rng.dirichlet(np.ones(300), size=(2, 3)), rng.dirichlet(np.ones(300), size=(2, 3))
    gp, gq = cp.asarray(p), cp.asarray(q)
    assert dispatch.fast_path("power", gp) and dispatch.fast_path("entropy_projection", gp)
    out = skdcore.power(gp, 0.6)
    assert isinstance(out, cp.ndarray) and out.shape == p.shape
    np.testing.assert_allclose(out.get(), skdcore.power(p, 0.6), rtol=1e-14, atol=1e-300)
    np.testing.assert_allclose(skdcore.from_logits(cp.log(gp), 0.6).get(), skdcore.from_logits(np.log(p), 0.6), rtol=1e-14)
    np.testing.assert_allclose(gpu_information.entropy(gp).get(), cpu_information.entropy(p), rtol=1e-13)
    np.testing.assert_allclose(gpu_information.kl_divergence(gq, gp).get(), cpu_information.kl_divergence(q, p), rtol=1e-12)
    projected = skdcore.entropy_projection(gp, 2.0)
    assert isinstance(projected, cp.ndarray) and projected.shape == p.shape
    np.testing.assert_array_equal(projected.get(), gpu_entropy_projection.entropy_projection(gp, 2.0, "reciprocal")[0].get())


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gpu_forward_kl_agrees_with_the_cpu_kernel(cp, dtype):
    rng = np.random.default_rng(2)
    z = (rng.normal(size=(4, 5000)) * 3).astype(dtype)
    q = rng.dirichlet(np.full(5000, 0.3), size=4).astype(dtype)
    z[3, 7] = -math.inf
    loss, grad = gpu_forward_kl.forward_kl_rows(cp.asarray(z), cp.asarray(q), temperature=2.0, teacher_temperature=2.0)
    ref_loss, ref_grad = cpu_forward_kl.forward_kl_rows(z, q, temperature=2.0, teacher_temperature=2.0)
    eps = float(np.finfo(dtype).eps)
    assert loss.get()[3] == math.inf and np.all(np.isnan(grad.get()[3]))
    np.testing.assert_allclose(loss.get()[:3], ref_loss[:3], rtol=256 * eps)
    np.testing.assert_allclose(grad.get()[:3], ref_grad[:3], rtol=64 * eps, atol=64 * eps * float(np.abs(ref_grad[:3]).max()))


def test_gpu_topk_blocks_equal_the_cpu_kernels(cp):
    rng = np.random.default_rng(3)
    indices = np.stack([rng.choice(4000, 50, replace=False) for _ in range(3)])
    payload = rng.random((3, 50))
    for start, width in ((0, 4000), (1000, 333)):
        got = gpu_topk.scatter_visible(start, width, cp.asarray(indices), cp.asarray(payload), -1.0).get()
        np.testing.assert_array_equal(got, cpu_topk.scatter_visible(start, width, indices, payload, -1.0))
        got = gpu_topk.unseen_position(start, width, cp.asarray(indices), np.float64).get()
        np.testing.assert_array_equal(got, cpu_topk.unseen_position(start, width, indices, np.float64))


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_gpu_entropy_projection_agrees_with_the_cpu_kernel(cp, dtype):
    """The checks of the emulated kernel (``test_gpu_emulated.check_projection_against_cpu``)
    on the device, plus a batch of long rows (several columns per thread)."""
    groups = list(projection_rows().values())
    groups.append(list(np.random.default_rng(4).dirichlet(np.full(5000, 0.3), size=2)))
    for group in groups:
        p = np.stack(group).astype(dtype)
        for schedule in ENTROPY_SCHEDULES:
            for T in PROJECTION_TEMPERATURES:
                q, t_eff, iterations = gpu_entropy_projection.entropy_projection(cp.asarray(p), T, schedule)
                check_projection_against_cpu(p, T, schedule, q.get(), t_eff.get(), iterations.get())

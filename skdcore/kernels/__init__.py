"""Fast paths: fused Numba kernels for NumPy arrays, fused CuPy kernels for CuPy arrays.

The public functions (``skdcore.power``, ``skdcore.entropy``, ...) call
:mod:`.dispatch`, which routes by array type and size to:

* ``cpu_power`` (power transform, softmax at T), ``cpu_information``
  (entropy, KL), ``cpu_forward_kl`` (KD loss value and gradient, dense or
  streamed in column chunks), ``cpu_entropy_projection`` (Construction 1),
  ``cpu_topk`` (top-k teacher blocks) -- Numba ``njit(parallel=True,
  cache=True)`` kernels, parallel over rows, built on the vectorisable
  elementary functions of ``cpu_math`` (float64) and ``cpu_math32``
  (float32) and the row passes of ``cpu_escort``;
* ``gpu_power``, ``gpu_information``, ``gpu_forward_kl``, ``gpu_topk`` --
  CuPy RawKernels (one row per block) on the device code of ``gpu_device``.

Nothing here is imported by ``import skdcore``; the kernel modules load on
first use.  Measurements: ``docs/performance.md``.
"""

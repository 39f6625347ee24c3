"""GPU benchmark of the CuPy kernels against their baselines, measured in the same run.

    python gpu/bench_kernels.py [--quick] [--repeats 20] [--json gpu-benchmark.json]

``power`` (T = 0.7) per (shape, dtype): skdcore's fused CuPy kernel, the naive
CuPy composition softmax(log(p) / T) (one kernel per operation), torch CUDA's
``torch.softmax(torch.log(p) / T, -1)`` when torch with CUDA is installed, and
a device-to-device copy of the same bytes.  Times are CUDA-event medians
after a warm-up; "of copy" is the copy time divided by the kernel time, i.e.
the fraction of the copy's bandwidth the kernel reaches moving the same
bytes (read p, write q).  The forward-KL value + gradient kernel is timed
against the naive CuPy composition the same way.  The entropy projection
(reciprocal schedule, T = 0.5 and 2) is timed against one fused power pass on
the same array (the CPU's target: at most 3 power passes) and against the
array-API path of ``skdcore.entropy_projection`` on CuPy (the same solve in
CuPy array operations, all rows in lock step), with the mean number of
evaluations per row.

Targets (issue 7): fused ``power`` reaches >= 70% of the copy bandwidth on
(4096, 131072) float32 and beats torch CUDA.  Exits 0 with a "skipped" line
when CuPy or a CUDA device is missing.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys

import numpy as np

SHAPES = [(4096, 131072), (4096, 32768), (1024, 131072), (64, 262144), (1024, 32768)]
QUICK_SHAPES = [(1024, 32768)]
TARGET_SHAPE = (4096, 131072)
TEMPERATURE = 0.7
PROJECTION_SHAPES = [(1024, 32768), (64, 262144)]
PROJECTION_TEMPERATURES = (0.5, 2.0)


def _timer(cp, repeats):
    def median_ms(function) -> float:
        function()
        cp.cuda.Device().synchronize()
        times = []
        for _ in range(repeats):
            start, stop = cp.cuda.Event(), cp.cuda.Event()
            start.record()
            function()
            stop.record()
            stop.synchronize()
            times.append(cp.cuda.get_elapsed_time(start, stop))
        return statistics.median(times)

    return median_ms


def _torch_cuda():
    try:
        import torch
    except ImportError:
        return None
    return torch if torch.cuda.is_available() else None


def bench_power(cp, shapes, repeats) -> list[dict]:
    from skdcore.kernels import gpu_power

    median_ms, torch = _timer(cp, repeats), _torch_cuda()
    records = []
    for shape in shapes:
        for dtype in (cp.float32, cp.float64):
            p = cp.random.random(shape, dtype=dtype)
            p /= p.sum(axis=-1, keepdims=True)
            out = cp.empty_like(p)
            T = TEMPERATURE

            def naive():
                z = cp.log(p) / T
                e = cp.exp(z - z.max(axis=-1, keepdims=True))
                return e / e.sum(axis=-1, keepdims=True)

            ms = {"skdcore": median_ms(lambda: gpu_power.power(p, T)), "cupy_naive": median_ms(naive),
                  "copy": median_ms(lambda: out.__setitem__(Ellipsis, p)), "torch": None}
            if torch is not None:
                t = torch.as_tensor(p, device="cuda")
                ms["torch"] = median_ms(lambda: torch.softmax(torch.log(t) / T, dim=-1))
            records.append({"shape": list(shape), "dtype": np.dtype(dtype).name, "ms": ms,
                            "copy_bandwidth_gbs": 2 * p.nbytes / ms["copy"] / 1e6})
            cp.get_default_memory_pool().free_all_blocks()
    return records


def bench_forward_kl(cp, shape, repeats) -> list[dict]:
    from skdcore.kernels import gpu_forward_kl

    median_ms = _timer(cp, repeats)
    records = []
    for dtype in (cp.float32, cp.float64):
        z = cp.random.standard_normal(shape, dtype=dtype) * 3
        q = cp.random.random(shape, dtype=dtype)
        q /= q.sum(axis=-1, keepdims=True)
        T = 2.0

        def naive():
            zs = z / T
            ls = zs - zs.max(axis=-1, keepdims=True)
            ls = ls - cp.log(cp.exp(ls).sum(axis=-1, keepdims=True))
            lq = cp.log(q) / T
            lq = lq - lq.max(axis=-1, keepdims=True)
            lq = lq - cp.log(cp.exp(lq).sum(axis=-1, keepdims=True))
            qt = cp.exp(lq)
            return (qt * (lq - ls)).sum(axis=-1), (cp.exp(ls) - qt) / T

        ms = {"skdcore": median_ms(lambda: gpu_forward_kl.forward_kl_rows(z, q, temperature=T, teacher_temperature=T)),
              "cupy_naive": median_ms(naive)}
        records.append({"shape": list(shape), "dtype": np.dtype(dtype).name, "ms": ms})
        cp.get_default_memory_pool().free_all_blocks()
    return records


def _array_path(function):
    """``function`` run with the entropy projection kept off the CuPy kernel (the array-API path)."""
    from skdcore.kernels import dispatch

    def run():
        families = dispatch.GPU_FAMILIES
        dispatch.GPU_FAMILIES = families - {"entropy_projection"}
        try:
            return function()
        finally:
            dispatch.GPU_FAMILIES = families

    return run


def bench_projection(cp, shapes, repeats) -> list[dict]:
    import skdcore
    from skdcore.kernels import gpu_entropy_projection, gpu_power

    median_ms = _timer(cp, repeats)
    records = []
    for shape in shapes:
        for dtype in (cp.float32, cp.float64):
            p = cp.random.random(shape, dtype=dtype)
            p /= p.sum(axis=-1, keepdims=True)
            for T in PROJECTION_TEMPERATURES:
                _, _, iterations = gpu_entropy_projection.entropy_projection(p, T, "reciprocal")
                ms = {"skdcore": median_ms(lambda: gpu_entropy_projection.entropy_projection(p, T, "reciprocal")),
                      "power": median_ms(lambda: gpu_power.power(p, T)),
                      "array_api": median_ms(_array_path(lambda: skdcore.entropy_projection(p, T, validate=False)))}
                records.append({"shape": list(shape), "dtype": np.dtype(dtype).name, "T": T, "ms": ms,
                                "evaluations_per_row": float(iterations.mean())})
            cp.get_default_memory_pool().free_all_blocks()
    return records


def _cell(v) -> str:
    return f"{v:.3g}" if isinstance(v, float) else ("n/a" if v is None else str(v))


def _table(headers, rows) -> str:
    return "\n".join(["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
                     + ["| " + " | ".join(_cell(v) for v in row) + " |" for row in rows])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeats", type=int, default=20)
    parser.add_argument("--json", default="gpu-benchmark.json")
    args = parser.parse_args(argv)
    try:
        import cupy as cp

        if cp.cuda.runtime.getDeviceCount() < 1:
            raise RuntimeError("no CUDA device")
    except (ImportError, RuntimeError) as exc:  # CuPy's CUDARuntimeError is a RuntimeError
        print(f"skipped: no CuPy/CUDA device ({exc})")
        return 0

    power = bench_power(cp, QUICK_SHAPES if args.quick else SHAPES, args.repeats)
    kl = bench_forward_kl(cp, (64, 262144) if not args.quick else (16, 32768), args.repeats)
    projection = bench_projection(cp, QUICK_SHAPES if args.quick else PROJECTION_SHAPES, args.repeats)
    rows = []
    for r in power:
        ms = r["ms"]
        torch_ms = ms["torch"]
        rows.append(["x".join(map(str, r["shape"])), r["dtype"], ms["skdcore"], ms["cupy_naive"], torch_ms, ms["copy"],
                     ms["copy"] / ms["skdcore"], ms["cupy_naive"] / ms["skdcore"],
                     None if torch_ms is None else torch_ms / ms["skdcore"], r["copy_bandwidth_gbs"]])
    print(_table(["shape", "dtype", "skdcore ms", "cupy naive ms", "torch ms", "copy ms", "of copy", "naive/skd",
                  "torch/skd", "copy GB/s"], rows))
    print()
    print(_table(["shape", "dtype", "skdcore ms", "cupy naive ms", "naive/skd"],
                 [["x".join(map(str, r["shape"])), r["dtype"], r["ms"]["skdcore"], r["ms"]["cupy_naive"],
                   r["ms"]["cupy_naive"] / r["ms"]["skdcore"]] for r in kl]))
    print()
    print(_table(["shape", "dtype", "T", "projection ms", "power ms", "array API ms", "projection/power",
                  "array/projection", "evaluations per row"],
                 [["x".join(map(str, r["shape"])), r["dtype"], r["T"], r["ms"]["skdcore"], r["ms"]["power"],
                   r["ms"]["array_api"], r["ms"]["skdcore"] / r["ms"]["power"], r["ms"]["array_api"] / r["ms"]["skdcore"],
                   r["evaluations_per_row"]] for r in projection]))
    for r in power:
        if tuple(r["shape"]) == TARGET_SHAPE and r["dtype"] == "float32":
            fraction = r["ms"]["copy"] / r["ms"]["skdcore"]
            beats = r["ms"]["torch"] is None or r["ms"]["torch"] > r["ms"]["skdcore"]
            print(f"\ntarget: {100 * fraction:.0f}% of copy bandwidth (>= 70%: {'met' if fraction >= 0.7 else 'MISSED'}); "
                  f"beats torch CUDA: {'n/a' if r['ms']['torch'] is None else ('met' if beats else 'MISSED')}")
    device = cp.cuda.runtime.getDeviceProperties(0)["name"]
    device = device.decode() if isinstance(device, bytes) else device
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump({"device": device, "power": power, "forward_kl": kl, "entropy_projection": projection}, f, indent=1)
    print(f"device: {device}; wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

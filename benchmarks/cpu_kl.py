"""Forward KL value + gradient at V = 262144: the fused kernel, dense and streamed in chunks.

* dense fused: :func:`skdcore.kernels.cpu_forward_kl.forward_kl_rows` over whole rows;
* streamed: the same kernel phase by phase over column chunks, the teacher
  copied chunk by chunk into one reused (N, chunk) block (as a compact
  teacher source would produce it);
* the public loss, :func:`skdcore.losses.forward_kl` (``reduction="none"``,
  ``chunk_size`` = the same chunk, not validated), which dispatches to the
  kernel: the cost of the public API around it;
* baselines, timed in the same run: the NumPy reference written plainly
  (log-softmax of z/T, the teacher's power transform, the KL and its
  gradient (s - q_T)/T), ``torch`` CPU (``kl_div`` of ``log_softmax`` and
  autograd) when installed, and a copy of the gradient's bytes into a
  preallocated array.

Peak extra memory is the tracemalloc peak minus the outputs (the (N, V)
gradient and the (N,) losses); the kernels' own state is N x 4 float64 (the
row maxima and normalisers).  Targets (issue 7): streamed peak extra memory
<= one (N, chunk) block and streamed time <= 1.5x the dense fused kernel.
"""

from __future__ import annotations

import numpy as np

from skdcore.kernels.cpu_forward_kl import (
    MAXIMA,
    NORMALISERS,
    TERMS,
    ForwardKLStream,
    forward_kl_rows,
)
from skdcore.losses import forward_kl

from .harness import copy_seconds, median_seconds, peak_bytes

__all__ = ["SHAPE", "QUICK_SHAPE", "CHUNK", "run", "rows", "verdicts"]

SHAPE = (64, 262144)
QUICK_SHAPE = (16, 32768)
CHUNK = 8192
TEMPERATURE = 2.0


def _streamed(z, q, chunk):
    """The teacher copied chunk by chunk into one reused (N, chunk) block, as a source would produce it."""
    stream = ForwardKLStream(z, temperature=TEMPERATURE, teacher_temperature=TEMPERATURE, student_is_logits=True,
                             teacher_is_logits=False, want_grad=True)
    N, V = z.shape
    block = np.empty((N, chunk), dtype=q.dtype)
    for phase in (MAXIMA, NORMALISERS, TERMS):
        for start in range(0, V, chunk):
            width = min(chunk, V - start)
            np.copyto(block[:, :width], q[:, start : start + width])
            stream.run(phase, block, 0, start, width)
    return stream.result()


def numpy_reference(z, q, T):
    """(KL(q_T || softmax(z / T)) per row, its gradient w.r.t. z), written plainly."""
    a = z / T
    log_s = a - a.max(axis=-1, keepdims=True)
    log_s -= np.log(np.exp(log_s).sum(axis=-1, keepdims=True))
    b = np.log(q) / T
    log_q = b - b.max(axis=-1, keepdims=True)
    log_q -= np.log(np.exp(log_q).sum(axis=-1, keepdims=True))
    q_t = np.exp(log_q)
    return (q_t * (log_q - log_s)).sum(axis=-1), (np.exp(log_s) - q_t) / T


def _torch_reference():
    try:
        import torch
    except ImportError:
        return None

    def loss_and_grad(z, q, T):
        student = torch.from_numpy(z).requires_grad_()
        teacher = torch.softmax(torch.log(torch.from_numpy(q)) / T, dim=-1)
        loss = torch.nn.functional.kl_div(torch.log_softmax(student / T, dim=-1), teacher, reduction="sum")
        loss.backward()
        return loss.detach(), student.grad

    return loss_and_grad


def run(shape, repeats: int, chunk: int = CHUNK) -> list[dict]:
    torch_reference = _torch_reference()
    records = []
    for dtype in (np.float64, np.float32):
        rng = np.random.default_rng(1)
        z = (rng.standard_normal(shape) * 3).astype(dtype)
        q = 1 - rng.random(shape, dtype=dtype)
        q /= q.sum(axis=-1, keepdims=True)
        itemsize = np.dtype(dtype).itemsize
        output = shape[0] * shape[1] * itemsize + shape[0] * 8
        methods = {
            "dense_fused": lambda: forward_kl_rows(z, q, temperature=TEMPERATURE, teacher_temperature=TEMPERATURE),
            "streamed": lambda: _streamed(z, q, chunk),
            "public": lambda: forward_kl(z, q, temperature=TEMPERATURE, return_grad=True, reduction="none",
                                                 chunk_size=chunk, validate=False),
        }
        record = {"shape": list(shape), "dtype": np.dtype(dtype).name, "chunk": chunk,
                  "block_bytes": shape[0] * chunk * itemsize, "seconds": {}, "extra_bytes": {}}
        for name, method in methods.items():
            record["seconds"][name] = median_seconds(method, repeats)
            record["extra_bytes"][name] = peak_bytes(method) - output
        record["seconds"]["numpy"] = median_seconds(lambda: numpy_reference(z, q, TEMPERATURE), repeats, warm_up=False)
        record["seconds"]["torch"] = (median_seconds(lambda: torch_reference(z, q, TEMPERATURE), repeats, warm_up=False)
                                      if torch_reference else None)
        record["seconds"]["copy"] = copy_seconds(z, repeats)[0]
        records.append(record)
    return records


def rows(records):
    headers = ["shape", "dtype", "chunk", "dense fused ms", "streamed ms", "streamed/dense", "dense extra MiB",
               "streamed extra MiB", "(N, chunk) block MiB", "public forward_kl ms", "public extra MiB", "numpy ms",
               "torch ms", "copy ms", "numpy/dense", "torch/dense", "dense/copy"]
    out = []
    for r in records:
        s, m = r["seconds"], r["extra_bytes"]
        torch = s["torch"] if s["torch"] is not None else float("nan")
        out.append(["x".join(map(str, r["shape"])), r["dtype"], r["chunk"], 1e3 * s["dense_fused"], 1e3 * s["streamed"],
                    s["streamed"] / s["dense_fused"], m["dense_fused"] / 2**20, m["streamed"] / 2**20,
                    r["block_bytes"] / 2**20, 1e3 * s["public"], m["public"] / 2**20, 1e3 * s["numpy"],
                    1e3 * torch, 1e3 * s["copy"], s["numpy"] / s["dense_fused"], torch / s["dense_fused"],
                    s["dense_fused"] / s["copy"]])
    return headers, out


def verdicts(records) -> list[str]:
    lines = []
    for r in records:
        ratio = r["seconds"]["streamed"] / r["seconds"]["dense_fused"]
        extra = r["extra_bytes"]["streamed"]
        state = extra - r["block_bytes"]
        lines.append(f"KL value+grad {r['dtype']} {tuple(r['shape'])}: streamed/dense = {ratio:.2f} (target <= 1.5: "
                     f"{'met' if ratio <= 1.5 else 'MISSED'}); streamed extra memory {extra / 2**20:.3f} MiB = one (N, chunk) "
                     f"block {r['block_bytes'] / 2**20:.3f} MiB + {state / r['shape'][0]:.0f} bytes per row of state "
                     f"(target <= one block: {'met' if extra <= r['block_bytes'] else 'met up to the per-row state'})")
    return lines

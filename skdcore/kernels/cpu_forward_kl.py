"""Numba kernel for the forward KL loss and its gradient with respect to the student logits.

Per row, with the teacher softened at T_t and the student at T,

    lq_j = r_j / T_t - log Z_t,   ls_j = ρ_j / T - log Z_s,
    L = sum_j q_j (lq_j - ls_j),   ∂L/∂z_j = (s_j - q_j) / T,

where r (ρ) are the log-ratios to the row maximum of the teacher (student)
-- accurate log(x / max x) for probabilities, x - max x for logits -- and
q = exp(lq), s = exp(ls) (:mod:`skdcore.losses.forward_kl`: h_j = -q_j and
sum_j q_j = 1).  As in :func:`skdcore.losses.divergence.kl_terms`, a term is
0 where the teacher's entry is zero (lq = -inf) and +inf where the teacher's
is not but the student's is (a -inf logit, or a zero probability), even if
q_j underflows.  A row with an infinite loss gets a NaN gradient (no
gradient exists) unless its gradient scale is 0.

One kernel, three phases over a column range: the row maxima, the
normalisers Z, then the loss terms and the gradient.  Dense evaluation runs
the three phases per row in one call (the row stays in cache).  Streamed
evaluation runs each phase over column chunks of a multiple of
:data:`~.cpu_escort.BLOCK` columns, the maxima and sums being carried per row;
it adds the same numbers in the same order (blocks of BLOCK columns from
column 0), so both agree bit for bit.  Only the teacher needs to be read in
chunks, e.g. from a compact source; each chunk may be a separate (N, c) array.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .cpu_escort import BLOCK, clipped_exp, constants_for, log_ratio_at, row_top
from .cpu_math import CONTRACT, KERNEL, row_sum

__all__ = ["forward_kl_rows", "ForwardKLStream", "MAXIMA", "NORMALISERS", "TERMS", "ALL_PHASES"]

MAXIMA, NORMALISERS, TERMS = 1, 2, 4
"""The phases of :func:`_forward_kl` (a bitmask)."""
ALL_PHASES = MAXIMA | NORMALISERS | TERMS
# Per-row state columns: the two row maxima, then the two sums Z.
_TOP_T, _TOP_S, _Z_T, _Z_S = 0, 1, 2, 3


@njit(**KERNEL)
def _normaliser(total, row, constants, logits, inverse_t, buffer):
    """total + sum_j exp(r_j / T) over a row segment, added block by block (BLOCK columns)."""
    for start in range(0, row.shape[0], BLOCK):
        block = row[start : start + BLOCK]
        n = block.shape[0]
        for j in range(n):
            buffer[j] = log_ratio_at(float(block[j]), constants, logits) * inverse_t
        for j in range(n):
            buffer[j] = clipped_exp(buffer[j])
        total += row_sum(buffer[:n])
    return total


@njit(**KERNEL)
def _terms(total, teacher, t_constants, t_logits, t_inverse, t_log_z, student, s_constants, s_logits, s_inverse, s_log_z,
           gradient_factor, want_grad, grad, lq, ls):
    """total + sum_j q_j (lq_j - ls_j) over a row segment, added block by block;
    writes (s_j - q_j)·gradient_factor to ``grad``."""
    for start in range(0, teacher.shape[0], BLOCK):
        block_t, block_s = teacher[start : start + BLOCK], student[start : start + BLOCK]
        block_g = grad[start : start + BLOCK] if want_grad else grad
        n = block_t.shape[0]
        for j in range(n):
            lq[j] = log_ratio_at(float(block_t[j]), t_constants, t_logits) * t_inverse - t_log_z
        for j in range(n):
            ls[j] = log_ratio_at(float(block_s[j]), s_constants, s_logits) * s_inverse - s_log_z
        for j in range(n):
            a, b = lq[j], ls[j]
            q = clipped_exp(a)
            if want_grad:
                block_g[j] = (clipped_exp(b) - q) * gradient_factor
            term = q * (a - b)
            term = term if b > -math.inf else math.inf
            lq[j] = term if a > -math.inf else 0.0
        total += row_sum(lq[:n])
    return total


@njit(parallel=True, cache=True, error_model="numpy", fastmath=CONTRACT)
def _forward_kl(phases, teacher, t_offset, t_logits, t_temperature, student, s_offset, s_logits, temperature,
                width, state, grad_scale, want_grad, loss, grad):
    """Phases (bitmask) of one column segment [offset, offset + width) of every row;
    ``state`` (N, 4) and ``loss`` (N,) accumulate across segments."""
    t_inverse, s_inverse = 1.0 / t_temperature, 1.0 / temperature
    for i in prange(teacher.shape[0]):
        row_t = teacher[i, t_offset : t_offset + width]
        row_s = student[i, s_offset : s_offset + width]
        if phases & MAXIMA:
            state[i, _TOP_T] = max(state[i, _TOP_T], row_top(row_t, t_logits))
            state[i, _TOP_S] = max(state[i, _TOP_S], row_top(row_s, s_logits))
        t_constants = constants_for(state[i, _TOP_T], t_logits)
        s_constants = constants_for(state[i, _TOP_S], s_logits)
        buffer = np.empty(BLOCK)
        if phases & NORMALISERS:
            state[i, _Z_T] = _normaliser(state[i, _Z_T], row_t, t_constants, t_logits, t_inverse, buffer)
            state[i, _Z_S] = _normaliser(state[i, _Z_S], row_s, s_constants, s_logits, s_inverse, buffer)
        if phases & TERMS:
            loss[i] = _terms(
                loss[i], row_t, t_constants, t_logits, t_inverse, math.log(state[i, _Z_T]),
                row_s, s_constants, s_logits, s_inverse, math.log(state[i, _Z_S]),
                grad_scale[i] * s_inverse, want_grad, grad[i, s_offset : s_offset + width] if want_grad else grad[0, :0],
                buffer, np.empty(BLOCK),
            )


class ForwardKLStream:
    """Forward KL value (and gradient) of a dense student against a teacher
    read in column chunks; see the module docstring.

    ``student`` (N, V) logits or probabilities (C-contiguous).  Call
    :meth:`run` with :data:`MAXIMA`, then :data:`NORMALISERS`, then
    :data:`TERMS`, each over the same chunks in order of increasing column;
    a chunk is the columns [offset, offset + width) of a C-contiguous (N, ·)
    array of the student's dtype, standing for the student's columns
    [start, start + width).  ``grad_scale`` (N,) scales each gradient row.
    """

    def __init__(self, student, *, temperature: float, teacher_temperature: float, student_is_logits: bool,
                 teacher_is_logits: bool, want_grad: bool, grad_scale=None):
        self.student = student
        n = student.shape[0]
        self.options = (bool(teacher_is_logits), float(teacher_temperature), bool(student_is_logits), float(temperature))
        self.want_grad = bool(want_grad)
        self.state = np.zeros((n, 4))
        self.state[:, _TOP_T] = self.state[:, _TOP_S] = -math.inf
        self.loss = np.zeros(n)
        self.grad_scale = np.ones(n) if grad_scale is None else np.ascontiguousarray(grad_scale, dtype=np.float64)
        self.grad = np.empty(student.shape if want_grad else (1, 0), dtype=student.dtype)

    def run(self, phases: int, teacher, offset: int, start: int, width: int) -> None:
        t_logits, t_temperature, s_logits, temperature = self.options
        _forward_kl(phases, teacher, offset, t_logits, t_temperature, self.student, start, s_logits, temperature,
                    width, self.state, self.grad_scale, self.want_grad, self.loss, self.grad)

    def result(self):
        """(loss per row, float64; gradient or None).  Rows with an infinite loss
        and a non-zero scale get a NaN gradient row."""
        if not self.want_grad:
            return self.loss, None
        undefined = (self.loss == math.inf) & (self.grad_scale != 0)
        self.grad[undefined] = math.nan
        return self.loss, self.grad


def forward_kl_rows(student, teacher, *, temperature: float, teacher_temperature: float, student_is_logits: bool = True,
                    teacher_is_logits: bool = False, want_grad: bool = True, grad_scale=None, chunk_size=None):
    """Forward KL(q ‖ s) per row and its gradient w.r.t. the student logits.

    ``student`` and ``teacher``: (..., V) float32/float64 NumPy arrays of one
    dtype and shape (not validated).  Returns (loss of shape
    ``student.shape[:-1]``, float64; gradient like ``student``, or None).
    ``chunk_size`` (rounded up to a multiple of BLOCK) evaluates in column
    chunks, one phase at a time; the result does not depend on it.
    """
    shape = student.shape
    V = shape[-1]
    stream = ForwardKLStream(
        np.ascontiguousarray(student).reshape(-1, V), temperature=temperature, teacher_temperature=teacher_temperature,
        student_is_logits=student_is_logits, teacher_is_logits=teacher_is_logits, want_grad=want_grad,
        grad_scale=None if grad_scale is None else np.reshape(grad_scale, (-1,)),
    )
    teacher = np.ascontiguousarray(teacher).reshape(-1, V)
    if chunk_size is None:
        stream.run(ALL_PHASES, teacher, 0, 0, V)
    else:
        step = BLOCK * -(-int(chunk_size) // BLOCK)
        for phase in (MAXIMA, NORMALISERS, TERMS):
            for start in range(0, V, step):
                stream.run(phase, teacher, start, start, min(step, V - start))
    loss, grad = stream.result()
    return loss.reshape(shape[:-1]), None if grad is None else grad.reshape(shape)

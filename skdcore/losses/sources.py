"""Distributions as streams of log-probability blocks at a temperature.

A loss reads the student and the teacher one column block at a time as
log-probabilities of the softened distributions,

    log q_T,j = r_j / T - log sum_i exp(r_i / T),

where r_j is the accurate log-ratio of entry j to the row maximum: z_j - max z
for logits (eq. 1), log(p_j / max p) via :func:`skdcore.logratio.log_ratio`
for probabilities (the power transform, eq. 8), and
:meth:`TopKTeacher.log_ratio_block` for a compact top-k teacher.  The row
maximum and the normaliser are streaming reductions
(:mod:`skdcore.partial.vocab_chunks`); a compact teacher's normaliser is
closed-form (:func:`skdcore.partial.softening.escort_log_normalizer`).
Working in log space keeps log q_T exact where q_T underflows, so a divergence
is finite wherever it is mathematically finite.
"""

from __future__ import annotations

from ..escort import escort_weights
from ..logratio import log_ratio
from ..partial.softening import escort_log_normalizer
from ..partial.vocab_chunks import stream_reduce

__all__ = ["DenseSource", "CompactSource"]


class DenseSource:
    """A (..., V) array of logits or probabilities, read in column blocks."""

    def __init__(self, xp, x, is_logits: bool, dtype, T: float, bounds):
        self.xp, self.x, self.is_logits, self.dtype, self.T = xp, x, is_logits, dtype, T
        (top,) = stream_reduce(xp, bounds, lambda c0, c1: (self.raw(c0, c1),), ("max",))
        self.top = xp.expand_dims(top, axis=-1)
        (total,) = stream_reduce(xp, bounds, lambda c0, c1: (escort_weights(self.ratio(self.raw(c0, c1)), T),), ("sum",))
        self.log_z = xp.expand_dims(xp.log(total), axis=-1)

    def raw(self, c0: int, c1: int):
        return self.xp.astype(self.x[..., c0:c1], self.dtype)

    def ratio(self, raw):
        """Log-ratio to the row maximum of raw entries (a column block or gathered entries)."""
        return raw - self.top if self.is_logits else log_ratio(raw, self.top)

    def log_probs(self, raw):
        return self.ratio(raw) / self.T - self.log_z

    def log_block(self, c0: int, c1: int):
        return self.log_probs(self.raw(c0, c1))


class CompactSource:
    """A :class:`TopKTeacher`, softened by the power transform at ``T`` without densifying."""

    def __init__(self, teacher, T: float, chunk_size):
        self.teacher, self.T = teacher, T
        _, self.log_z = escort_log_normalizer(teacher, T, chunk_size)

    def log_block(self, c0: int, c1: int):
        return self.teacher.log_ratio_block(c0, c1) / self.T - self.log_z

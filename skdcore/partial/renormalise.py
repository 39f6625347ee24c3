"""Renormalisation completion: the visible probabilities scaled to sum to 1.

    q_i = p_i / sum_{j visible} p_j  (visible),   q_j = 0  (unseen)

the "renormalization" alternative of the paper's Section II.C.  It assigns
zero probability to every unseen token, so a divergence that needs the
teacher positive wherever the student is (reverse KL) is +inf against it.
"""

from __future__ import annotations

from ..backend import working_dtype
from .topk import TopKError, TopKTeacher, ZeroTail, first_bad_row_message, resolve_topk

__all__ = ["renormalise"]


def renormalise(values, indices, vocab_size: int, *, validate: bool = True) -> TopKTeacher:
    """Top-k teacher with the visible mass scaled to 1 and an empty tail.

    Raises :class:`TopKError` for a row whose visible values are all zero
    (nothing to scale), besides the checks of :func:`check_topk`.
    """
    xp, V = resolve_topk(values, indices, vocab_size, validate)
    x = xp.astype(values, working_dtype(xp, values.dtype))
    total = xp.sum(x, axis=-1, keepdims=True)
    if bool(xp.any(total == 0)):
        where = first_bad_row_message(total[..., 0] == 0, tuple(values.shape))
        raise TopKError(f"values: {where} has zero visible mass and cannot be renormalised")
    return TopKTeacher(xp.astype(x / total, values.dtype), indices, V, ZeroTail())

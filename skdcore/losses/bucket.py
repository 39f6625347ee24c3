"""The other-bucket loss: a divergence between k + 1 categories.

The teacher is an :class:`OtherBucketTeacher` (visible v_i and bucket
R, softened as a (k + 1)-category distribution by the power transform).
The student s = softmax(z / T) is aggregated the same way: its visible
entries s_i, gathered by index, and s_other = sum_{j unseen} s_j, computed in
log space as a masked log-sum-exp over the unseen columns (streamed, with its
own maximum, so s_other is exact even when every unseen s_j underflows).
The loss is L = sum_c φ(q_c, s_c) over the k + 1 categories.

Gradient: an unseen token j enters L only through s_other, so
∂L/∂s_j = ∂φ/∂s_other = h_other / s_other for every unseen j; with
h_j = s_j · ∂L/∂s_j the general formula ∂L/∂z_i = (h_i - s_i sum_c h_c) / T
holds with h_j = (s_j / s_other) · h_other for unseen j.
"""

from __future__ import annotations

import math

from ..escort import escort_weights
from ..partial.topk import scatter_visible
from ..partial.vocab_chunks import stream_reduce
from .sources import DenseSource

__all__ = ["bucket_rows"]


def bucket_rows(xp, divergence, teacher, teacher_T: float, s_src, bounds, return_grad: bool):
    """Per-row loss and (unscaled) per-row gradient against a bucket teacher."""
    dtype, T, indices = s_src.dtype, s_src.T, teacher.indices
    categories = teacher.categories()
    lq = DenseSource(xp, categories, False, dtype, teacher_T, [(0, categories.shape[-1])]).log_block(0, categories.shape[-1])
    ls_visible = s_src.log_probs(xp.astype(xp.take_along_axis(s_src.x, indices, axis=-1), dtype))

    def visible(c0, c1):
        cols = xp.arange(c0, c1, dtype=indices.dtype)
        return scatter_visible(xp, cols, indices, xp.ones(indices.shape, dtype=xp.bool), xp.asarray(False))

    def unseen_ratio(c0, c1):
        ratio = s_src.ratio(s_src.raw(c0, c1))
        return xp.where(visible(c0, c1), xp.full_like(ratio, -math.inf), ratio)

    (top,) = stream_reduce(xp, bounds, lambda c0, c1: (unseen_ratio(c0, c1),), ("max",))
    has_unseen = top > -math.inf
    top = xp.where(has_unseen, top, xp.zeros_like(top))
    (total,) = stream_reduce(xp, bounds, lambda c0, c1: (escort_weights(unseen_ratio(c0, c1) - top[..., None], T),), ("sum",))
    log_unseen = top / T + xp.log(xp.where(has_unseen, total, xp.ones_like(total))) - s_src.log_z[..., 0]
    ls_other = xp.where(has_unseen, log_unseen, xp.full_like(total, -math.inf))
    ls = xp.concat([ls_visible, ls_other[..., None]], axis=-1)

    row_loss = xp.sum(divergence.terms(xp, lq, ls), axis=-1)
    if not return_grad:
        return row_loss, None
    h = divergence.weights(xp, lq, ls)
    total_h = xp.sum(h, axis=-1, keepdims=True)
    log_other = log_unseen[..., None]
    blocks = []
    for c0, c1 in bounds:
        log_s = s_src.log_block(c0, c1)
        # s_j / s_other <= 1 on the unseen columns; visible columns and empty buckets get 0.
        outside = xp.logical_or(visible(c0, c1), xp.logical_not(has_unseen[..., None]))
        share = xp.exp(xp.where(outside, xp.full_like(log_s, -math.inf), log_s - log_other))
        cols = xp.arange(c0, c1, dtype=indices.dtype)
        h_block = scatter_visible(xp, cols, indices, h[..., :-1], share * h[..., -1:])
        blocks.append((h_block - xp.exp(log_s) * total_h) / T)
    return row_loss, blocks[0] if len(blocks) == 1 else xp.concat(blocks, axis=-1)

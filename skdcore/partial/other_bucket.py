"""Other-bucket completion: the missing mass as one extra category.

Some trainers treat a top-k (or top-p) truncated teacher as a distribution over
k + 1 categories: the k visible tokens and one "other" bucket holding
R = 1 - sum_i v_i.  The student is compared after aggregating its own
probabilities the same way, s_other = sum_{j unseen} s_j; the losses of
:mod:`skdcore.losses` do this when given an :class:`OtherBucketTeacher`.
Unlike the completions of :mod:`.max_entropy` and :mod:`.zipf`, nothing is
assumed about how the bucket's mass is spread over the V - k unseen tokens.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..backend import array_namespace, working_dtype
from .topk import missing_mass, resolve_topk

__all__ = ["OtherBucketTeacher", "other_bucket"]


@dataclass(frozen=True, eq=False)
class OtherBucketTeacher:
    """``values`` (..., k) and ``indices`` (..., k) of the visible tokens,
    ``vocab_size`` V, and ``other`` (...,) the mass of the bucket of the
    V - k unseen tokens."""

    values: object
    indices: object
    vocab_size: int
    other: object

    @property
    def k(self) -> int:
        return int(self.values.shape[-1])

    def categories(self):
        """The (..., k + 1) distribution: visible values, then the bucket."""
        xp = array_namespace(self.values)
        return xp.concat([self.values, xp.expand_dims(xp.astype(self.other, self.values.dtype), axis=-1)], axis=-1)


def other_bucket(values, indices, vocab_size: int, *, validate: bool = True) -> OtherBucketTeacher:
    """Top-k teacher with the missing mass R = 1 - sum v as one bucket
    (R below 0 by at most the rounding tolerance of :func:`check_topk` becomes 0)."""
    xp, V = resolve_topk(values, indices, vocab_size, validate)
    x = xp.astype(values, working_dtype(xp, values.dtype))
    rest = missing_mass(xp, x)
    # With k = V there is no unseen token: the bucket is empty.
    other = xp.maximum(rest, xp.zeros_like(rest)) if V > values.shape[-1] else xp.zeros_like(rest)
    return OtherBucketTeacher(values, indices, V, xp.astype(other, values.dtype))

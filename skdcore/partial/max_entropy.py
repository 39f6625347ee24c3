"""Maximum-entropy completion of a top-k teacher (paper, Section II.C, "entropy matching").

Given the visible values v_1..v_k (fixed), m = min_i v_i and the missing mass
R = 1 - sum_i v_i, solve

    maximise  H(q) = -sum_j q_j log q_j
    subject to q_i = v_i (visible),  0 <= q_j <= m (unseen, ranking),  sum_j q_j = 1.

Only the unseen entries are free: maximise -sum_{j unseen} q_j log q_j over
the set {0 <= q_j <= m, sum_j q_j = R}.  That set is convex and invariant
under permuting the unseen tokens, and the objective is strictly concave and
permutation invariant, so the maximiser is unique and symmetric:

    q_j = R / (V - k)   for every unseen j.

The ranking constraint q_j <= m therefore never binds at the optimum: the
uniform point satisfies it exactly when R <= (V - k)·m, which is also exactly
when the feasible set is non-empty.  If R > (V - k)·m no distribution over V
tokens has these k values as its k largest entries (the missing mass does not
fit below the smallest visible value); the observation is not a genuine top-k
and :class:`TopKError` is raised.  A violation within the rounding tolerance
of R (k·eps, the error of 1 - sum v in the values' dtype) is not an error:
the tail value is capped at m, so the ranking holds exactly and the total is
1 within that tolerance.  Likewise a visible mass above 1 within tolerance
gives an empty tail.  For k = V there is no tail and R must be 0 within
tolerance.
"""

from __future__ import annotations

from ..backend import working_dtype
from ..logratio import log_ratio
from ..validation import sum_tolerance
from .topk import TopKError, TopKTeacher, UniformTail, first_bad_row_message, missing_mass, resolve_topk

__all__ = ["max_entropy", "feasible_missing_mass"]


def feasible_missing_mass(xp, values, V: int):
    """(R, m): the feasible missing mass per row, clipped to [0, (V - k)·m], and
    the smallest visible value m, both (...,) in the working dtype.

    Raises :class:`TopKError` naming the row when R exceeds (V - k)·m by more
    than the rounding tolerance (the values cannot be a top-k of V tokens).
    """
    dtype = working_dtype(xp, values.dtype)
    x = xp.astype(values, dtype)
    k = values.shape[-1]
    smallest = xp.min(x, axis=-1)
    mass = missing_mass(xp, x)
    room = (V - k) * smallest
    infeasible = mass - room > sum_tolerance(xp, values.dtype, k)
    if bool(xp.any(infeasible)):
        where = first_bad_row_message(infeasible, tuple(values.shape))
        raise TopKError(
            f"values: {where} cannot be the top-{k} of a distribution over V = {V} tokens: the missing mass "
            f"exceeds (V - k)·min(visible), so some unseen token would outrank a visible one"
        )
    return xp.clip(mass, 0.0, room), smallest


def max_entropy(values, indices, vocab_size: int, *, validate: bool = True) -> TopKTeacher:
    """Top-k teacher completed by the maximum-entropy rule: the missing mass
    spread uniformly over the V - k unseen tokens (see the module docstring
    for the derivation and the infeasible case)."""
    xp, V = resolve_topk(values, indices, vocab_size, validate)
    mass, _ = feasible_missing_mass(xp, values, V)
    return TopKTeacher(values, indices, V, UniformTail(log_ratio(mass, xp.ones_like(mass))))

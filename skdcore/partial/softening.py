"""Softening a completed teacher: F_T applied to a top-k teacher, compactly where possible.

For the power transform (eq. 8) every tail family is closed under softening,
because q_j^(1/T) of a tail value is again a tail value of the same family:

* zero tail: stays zero;
* uniform tail: stays uniform, per-token log-probability (log u - log v_max)/T - log Z;
* Zipf tail min(m, λρ^(-a)): becomes min(m^(1/T), λ^(1/T) ρ^(-a/T)), a capped
  Zipf tail with exponent a/T,

and the visible values become v_i^(1/T) / Z with
Z = sum_i v_i^(1/T) + sum_{j unseen} t_j^(1/T), all taken relative to the
largest visible value v_max (every tail value is <= v_max, so nothing
overflows).  The tail part of Z is closed-form for zero and uniform tails and
a streaming sum over the V - k tail ranks for a Zipf tail.

Convex mixing (eq. 9) keeps a zero or uniform tail uniform,
t' = α t + (1 - α)/V, and is compact there while t' >= 0 (α <= 1 always
qualifies).  Every other (operator, tail) pair is evaluated on the dense
(..., V) teacher, and the result is that dense array.  An
:class:`OtherBucketTeacher` is softened as the (k + 1)-category distribution
it is (the bucket counts as one category), with any operator.
"""

from __future__ import annotations

from ..backend import array_namespace, working_dtype
from ..escort import escort_weights
from ..logratio import log_ratio
from ..operators import mix, power
from ..operators.mix import mixing_weights
from ..validation import check_temperature
from .other_bucket import OtherBucketTeacher
from .topk import TopKTeacher, UniformTail, ZeroTail, ZipfTail
from .vocab_chunks import chunk_bounds, stream_reduce

__all__ = ["soften", "escort_log_normalizer"]


def _tail_escort_sum(teacher: TopKTeacher, xp, dtype, shift, T: float, chunk_size):
    """sum over unseen j of (t_j / v_max)^(1/T), per row (...,); ``shift`` = log v_max (..., 1)."""
    tail, k, V = teacher.tail, teacher.k, teacher.vocab_size
    if isinstance(tail, ZeroTail) or V == k:
        return xp.zeros(tuple(shift.shape[:-1]), dtype=dtype)
    if isinstance(tail, UniformTail):
        per_token = tail.block(xp, dtype, k, V, None, True) - shift
        return (V - k) * escort_weights(per_token, T)[..., 0]

    def block(c0, c1):
        position = xp.arange(c0 + 1, c1 + 1, dtype=dtype)
        return (escort_weights(tail.block(xp, dtype, k, V, position, True) - shift, T),)

    return stream_reduce(xp, chunk_bounds(V - k, chunk_size), block, ("sum",))[0]


def escort_log_normalizer(teacher: TopKTeacher, T: float, chunk_size=None):
    """(log v_max, log Z) of the power-softened teacher, both (..., 1), with
    Z = sum_j (q_j / v_max)^(1/T) over all V tokens."""
    xp = array_namespace(teacher.values)
    dtype = working_dtype(xp, teacher.values.dtype)
    values = xp.astype(teacher.values, dtype)
    top = xp.max(values, axis=-1, keepdims=True)
    shift = log_ratio(top, xp.ones_like(top))
    visible = xp.sum(escort_weights(log_ratio(values, top), T), axis=-1)
    total = visible + _tail_escort_sum(teacher, xp, dtype, shift, T, chunk_size)
    return shift, xp.expand_dims(xp.log(total), axis=-1)


def _power_tail(tail, xp, dtype, k: int, V: int, shift, log_z, T: float):
    if isinstance(tail, ZeroTail):
        return tail
    if isinstance(tail, UniformTail):
        per_token = (tail.block(xp, dtype, k, V, None, True) - shift) / T - log_z
        if V == k:
            return UniformTail(xp.astype(tail.log_mass, dtype))
        return UniformTail((per_token + xp.log(xp.asarray(float(V - k), dtype=dtype)))[..., 0])

    def rescale(log_x):
        return ((xp.expand_dims(xp.astype(log_x, dtype), axis=-1) - shift) / T - log_z)[..., 0]

    return ZipfTail(rescale(tail.log_level), xp.astype(tail.exponent, dtype) / T, rescale(tail.log_cap))


def _soften_power(teacher: TopKTeacher, T: float, chunk_size) -> TopKTeacher:
    xp = array_namespace(teacher.values)
    dtype = working_dtype(xp, teacher.values.dtype)
    values = xp.astype(teacher.values, dtype)
    shift, log_z = escort_log_normalizer(teacher, T, chunk_size)
    top = xp.max(values, axis=-1, keepdims=True)
    softened = escort_weights(log_ratio(values, top), T) / xp.exp(log_z)
    tail = _power_tail(teacher.tail, xp, dtype, teacher.k, teacher.vocab_size, shift, log_z, T)
    return TopKTeacher(xp.astype(softened, teacher.values.dtype), teacher.indices, teacher.vocab_size, tail)


def _soften_mix(teacher: TopKTeacher, T: float, alpha):
    """Compact convex mixing of a zero/uniform-tail teacher, or None when the
    mixed tail would be negative (α > 1 far enough below T = 1)."""
    xp = array_namespace(teacher.values)
    dtype = working_dtype(xp, teacher.values.dtype)
    k, V = teacher.k, teacher.vocab_size
    a, complement = mixing_weights(xp, dtype, T, alpha)
    values = a * xp.astype(teacher.values, dtype) + complement / V
    tail_value = a * teacher.tail.block(xp, dtype, k, V, None, False) + complement / V
    tail_value = xp.broadcast_to(tail_value, tuple(values.shape[:-1]) + (1,))[..., 0]
    if bool(xp.any(tail_value < 0)):
        return None
    log_mass = log_ratio((V - k) * tail_value, xp.ones_like(tail_value))
    return TopKTeacher(xp.astype(values, teacher.values.dtype), teacher.indices, V, UniformTail(log_mass))


def soften(teacher, op, T: float, *, chunk_size: int | None = None, **op_kwargs):
    """F_T(teacher) for an operator ``op(p, T, **op_kwargs)``.

    Returns a :class:`TopKTeacher` when a closed form exists (``power`` with any
    tail; ``mix`` with a zero or uniform tail and a non-negative result), an
    :class:`OtherBucketTeacher` for a bucket teacher, and otherwise the dense
    (..., V) array ``op(teacher.dense(), T)``.  ``chunk_size`` bounds the
    blocks of the streaming sum over a Zipf tail.
    """
    T = check_temperature(T)
    if isinstance(teacher, OtherBucketTeacher):
        categories = op(teacher.categories(), T, **op_kwargs)
        return OtherBucketTeacher(categories[..., :-1], teacher.indices, teacher.vocab_size, categories[..., -1])
    if not isinstance(teacher, TopKTeacher):
        raise TypeError(f"soften expects a TopKTeacher or OtherBucketTeacher, got {type(teacher).__name__}")
    if op is power and not op_kwargs:
        return _soften_power(teacher, T, chunk_size)
    if op is mix and isinstance(teacher.tail, (ZeroTail, UniformTail)) and set(op_kwargs) <= {"alpha"}:
        compact = _soften_mix(teacher, T, op_kwargs.get("alpha", "reciprocal"))
        if compact is not None:
            return compact
    return op(teacher.dense(), T, **op_kwargs)

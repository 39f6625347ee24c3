"""One streaming evaluation for every loss: value and closed-form gradient.

``evaluate(divergence, student, teacher, ...)`` computes
L_r = sum_j φ(q_T,rj, s_T,rj) per row r and, on request, ∂/∂z of the reduced
loss (:mod:`.divergence` for the formula, :mod:`.reduction` for weights and
reductions).  The vocabulary axis is processed in column chunks: for each
chunk only (..., chunk) blocks of intermediates exist, the gradient being the
only (..., V) array produced (it is the output).  The passes are

1. row maxima of student and dense teacher (exact in any order);
2. the log-normalisers log sum_j exp(r_j / T) (streaming sums);
3. the sums of φ (and of h for the gradient);
4. for the gradient, the blocks (h - s · sum h) / T.

Two passes (maximum, then sum) instead of an online log-sum-exp make every
sum independent of the chunking, so chunked and dense (``chunk_size=None``)
evaluation agree bit for bit (:mod:`skdcore.partial.vocab_chunks`).
Validation, when on, inspects whole arrays; pass ``validate=False`` for the
strict memory bound.
"""

from __future__ import annotations

from ..backend import working_dtype
from ..errors import ShapeError
from ..kernels import dispatch
from ..partial.other_bucket import OtherBucketTeacher
from ..partial.topk import TopKTeacher
from ..partial.vocab_chunks import chunk_bounds, stream_reduce
from ..validation import check_logits, check_probabilities, check_real_floating, check_same_shape, check_temperature
from .bucket import bucket_rows
from .reduction import Reducer, row_factors
from .sources import CompactSource, DenseSource

__all__ = ["evaluate"]


def _check_dense(x, is_logits: bool, name: str, validate: bool):
    if not validate:
        return check_real_floating(x, name)
    return check_logits(x, name) if is_logits else check_probabilities(x, name)


def _check_compact(teacher, batch_shape: tuple, V: int) -> None:
    if teacher.vocab_size != V:
        raise ShapeError(f"teacher has vocabulary size {teacher.vocab_size} but the student has V = {V}")
    if tuple(teacher.values.shape[:-1]) != batch_shape:
        raise ShapeError(f"teacher has batch shape {tuple(teacher.values.shape[:-1])} but the student has {batch_shape}")


def evaluate(
    divergence,
    student,
    teacher,
    *,
    temperature: float = 1.0,
    student_is_logits: bool = True,
    teacher_is_logits: bool = False,
    soften_teacher: bool = True,
    t_squared: bool = False,
    weights=None,
    ignore=None,
    reduction: str = "batchmean",
    chunk_size: int | None = None,
    return_grad: bool = False,
    validate: bool = True,
):
    """Value (and gradient) of a KD loss between a softened teacher and student.

    Parameters
    ----------
    divergence : :class:`.divergence.Divergence`
        The loss (the public functions pass it).
    student : array (..., V)
        Logits (``student_is_logits=True``; -inf marks a masked token) or
        probabilities.  Softened as softmax(z / T), resp. the power transform.
    teacher : array (..., V), :class:`TopKTeacher` or :class:`OtherBucketTeacher`
        Dense probabilities (or logits with ``teacher_is_logits=True``), or a
        compact completed top-k teacher, read without densifying.  Softened by
        the power transform at ``temperature`` unless ``soften_teacher=False``
        (a bucket teacher as k + 1 categories).
    temperature : float
        T > 0, applied to both; ``t_squared`` multiplies the loss by T².
    weights, ignore : arrays of the batch shape, optional
        Non-negative row weights; boolean mask of rows to drop.
    reduction : {"none", "sum", "mean", "batchmean"}
        See :mod:`.reduction`.
    chunk_size : int or None
        Columns per streamed block (rounded up to a multiple of 128); None
        evaluates in one block.  Results do not depend on it.
    return_grad : bool
        Also return ∂(reduced loss)/∂(student logits), shape (..., V).

    Returns
    -------
    value, or (value, grad); both of the student's dtype.  A row whose loss
    is +inf has a NaN gradient row (no gradient exists there).
    """
    T = check_temperature(temperature, "temperature")
    xp = _check_dense(student, student_is_logits, "student", validate)
    dtype = working_dtype(xp, student.dtype)
    batch_shape, V = tuple(student.shape[:-1]), int(student.shape[-1])
    bounds = chunk_bounds(V, chunk_size)
    factor = row_factors(xp, dtype, batch_shape, weights, ignore, validate)
    reducer = Reducer(xp, reduction, factor, V, T if t_squared else None)
    teacher_T = T if soften_teacher else 1.0

    if isinstance(teacher, (OtherBucketTeacher, TopKTeacher)):
        _check_compact(teacher, batch_shape, V)
    else:
        _check_dense(teacher, teacher_is_logits, "teacher", validate)
        if validate:
            check_same_shape(student, teacher, ("student", "teacher"))
        if divergence.name == "forward_kl" and dispatch.fast_path("forward_kl", student, teacher):
            # The fused kernel (skdcore.kernels): same passes and chunk independence, tested against
            # this path; it writes the gradient already scaled (no (N, V) temporaries here).
            row_loss, grad = dispatch.forward_kl_rows(
                student, teacher, temperature=T, teacher_temperature=teacher_T, student_is_logits=student_is_logits,
                teacher_is_logits=teacher_is_logits, want_grad=return_grad, chunk_size=chunk_size,
                grad_scale=reducer.row_scale() if return_grad else None)
            value = xp.astype(reducer.value(row_loss), student.dtype)
            return (value, grad) if return_grad else value

    s_src = DenseSource(xp, student, student_is_logits, dtype, T, bounds)
    if isinstance(teacher, OtherBucketTeacher):
        row_loss, grad = bucket_rows(xp, divergence, teacher, teacher_T, s_src, bounds, return_grad)
    else:
        if isinstance(teacher, TopKTeacher):
            t_src = CompactSource(teacher, teacher_T, chunk_size)
        else:
            t_src = DenseSource(xp, teacher, teacher_is_logits, dtype, teacher_T, bounds)
        row_loss, grad = _dense_rows(xp, divergence, t_src, s_src, bounds, T, return_grad)
    return _reduce(xp, reducer, student.dtype, row_loss, grad, return_grad)


def _reduce(xp, reducer, dtype, row_loss, grad, return_grad: bool):
    """The reduced value (and gradient) in the student's dtype."""
    value = xp.astype(reducer.value(row_loss), dtype)
    if not return_grad:
        return value
    return value, xp.astype(reducer.gradient(grad, row_loss), dtype)


def _dense_rows(xp, divergence, t_src, s_src, bounds, T: float, return_grad: bool):
    """Per-row loss and (unscaled) per-row gradient for a teacher read in column blocks."""

    def terms(c0, c1):
        lq, ls = t_src.log_block(c0, c1), s_src.log_block(c0, c1)
        phi = divergence.terms(xp, lq, ls)
        return (phi, divergence.weights(xp, lq, ls)) if return_grad else (phi,)

    sums = stream_reduce(xp, bounds, terms, ("sum", "sum") if return_grad else ("sum",))
    if not return_grad:
        return sums[0], None
    total_h = xp.expand_dims(sums[1], axis=-1)
    blocks = []
    for c0, c1 in bounds:
        lq, ls = t_src.log_block(c0, c1), s_src.log_block(c0, c1)
        blocks.append((divergence.weights(xp, lq, ls) - xp.exp(ls) * total_h) / T)
    return sums[0], blocks[0] if len(blocks) == 1 else xp.concat(blocks, axis=-1)

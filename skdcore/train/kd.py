"""What the student is trained to match, and the loss that measures the match.

The teacher enters only through its probabilities p (paper, Corollary VI.2):

    p ──(optional top-k truncation + completion, skdcore.partial)──> p̃ ──F_T──> q = F_T(p̃)

with F_T any operator (a registered name or ``module:attr``,
:func:`skdcore.operators.resolve_operator`).  The student s = softmax(z) is
fitted to q with a KD loss of :mod:`skdcore.losses` at temperature 1 (the
softening is all in F_T), so the same q is the target of Theorem VII.1.
"""

from __future__ import annotations

import math

from ..backend import array_namespace
from ..losses import cross_entropy, forward_kl, jsd, reverse_kl, tvd
from ..operators import resolve_operator
from ..partial import max_entropy, renormalise, zipf_tail

__all__ = [
    "KD_LOSSES",
    "COMPLETIONS",
    "resolve_loss",
    "top_k_completed",
    "soft_targets",
    "loss_and_gradient",
    "loss_value",
]

KD_LOSSES = {"kl": forward_kl, "reverse_kl": reverse_kl, "jsd": jsd, "tvd": tvd, "ce": cross_entropy}
COMPLETIONS = {"max_entropy": max_entropy, "renormalise": renormalise, "zipf": zipf_tail}


def resolve_loss(name: str):
    """The loss function of :mod:`skdcore.losses` registered here as ``name``."""
    try:
        return KD_LOSSES[name]
    except KeyError:
        raise ValueError(f"unknown loss {name!r}; choose one of {sorted(KD_LOSSES)}") from None


def top_k_completed(p, k: int, completion: str = "max_entropy"):
    """Keep the k largest entries of each row of ``p`` and complete the rest
    with a :mod:`skdcore.partial` completion; returns the dense (N, V) rows."""
    if completion not in COMPLETIONS:
        raise ValueError(f"unknown completion {completion!r}; choose one of {sorted(COMPLETIONS)}")
    xp = array_namespace(p)
    V = int(p.shape[-1])
    if not 1 <= k <= V:
        raise ValueError(f"top-k needs 1 <= k <= V = {V}, got k = {k}")
    indices = xp.argsort(p, axis=-1, descending=True, stable=True)[..., :k]
    values = xp.take_along_axis(p, indices, axis=-1)
    return COMPLETIONS[completion](values, indices, V).dense()


def soft_targets(p, operator: str, temperature: float, *, topk: int | None = None, completion: str = "max_entropy"):
    """q = F_T(p̃): the operator named ``operator`` at ``temperature`` applied to
    the (optionally top-k completed) teacher probabilities."""
    _, op = resolve_operator(operator)
    if topk is not None:
        p = top_k_completed(p, topk, completion)
    return op(p, temperature)


def loss_and_gradient(loss, logits, target):
    """(batch-mean loss, ∂loss/∂logits) of student softmax(logits) against the
    probability rows ``target``, both used as given (no further softening)."""
    return loss(logits, target, temperature=1.0, soften_teacher=False, return_grad=True, validate=False)


def loss_value(loss, probs, target) -> float:
    """The batch-mean loss of probability rows ``probs`` against ``target``, as
    a Python float; raises FloatingPointError when it is not finite."""
    value = float(loss(probs, target, temperature=1.0, soften_teacher=False, student_is_logits=False, validate=False))
    if not math.isfinite(value):
        raise FloatingPointError(
            f"the {loss.__name__} loss is {value}: the student or the target has zeros the loss cannot take "
            "(e.g. reverse_kl against a renormalised top-k teacher)"
        )
    return value

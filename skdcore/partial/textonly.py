"""Text-only teachers: a next-token distribution estimated from sampled tokens
(paper, Section II.B).

From n sampled continuations of a context, with counts c_i (sum n) over a
vocabulary of V tokens:

* ``"dirichlet"`` (add-α): the posterior mean under a symmetric Dirichlet(α)
  prior, p_i = (c_i + α) / (n + Vα); its uncertainty is the posterior
  standard deviation of the Beta(c_i + α, n - c_i + (V-1)α) marginal,
  sqrt(p_i (1 - p_i) / (n + Vα + 1)).  α = 1 is Laplace's rule.
* ``"good_turing"``: the unseen mass is the Good-Turing estimate
  M0 = N1 / n (N1 = number of tokens seen exactly once), spread evenly over
  the U unseen tokens; seen tokens keep their empirical shares of the rest,
  p_i = (1 - M0) c_i / n.  With no unseen token, M0 = 0.  Uncertainties are
  approximate standard errors: (1 - M0) sqrt(p̂(1 - p̂)/n) with p̂ = c_i / n
  for seen tokens, and sqrt(Var M0)/U for unseen ones with Esty's (1983)
  estimate Var M0 ≈ (N1/n)(1 - N1/n)/n + 2 N2/n².  If every observed token is
  a singleton, M0 = 1 and the seen tokens get probability 0 (the estimator's
  known degenerate case; prefer ``"dirichlet"`` for tiny samples).
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

from ..backend import array_namespace
from ..errors import DtypeError, InputValidationError
from ..validation import check_real_floating
from .topk import first_bad_row_message

__all__ = ["TextEstimate", "counts_from_samples", "estimate_from_counts", "SampleCountError"]


class SampleCountError(InputValidationError):
    """Counts that are negative, non-integral or non-finite; a sampled token
    outside [0, V); a row without samples where the method needs some; or a
    non-positive α."""


@dataclass(frozen=True, eq=False)
class TextEstimate:
    """``probabilities`` (..., V), per-token ``std`` (..., V) and the ``method`` used."""

    probabilities: object
    std: object
    method: str


def counts_from_samples(tokens, vocab_size: int):
    """Counts (..., V) (int64) of the sampled token ids ``tokens`` (..., n)."""
    xp = array_namespace(tokens)
    if not xp.isdtype(tokens.dtype, "integral"):
        raise DtypeError(f"tokens must have an integer dtype, got {tokens.dtype}")
    if isinstance(vocab_size, bool) or not isinstance(vocab_size, numbers.Integral) or vocab_size < 1:
        raise SampleCountError(f"vocab_size must be a positive integer, got {vocab_size!r}")
    outside = xp.logical_or(tokens < 0, tokens >= vocab_size)
    if bool(xp.any(outside)):
        where = first_bad_row_message(xp.any(outside, axis=-1), tuple(tokens.shape))
        raise SampleCountError(f"tokens: {where} has a token id outside [0, {vocab_size})")
    ids = xp.arange(int(vocab_size), dtype=tokens.dtype)
    counts = xp.zeros(tuple(tokens.shape[:-1]) + (int(vocab_size),), dtype=xp.int64)
    for s in range(tokens.shape[-1]):
        counts = counts + xp.astype(tokens[..., s : s + 1] == ids, xp.int64)
    return counts


def _check_counts(counts):
    xp = array_namespace(counts)
    if not xp.isdtype(counts.dtype, "integral"):
        check_real_floating(counts, "counts")
    x = xp.astype(counts, xp.float64)
    bad = xp.logical_not(xp.logical_and(xp.isfinite(x), xp.logical_and(x >= 0, xp.floor(x) == x)))
    if bool(xp.any(bad)):
        where = first_bad_row_message(xp.any(bad, axis=-1), tuple(counts.shape))
        raise SampleCountError(f"counts: {where} has a negative, non-integral or non-finite count")
    return xp, x


def estimate_from_counts(counts, *, method: str = "dirichlet", alpha: float = 1.0) -> TextEstimate:
    """Estimate a teacher distribution (float64) from token counts (..., V); see the module docstring."""
    xp, c = _check_counts(counts)
    V = c.shape[-1]
    n = xp.sum(c, axis=-1, keepdims=True)
    if method == "dirichlet":
        if not (math.isfinite(alpha) and alpha > 0):
            raise SampleCountError(f"alpha must be a positive finite number, got {alpha!r}")
        total = n + V * alpha
        p = (c + alpha) / total
        return TextEstimate(p, xp.sqrt(p * (1 - p) / (total + 1)), method)
    if method != "good_turing":
        raise SampleCountError(f"unknown method {method!r}; choose 'dirichlet' or 'good_turing'")
    if bool(xp.any(n == 0)):
        raise SampleCountError(f"counts: {first_bad_row_message(n[..., 0] == 0, tuple(c.shape))} has no samples")
    n1 = xp.sum(xp.astype(c == 1, xp.float64), axis=-1, keepdims=True)
    n2 = xp.sum(xp.astype(c == 2, xp.float64), axis=-1, keepdims=True)
    unseen = xp.sum(xp.astype(c == 0, xp.float64), axis=-1, keepdims=True)
    has_unseen = unseen > 0
    m0 = xp.where(has_unseen, n1 / n, xp.zeros_like(n))
    share = c / n
    per_unseen = m0 / xp.maximum(unseen, xp.ones_like(unseen))
    p = xp.where(c > 0, (1 - m0) * share, per_unseen)
    f1 = n1 / n
    var_m0 = f1 * (1 - f1) / n + 2 * n2 / (n * n)
    std_unseen = xp.sqrt(var_m0) / xp.maximum(unseen, xp.ones_like(unseen))
    std = xp.where(c > 0, (1 - m0) * xp.sqrt(share * (1 - share) / n), std_unseen)
    return TextEstimate(p, std, method)

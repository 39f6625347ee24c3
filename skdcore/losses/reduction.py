"""Per-row weights, the ignore mask, the T² factor and the reductions.

A row r of the batch has factor c_r = w_r (its weight, default 1) or 0 when
ignored.  With L_r the per-row loss and κ = T² when the T² factor is on (the
usual KD convention, which keeps gradient magnitudes comparable across T),
else 1:

* ``none``: κ c_r L_r per row;
* ``sum``: κ sum_r c_r L_r;
* ``batchmean``: κ sum_r c_r L_r / sum_r c_r (the mean over kept rows when
  unweighted: torch's ``batchmean`` for KL);
* ``mean``: κ sum_r c_r L_r / (V sum_r c_r) (torch's elementwise ``mean``).

A row with c_r = 0 contributes exactly 0 (also when its loss is +inf), and
when every row has c_r = 0 the means are 0.  The gradient of the reduced
value with respect to row r's logits is κ c_r / divisor times that row's
gradient.
"""

from __future__ import annotations

import math

from ..errors import DtypeError, InputValidationError, ShapeError
from ..validation import describe_row, first_bad_row

__all__ = ["REDUCTIONS", "LossOptionError", "row_factors", "Reducer"]

REDUCTIONS = ("none", "sum", "mean", "batchmean")


class LossOptionError(InputValidationError):
    """An invalid loss option: unknown reduction, bad weights or ignore mask, β outside (0, 1)."""


def row_factors(xp, dtype, batch_shape: tuple, weights, ignore, validate: bool):
    """c_r per row (batch shape, ``dtype``) from ``weights`` and the boolean ``ignore`` mask."""
    factor = xp.ones(batch_shape, dtype=dtype)
    if weights is not None:
        if validate:
            if tuple(weights.shape) != batch_shape:
                raise ShapeError(f"weights has shape {tuple(weights.shape)}, expected the batch shape {batch_shape}")
            if not xp.isdtype(weights.dtype, ("real floating", "integral")):
                raise DtypeError(f"weights must be real, got {weights.dtype}")
            bad = xp.logical_not(xp.logical_and(xp.isfinite(xp.astype(weights, dtype)), weights >= 0))
            if bool(xp.any(bad)):
                row = first_bad_row(xp.expand_dims(bad, axis=-1), batch_shape + (1,))
                raise LossOptionError(f"weights: {describe_row(row)} is negative or not finite")
        factor = xp.astype(weights, dtype)
    if ignore is not None:
        if validate:
            if tuple(ignore.shape) != batch_shape:
                raise ShapeError(f"ignore has shape {tuple(ignore.shape)}, expected the batch shape {batch_shape}")
            if not xp.isdtype(ignore.dtype, "bool"):
                raise DtypeError(f"ignore must be a boolean mask, got {ignore.dtype}")
        factor = xp.where(ignore, xp.zeros_like(factor), factor)
    return factor


class Reducer:
    """Applies a reduction to per-row losses and the matching scale to per-row gradients."""

    def __init__(self, xp, reduction: str, factor, V: int, t_squared: float | None):
        """``t_squared``: the temperature T when the T² factor is on, else None."""
        if reduction not in REDUCTIONS:
            raise LossOptionError(f"unknown reduction {reduction!r}; choose one of {REDUCTIONS}")
        self.xp, self.reduction = xp, reduction
        self.kept = factor != 0
        # κ c_r formed in the array's dtype, so a high-precision namespace keeps T² exact.
        self.factor = factor if t_squared is None else factor * t_squared * t_squared
        total = xp.sum(factor)  # unscaled: the means divide by the plain sum of the factors
        divisor = {"none": 1.0, "sum": 1.0, "batchmean": total, "mean": total * V}[reduction]
        self.divisor = xp.where(divisor == 0, xp.ones_like(total), divisor) if reduction in ("mean", "batchmean") else divisor

    def value(self, row_loss):
        xp = self.xp
        kept = self.kept
        weighted = xp.where(kept, self.factor * xp.where(kept, row_loss, xp.zeros_like(row_loss)), xp.zeros_like(row_loss))
        if self.reduction == "none":
            return weighted
        return xp.sum(weighted) / self.divisor

    def row_scale(self):
        """κ c_r / divisor per row (batch shape), exactly 0 on the rows with c_r = 0: the
        factor of each row's gradient (a kernel can apply it while writing the gradient)."""
        xp = self.xp
        return xp.where(self.kept, self.factor / self.divisor, xp.zeros_like(self.factor))

    def gradient(self, row_grad, row_loss):
        """Scale (..., V) per-row gradients by :meth:`row_scale`; rows with an infinite
        loss (no gradient exists) become NaN unless their factor is 0."""
        xp = self.xp
        scale = xp.expand_dims(self.row_scale(), axis=-1)
        infinite = xp.expand_dims(row_loss == math.inf, axis=-1)
        kept = xp.expand_dims(self.kept, axis=-1)
        grad = xp.where(infinite, xp.full_like(row_grad, math.nan), row_grad)
        return xp.where(kept, scale * xp.where(kept, grad, xp.zeros_like(grad)), xp.zeros_like(grad))

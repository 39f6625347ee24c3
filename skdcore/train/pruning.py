"""Magnitude pruning to a target sparsity in n stages (paper, Section VIII).

Schedules give the sparsity ρ_k reached after stage k = 1..n of n:

* ``equal``: ρ_k = ρ · k / n, the equal steps Δρ = ρ / n of Theorem VIII.3;
* ``cubic``: ρ_k = ρ · (1 - (1 - k/n)³), the gradual schedule of Zhu & Gupta
  (2017, "To prune, or not to prune", eq. 1 with s_i = 0 and one pruning
  step per stage): large steps first, small ones near the target.

A mask is a boolean array per weight matrix (True = kept); biases are never
pruned.  :func:`magnitude_masks` keeps the weights of largest |w|, pruning
exactly round(ρ · count) of them, either over all weight matrices together
(``global``) or in every matrix separately (``layer``).  Weights pruned
earlier score below every live weight, so masks only ever shrink.
"""

from __future__ import annotations

import itertools

from ..backend import array_namespace

__all__ = ["SCHEDULES", "SCOPES", "sparsity_schedule", "magnitude_masks", "apply_masks", "mask_sparsity"]

SCHEDULES = ("equal", "cubic")
SCOPES = ("global", "layer")


def sparsity_schedule(target: float, n: int, kind: str = "equal") -> list[float]:
    """Sparsities [ρ_1, ..., ρ_n] after each of ``n`` stages, ending at ``target``."""
    if not 0 <= target < 1:
        raise ValueError(f"target sparsity must lie in [0, 1), got {target!r}")
    if int(n) != n or n < 1:
        raise ValueError(f"the number of stages must be a positive integer, got {n!r}")
    if kind == "equal":
        return [target * k / n for k in range(1, n + 1)]
    if kind == "cubic":
        return [target * (1 - (1 - k / n) ** 3) for k in range(1, n + 1)]
    raise ValueError(f"unknown schedule {kind!r}; choose one of {SCHEDULES}")


def _keep_largest(xp, scores, n_prune: int):
    """Boolean array: False at the ``n_prune`` lowest scores (ties broken by position), True elsewhere.

    The rank of each entry is the inverse of the stable sorting permutation
    (argsort of argsort), so exactly ``n_prune`` entries are dropped.
    """
    order = xp.argsort(scores, stable=True)
    rank = xp.argsort(order, stable=True)
    return rank >= n_prune


def magnitude_masks(weights: list, sparsity: float, *, scope: str = "global", masks: list | None = None) -> list:
    """Masks keeping the largest-|w| weights at overall (or per-matrix) sparsity ``sparsity``.

    ``masks``, the current masks, are respected: an already pruned weight has
    score -1 and is pruned again first.  Returns one boolean array per matrix.
    """
    if scope not in SCOPES:
        raise ValueError(f"unknown pruning scope {scope!r}; choose one of {SCOPES}")
    if not 0 <= sparsity < 1:
        raise ValueError(f"sparsity must lie in [0, 1), got {sparsity!r}")
    xp = array_namespace(*weights)
    scores = []
    for i, w in enumerate(weights):
        s = xp.abs(w)
        if masks is not None:
            s = xp.where(masks[i], s, -xp.ones_like(s))
        scores.append(xp.reshape(s, (-1,)))
    if scope == "layer":
        flat = [_keep_largest(xp, s, round(sparsity * s.shape[0])) for s in scores]
    else:
        kept = _keep_largest(xp, xp.concat(scores), round(sparsity * sum(s.shape[0] for s in scores)))
        ends = itertools.accumulate(s.shape[0] for s in scores)
        flat = [kept[end - s.shape[0] : end] for s, end in zip(scores, ends)]
    return [xp.reshape(f, w.shape) for f, w in zip(flat, weights)]


def apply_masks(params: list, masks: list) -> list:
    """Parameters ``[W_1, b_1, ...]`` with every pruned weight set to exactly +0."""
    xp = array_namespace(*params)
    out = list(params)
    for i, mask in enumerate(masks):
        w = params[2 * i]
        out[2 * i] = xp.where(mask, w, xp.zeros_like(w))
    return out


def mask_sparsity(masks: list) -> float:
    """Fraction of weights pruned (False) over all masks."""
    if not masks:
        return 0.0
    xp = array_namespace(*masks)
    pruned = sum(int(xp.sum(xp.astype(xp.logical_not(m), xp.int64))) for m in masks)
    return pruned / sum(int(m.size) for m in masks)

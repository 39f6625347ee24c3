"""Euclidean projection onto the probability simplex.

    Π(y) = argmin_{x ∈ Δ^V} ||x - y||_2 = max(y - τ, 0),

with τ the unique threshold making the result sum to 1.  Sort-based
algorithm (Held, Wolfe & Crowder 1974; Duchi et al. 2008), O(V log V): with
u the entries sorted in decreasing order and S_j = u_1 + ... + u_j,
ρ = max{j : u_j - (S_j - 1)/j > 0} and τ = (S_ρ - 1)/ρ.  Exact in exact
arithmetic (no iteration); in floating point the result sums to 1 within
about V·eps·max(1, |y|).  Written against the array API: sort,
cumulative_sum, and a select of S_ρ without fancy indexing.
"""

from __future__ import annotations

from ..backend import working_dtype
from ..errors import NotOnSimplexError
from ..validation import check_real_floating
from .topk import first_bad_row_message

__all__ = ["project_to_simplex"]


def project_to_simplex(y, *, validate: bool = True):
    """Π(y) along the last axis for real rows ``y`` (any finite values)."""
    xp = check_real_floating(y, "y")
    if validate:
        bad = xp.logical_not(xp.isfinite(y))
        if bool(xp.any(bad)):
            raise NotOnSimplexError(f"y: {first_bad_row_message(xp.any(bad, axis=-1), tuple(y.shape))} has a non-finite entry")
    dtype = working_dtype(xp, y.dtype)
    x = xp.astype(y, dtype)
    u = xp.sort(x, axis=-1, descending=True)
    partial = xp.cumulative_sum(u, axis=-1)
    j = xp.arange(1, x.shape[-1] + 1, dtype=dtype)
    candidate = (partial - 1) / j
    # j = 1 always qualifies (u_1 - (u_1 - 1) = 1); the floor guards |y| beyond 1/eps.
    rho = xp.maximum(xp.sum(xp.astype(u - candidate > 0, dtype), axis=-1, keepdims=True), xp.ones_like(u[..., :1]))
    tau = xp.sum(xp.where(j == rho, candidate, xp.zeros_like(candidate)), axis=-1, keepdims=True)
    return xp.astype(xp.maximum(x - tau, xp.zeros_like(x)), y.dtype)

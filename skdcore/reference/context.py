"""A private mpmath context per precision, so references never touch ``mpmath.mp``."""

from __future__ import annotations

from functools import lru_cache

import mpmath


@lru_cache(maxsize=None)
def context(dps: int) -> mpmath.MPContext:
    """An mpmath context working at ``dps`` decimal digits."""
    ctx = mpmath.MPContext()
    ctx.dps = dps
    return ctx


def exact_row(ctx: mpmath.MPContext, row) -> list:
    """The floats of a 1-d row as exactly equal mpf values."""
    return [ctx.mpf(float(v)) for v in row]

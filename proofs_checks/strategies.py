"""Hypothesis strategies for probability vectors and temperatures.

Exported for users who write their own property tests::

    from hypothesis import given
    from proofs_checks import strategies as sks

    @given(sks.probability_vectors(domain="boundary"), sks.temperatures())
    def test_my_operator(p, T): ...

Points of the simplex Δ^V (paper, eq. 2) are drawn by *regime*, each a way
operators break:

``concentration``
    p = softmax(s·z), z ∈ [-1, 1]^V, scale s from 1e-3 (near-uniform) to 50
    (near-one-hot).
``ties``
    a few distinct levels shared exactly by several entries, often including
    tied maxima (Axiom 5's tie rule).
``near-ties``
    two entries at relative gap 10^-k, k = 1..16 (one ulp at k = 16), often
    at the maximum.
``dynamic-range``
    entries 2^-b, b = 0..1074, down to the smallest subnormal.
``one-hot``
    (boundary only) a single entry 1.

The ``boundary`` domain puts exact zeros into 1..V-1 entries of any regime;
the ``interior`` domain keeps every entry positive (an entry that underflows
is set to the smallest subnormal).  Up to V = 8 every entry is its own
Hypothesis draw, so counterexamples shrink entry by entry; larger V (up to a
few thousand) draw a seed for NumPy's generator.  Every draw carries a label
(:attr:`SimplexPoint.regime`, e.g. ``"near-ties(gap=1e-12, at max)"``).

Temperatures are log-uniform over [1e-300, 1e300] with extra mass near 1
and at the extremes (1e-300, 1e300 and decades next to them).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from hypothesis import strategies as st

from .cases import normalise
from .names import DOMAINS

__all__ = [
    "DOMAINS",
    "REGIMES",
    "SimplexPoint",
    "simplex_points",
    "probability_vectors",
    "temperatures",
    "temperature_pairs",
    "explicit_points",
    "EXTREME_TEMPERATURES",
]

REGIMES = ("concentration", "ties", "near-ties", "dynamic-range", "one-hot")
T_MIN, T_MAX = 1e-300, 1e300
EXTREME_TEMPERATURES = (T_MIN, 1.0, T_MAX)
ELEMENTWISE_MAX_V = 8  # up to this size every entry is drawn (and shrunk) by Hypothesis
SUBNORMAL_EXPONENT = 1074  # 2^-1074 is the smallest float64 subnormal


@dataclass(frozen=True, eq=False)
class SimplexPoint:
    """A probability vector with the label of the regime that drew it."""

    p: np.ndarray
    regime: str

    def __repr__(self) -> str:
        shown = np.array2string(self.p, separator=", ", threshold=12, floatmode="unique")
        return f"SimplexPoint({self.regime!r}, p={shown})"


def _sizes(min_size: int, max_size: int):
    small = st.integers(min_size, max(min_size, min(max_size, ELEMENTWISE_MAX_V)))
    return small if max_size <= ELEMENTWISE_MAX_V else st.one_of(small, st.integers(min_size, max_size))


@st.composite
def _values(draw, V: int, elements, generate):
    """V values: one Hypothesis draw each for small V, else ``generate(rng, V)``."""
    if V <= ELEMENTWISE_MAX_V:
        return np.array(draw(st.lists(elements, min_size=V, max_size=V)), dtype=np.float64)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    return np.asarray(generate(rng, V), dtype=np.float64)


@st.composite
def _concentration(draw, V):
    scale = 10.0 ** draw(st.floats(-3.0, math.log10(50.0)))
    z = draw(_values(V, st.floats(-1.0, 1.0), lambda rng, n: rng.uniform(-1.0, 1.0, n)))
    return np.exp(scale * (z - z.max())), f"concentration(scale={scale:.3g})"


@st.composite
def _ties(draw, V):
    levels = draw(st.integers(1, min(V, 4)))
    heights = draw(st.lists(st.floats(0.01, 1.0), min_size=levels, max_size=levels, unique=True))
    assign = draw(_values(V, st.integers(0, levels - 1), lambda rng, n: rng.integers(0, levels, n)))
    w = np.array(heights)[assign.astype(int)]
    tied_max = V >= 2 and draw(st.booleans())
    if tied_max:
        w[:2] = w.max()
    return w, f"ties(levels={levels}{', tied max' if tied_max else ''})"


@st.composite
def _near_ties(draw, V):
    w = draw(_values(V, st.floats(0.05, 1.0), lambda rng, n: rng.uniform(0.05, 1.0, n)))
    k = draw(st.integers(1, 16))
    at_max = draw(st.booleans())
    i = int(np.argmax(w)) if at_max else 0
    j = 1 if i == 0 else 0
    w[j] = w[i] * (1.0 - 10.0**-k)
    return w, f"near-ties(gap=1e-{k}{', at max' if at_max else ''})"


@st.composite
def _dynamic_range(draw, V):
    b = draw(_values(V, st.integers(0, SUBNORMAL_EXPONENT), lambda rng, n: rng.integers(0, SUBNORMAL_EXPONENT + 1, n)))
    b -= b.min()  # the largest entry is 1 before normalisation
    return np.ldexp(1.0, -b.astype(np.int64)), f"dynamic-range(min=2^-{int(b.max())})"


_WEIGHTS = {
    "concentration": _concentration,
    "ties": _ties,
    "near-ties": _near_ties,
    "dynamic-range": _dynamic_range,
}


def _restore_near_tie(p: np.ndarray, w: np.ndarray) -> None:
    """Keep a near-tie distinct after normalisation: one ulp apart if it collapsed."""
    order = np.argsort(-w, kind="stable")
    for a, b in zip(order[:-1], order[1:]):
        if w[a] > w[b] > 0 and p[a] == p[b]:
            p[b] = np.nextafter(p[a], p.dtype.type(0))


@st.composite
def simplex_points(
    draw, domain: str = "interior", *, min_size: int = 2, max_size: int = 64, dtype=np.float64, regimes=None
) -> SimplexPoint:
    """Labelled points of Δ^V in ``domain`` (``"interior"``: all p_i > 0;
    ``"boundary"``: some p_i = 0), V in [min_size, max_size]."""
    if domain not in DOMAINS:
        raise ValueError(f"domain must be one of {DOMAINS}, got {domain!r}")
    allowed = [r for r in (regimes or REGIMES) if domain == "boundary" or r != "one-hot"]
    V = draw(_sizes(min_size, max_size))
    regime = draw(st.sampled_from(allowed))
    if regime == "one-hot":
        w = np.zeros(V)
        w[draw(st.integers(0, V - 1))] = 1.0
        label = "one-hot"
    else:
        w, label = draw(_WEIGHTS[regime](V))
        if domain == "boundary":
            zeros = draw(st.lists(st.integers(0, V - 1), min_size=1, max_size=V - 1, unique=True))
            w[zeros] = 0.0
            if not w.any():  # every remaining entry zeroed: keep one
                w[next(i for i in range(V) if i not in zeros)] = 1.0
            label += f" with {len(zeros)} zero{'s' * (len(zeros) > 1)}"
    p = normalise(w, dtype, keep_support=True)
    if regime == "near-ties":
        _restore_near_tie(p, w)
    return SimplexPoint(p, f"{domain}:{label}")


def probability_vectors(domain: str = "interior", **kwargs):
    """Like :func:`simplex_points` but yields the bare NumPy arrays."""
    return simplex_points(domain, **kwargs).map(lambda point: point.p)


def temperatures(min_value: float = T_MIN, max_value: float = T_MAX):
    """Temperatures log-uniform on [min_value, max_value], with extra mass near
    1 (exactly 1, 1 ± 1e-3, [0.1, 10]) and at both extremes."""
    lo, hi = math.log10(min_value), math.log10(max_value)
    near_one = st.one_of(
        st.just(1.0),
        st.floats(-1e-3, 1e-3).map(lambda d: 1.0 + d),
        st.floats(max(lo, -1.0), min(hi, 1.0)).map(lambda e: 10.0**e),
    )
    extremes = st.one_of(
        st.sampled_from([min_value, max_value]),
        st.floats(lo, min(hi, lo + 10)).map(lambda e: 10.0**e),
        st.floats(max(lo, hi - 10), hi).map(lambda e: 10.0**e),
    )
    spread = st.floats(lo, hi).map(lambda e: 10.0**e)
    return st.one_of(near_one, spread, extremes).map(lambda T: min(max(T, min_value), max_value))


def temperature_pairs(min_value: float = T_MIN, max_value: float = T_MAX):
    """Pairs T < T2: T from :func:`temperatures`, T2/T - 1 from 1e-12 (nearby)
    to 1e3 (far apart)."""
    ratios = st.one_of(
        st.floats(-12.0, -6.0).map(lambda e: 10.0**e),
        st.floats(-3.0, 3.0).map(lambda e: 10.0**e),
    )

    def pair(T, r):
        return T, min(T * (1.0 + r), max_value)

    return st.tuples(temperatures(min_value, max_value), ratios).map(lambda tr: pair(*tr)).filter(lambda t: t[0] < t[1])


def explicit_points(domain: str, dtype=np.float64) -> list[SimplexPoint]:
    """The fixed examples every search starts with: uniform or one-hot, tied
    maxima, and a near-one-hot point."""
    if domain == "interior":
        points = [
            ("interior:uniform", [1 / 3, 1 / 3, 1 / 3]),
            ("interior:ties(tied max)", [0.4, 0.4, 0.2]),
            ("interior:near-one-hot", [1.0, 1e-10, 1e-10]),
        ]
    else:
        points = [
            ("boundary:one-hot", [1.0, 0.0, 0.0]),
            ("boundary:ties(tied max) with 1 zero", [0.5, 0.5, 0.0]),
            ("boundary:concentration with 1 zero", [0.7, 0.3, 0.0]),
        ]
    return [SimplexPoint(normalise(w, dtype), label) for label, w in points]

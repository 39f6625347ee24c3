"""Test cases: a labelled point p of the simplex with its temperature(s).

A :class:`Case` is what the search draws and what a report prints: p (1-d,
the dtype under test), T, and where a check needs them a second temperature
T2 (Axiom 3 compares T < T2), a second point p2 (Axiom 2 compares nearby
inputs) or a schedule of temperatures (Axiom 5 walks decades toward a limit).
``regime`` names how p was drawn (``strategies``), so every draw is labelled.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import numpy as np

__all__ = ["Case", "normalise"]


def normalise(w, dtype, *, keep_support: bool = True) -> np.ndarray:
    """w / sum(w) in ``dtype``, the sum taken exactly (``math.fsum``).

    Dividing every entry by the correctly rounded sum keeps exact ties tied
    and leaves sum(p) within about eps of 1 whatever V is.  With
    ``keep_support`` an entry of w > 0 that underflows to 0 becomes the
    smallest subnormal of ``dtype``, so the support (the domain) is kept.
    """
    w = np.asarray(w, dtype=np.float64)
    p = (w / math.fsum(w)).astype(dtype)
    if keep_support:
        p[(p == 0) & (w > 0)] = np.finfo(dtype).smallest_subnormal
    return p


@dataclass(frozen=True, eq=False)
class Case:
    """One input of a check; ``p`` and ``p2`` are 1-d NumPy arrays."""

    p: np.ndarray
    T: float
    regime: str = ""
    T2: float | None = None
    p2: np.ndarray | None = None
    temperatures: tuple[float, ...] = ()

    @property
    def V(self) -> int:
        return int(self.p.shape[-1])

    @property
    def dtype(self):
        return self.p.dtype

    def at_temperature(self, T: float) -> "Case":
        """The same case at temperature ``T`` (T2 keeps its ratio to T)."""
        T2 = None if self.T2 is None else min(T * (self.T2 / self.T), 1e300)
        return dataclasses.replace(self, T=float(T), T2=T2)

    def to_dict(self) -> dict:
        """JSON form: shortest round-trip floats plus ``float.hex`` for exactness."""
        out = {
            "V": self.V,
            "regime": self.regime,
            "dtype": self.p.dtype.name,
            "p": [float(x) for x in self.p],
            "p_hex": [float(x).hex() for x in self.p],
            "T": self.T,
            "T_hex": float(self.T).hex(),
        }
        if self.T2 is not None:
            out |= {"T2": self.T2, "T2_hex": float(self.T2).hex()}
        if self.p2 is not None:
            out |= {"p2": [float(x) for x in self.p2], "p2_hex": [float(x).hex() for x in self.p2]}
        if self.temperatures:
            out["temperatures"] = list(self.temperatures)
        return out

    def __repr__(self) -> str:
        parts = [f"regime={self.regime!r}", f"V={self.V}", f"T={self.T!r}"]
        if self.T2 is not None:
            parts.append(f"T2={self.T2!r}")
        parts.append(f"p={np.array2string(self.p, separator=', ', threshold=12, floatmode='unique')}")
        if self.p2 is not None:
            parts.append(f"p2={np.array2string(self.p2, separator=', ', threshold=12, floatmode='unique')}")
        return f"Case({', '.join(parts)})"

"""The student-class protocol: projecting a distillation target onto a class (paper, Section X).

A student class 𝒮 ⊆ Δ^V is known through its two KL projections of a target q:

    reverse   argmin_{S ∈ 𝒮} KL(S ‖ q)   (Definition X.1, eq. 22; mode-seeking)
    forward   argmin_{S ∈ 𝒮} KL(q ‖ S)   (the usual distillation loss; mass-covering)

Definition X.1 compares *argmin sets*, so :meth:`StudentClass.argmin` returns
an :class:`Argmin` that describes the whole set of minimisers:

``unique``
    one minimiser, ``student``;
``ties``
    several minimisers that differ only on the indices ``free`` (tied
    entries of q); ``student`` is the canonical one (each class documents its
    tie rule: mass on the smallest tied indices);
``everything``
    every member of 𝒮 has divergence +inf, so every member is a minimiser
    (the class cannot represent the target at all: a loss that is +inf
    everywhere gives the student no signal);
``unattained``
    the infimum is approached but not attained inside 𝒮 (an open family
    such as the log-linear students): the argmin set is empty.

Two targets have the same argmin set exactly when their kinds, ``free``
index sets and students coincide (``student`` is None for the last two
kinds).  :meth:`StudentClass.project` is the plain protocol ``q -> S``: the
(canonical) minimiser of each row; it raises :class:`ProjectionError` where
no minimiser can be returned.

Each class writes its projection once against the array API
(:meth:`StudentClass._solve`), so the same code runs in float64 NumPy
(:meth:`StudentClass.argmin`) and on the high-precision namespace
:mod:`skdcore.mp` (:meth:`StudentClass.reference`, which certifies
counterexamples at 50+ digits), as the operators do.  Independent
brute-force references live in :mod:`skdcore.reference.students`.
:meth:`StudentClass.sensitivity` bounds the projection's change to first
order under a perturbation of the target (it certifies counterexamples of
operators that only run in floating point).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import array_api_compat.numpy as np_xp
import numpy as np

from ..backend import to_numpy
from ..errors import ShapeError
from ..validation import check_probabilities

__all__ = [
    "DIRECTIONS",
    "UNIQUE",
    "TIES",
    "EVERYTHING",
    "UNATTAINED",
    "KINDS",
    "Argmin",
    "StudentClass",
    "ProjectionError",
    "check_direction",
    "target_row",
    "host",
    "finite_difference_sensitivity",
]

DIRECTIONS = ("reverse", "forward")
UNIQUE, TIES, EVERYTHING, UNATTAINED = "unique", "ties", "everything", "unattained"
KINDS = (UNIQUE, TIES, EVERYTHING, UNATTAINED)

_KIND_MEANING = {
    EVERYTHING: "every student has divergence +inf, so every student is a minimiser",
    UNATTAINED: "the infimum is not attained inside the class",
}


class ProjectionError(ValueError):
    """The projection has no single minimiser to return (kind ``everything``
    or ``unattained``); :meth:`StudentClass.argmin` describes the set instead."""


@dataclass(frozen=True, eq=False)
class Argmin:
    """The set of minimisers of one projection (see the module docstring).

    ``student``: 1-d array (float64, or mpf objects from
    :meth:`StudentClass.reference`), None for ``everything``/``unattained``.
    ``objective``: the minimum divergence (+inf for ``everything``).
    ``free``: the indices on which minimisers differ (``ties`` only).
    ``parameters``: the parameters of ``student`` where the class has some
    (θ of a log-linear student; t = 1/ν of the forward bounded-entropy KKT system).
    ``note``: how it was found (e.g. whether the starts of a non-convex
    solve agreed).
    """

    kind: str
    student: np.ndarray | None
    objective: object
    free: tuple[int, ...] = ()
    parameters: tuple = ()
    note: str = ""

    def __repr__(self) -> str:
        parts = [self.kind]
        if self.student is not None:
            shown = ", ".join(_short(v) for v in self.student[:8])
            parts.append(f"student=[{shown}{', …' if len(self.student) > 8 else ''}]")
        if self.free:
            parts.append(f"free={list(self.free)}")
        parts.append(f"objective={_short(self.objective)}")
        if self.note:
            parts.append(f"note={self.note!r}")
        return f"Argmin({', '.join(parts)})"


def _short(x) -> str:
    if hasattr(x, "_mpf_"):
        import mpmath

        return mpmath.nstr(x, 17)
    return repr(float(x))


def check_direction(direction: str) -> str:
    """``direction`` if it is ``"reverse"`` or ``"forward"``, else ``ValueError``."""
    if direction not in DIRECTIONS:
        raise ValueError(f"direction must be 'reverse' (KL(S||q), Definition X.1) or 'forward' (KL(q||S)), got {direction!r}")
    return direction


def target_row(q, name: str = "q") -> np.ndarray:
    """A validated 1-d target (a probability vector of any namespace) as float64 NumPy."""
    check_probabilities(q, name)
    if q.ndim != 1:
        raise ShapeError(f"{name} must be one target row (1-d), got shape {tuple(q.shape)}")
    return np.asarray(to_numpy(q), dtype=np.float64)


def host(x) -> np.ndarray:
    """An array of either namespace on the host: float64, or objects (mpf) for :mod:`skdcore.mp`."""
    return np.asarray(to_numpy(x))


class StudentClass(ABC):
    """A restricted student class 𝒮 ⊆ Δ^V and its KL projections.

    Subclasses set ``spec`` (the string :func:`skdcore.students.student_class`
    parses back) and ``summary`` (the class in one line of math), and
    implement :meth:`_solve` and :meth:`sensitivity`.
    """

    spec: str = ""
    summary: str = ""
    min_size: int = 2  # the smallest vocabulary the class is defined for

    def argmin(self, q, direction: str = "reverse") -> Argmin:
        """The set of minimisers of KL(S‖q) (reverse) or KL(q‖S) (forward) over the class, in float64."""
        row = target_row(q)
        return _on_host(self._solve(np_xp, row, check_direction(direction)))

    def reference(self, q, direction: str, dps: int) -> Argmin:
        """The same argmin at ``dps`` digits in :mod:`skdcore.mp`.

        ``q``: a row of floats or mpf, read exactly and divided by its sum at
        ``dps`` digits.  ``student`` and ``objective`` hold mpf objects.
        """
        from .. import mp

        xp = mp.namespace(dps)
        values = np.asarray(q, dtype=object)
        x = xp.asarray(values if any(hasattr(v, "_mpf_") for v in values) else values.astype(np.float64))
        return _on_host(self._solve(xp, x / xp.sum(x), check_direction(direction)))

    def project(self, q, direction: str = "reverse") -> np.ndarray:
        """The minimiser S (the canonical one under ties) of each row of ``q``, as float64 NumPy.

        Raises :class:`ProjectionError` for a row whose argmin is ``everything``
        or ``unattained`` (:meth:`argmin` describes those).
        """
        check_direction(direction)
        check_probabilities(q)
        rows = np.asarray(to_numpy(q), dtype=np.float64)
        students = []
        for index, row in enumerate(rows.reshape(-1, rows.shape[-1])):
            result = self.argmin(row, direction)
            if result.student is None:
                where = f"row {tuple(int(i) for i in np.unravel_index(index, rows.shape[:-1]))}: " if rows.ndim > 1 else ""
                raise ProjectionError(f"{self.spec}: {where}the {direction} projection is {result.kind!r} "
                                      f"({_KIND_MEANING[result.kind]}); argmin() describes it")
            students.append(result.student)
        return np.stack(students).reshape(rows.shape)

    @abstractmethod
    def _solve(self, xp, q, direction: str) -> Argmin:
        """The argmin of one row ``q`` of namespace ``xp`` (NumPy float64 or
        :mod:`skdcore.mp`); ``student`` and ``objective`` in that namespace."""

    @abstractmethod
    def sensitivity(self, q: np.ndarray, result: Argmin, bound: np.ndarray, direction: str, eps: float) -> np.ndarray | None:
        """A first-order bound on |S'_i - S_i| over targets q' with |q'_j - q_j| <= bound_j,
        plus the rounding of the float64 solver (unit ``eps``); None when the
        argmin's structure (kind, ``free``, support, branch) can change within that box."""


def _on_host(result: Argmin) -> Argmin:
    student = None if result.student is None else host(result.student)
    objective = host(result.objective)[()] if hasattr(result.objective, "shape") else result.objective
    parameters = tuple(host(v)[()] if hasattr(v, "shape") else v for v in result.parameters)
    return Argmin(result.kind, student, objective, result.free, parameters, result.note)


def finite_difference_sensitivity(student: StudentClass, q: np.ndarray, result: Argmin, bound: np.ndarray,
                                  direction: str, eps: float) -> np.ndarray | None:
    """:meth:`StudentClass.sensitivity` by central differences, for solvers without a closed-form derivative.

    Column j of the Jacobian comes from targets with q_j moved by ±√eps·q_j
    and renormalised (error O(eps) relative to the column); the bound is
    2·sum_j |∂S/∂q_j|·bound_j plus 8·eps·(V + sum_j |∂S/∂q_j| q_j)·S for the
    solver's own rounding.  None if a step changes the argmin's kind or ``free``
    set, or for a zero with a positive bound (the support could grow).
    """
    if np.any((q == 0) & (bound > 0)):
        return None
    step_size = np.sqrt(eps)
    spread = np.zeros_like(q)
    echo = np.zeros_like(q)
    for j in np.flatnonzero(bound > 0):
        columns = []
        for sign in (1.0, -1.0):
            moved = q.copy()
            moved[j] *= 1 + sign * step_size
            moved /= moved.sum()
            other = student.argmin(moved, direction)
            if other.kind != result.kind or other.free != result.free:
                return None
            columns.append(other.student)
        derivative = np.abs(columns[0] - columns[1]) / (2 * step_size * q[j])
        spread += derivative * bound[j]
        echo += derivative * q[j]
    return 2 * spread + 8 * eps * (q.size + echo) * result.student

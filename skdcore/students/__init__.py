"""Restricted student classes and their KL projections (paper, Section X).

One module per class family -- :mod:`.simplex`, :mod:`.hard_label`,
:mod:`.topk_support` (top-k and fixed-support students), :mod:`.loglinear`,
:mod:`.bounded_entropy` -- behind the protocol of :mod:`.base`::

    from skdcore.students import student_class
    S = student_class("topk:5")
    S.project(q)                     # argmin_S KL(S‖q) (Definition X.1)
    S.project(q, direction="forward")
    S.argmin(q)                      # the whole argmin set (ties, +inf everywhere, ...)

Derivations of every projection are in the module docstrings and in
``docs/equivalence.md``.
"""

from .base import (
    DIRECTIONS,
    EVERYTHING,
    KINDS,
    TIES,
    UNATTAINED,
    UNIQUE,
    Argmin,
    ProjectionError,
    StudentClass,
)
from .bounded_entropy import BoundedEntropy
from .hard_label import HardLabel
from .loglinear import LogLinear
from .simplex import Simplex
from .spec import SPEC_FORMS, StudentSpecError, student_class
from .topk_support import FixedSupport, TopK

__all__ = [
    "StudentClass",
    "Argmin",
    "ProjectionError",
    "DIRECTIONS",
    "KINDS",
    "UNIQUE",
    "TIES",
    "EVERYTHING",
    "UNATTAINED",
    "Simplex",
    "HardLabel",
    "TopK",
    "FixedSupport",
    "LogLinear",
    "BoundedEntropy",
    "student_class",
    "StudentSpecError",
    "SPEC_FORMS",
]

"""Probability-domain softening operators F_T (paper, Section V).

One module per construction: :mod:`.power` (Construction 2, eq. 8),
:mod:`.mix` (Construction 3, eq. 9) and :mod:`.entropy_projection`
(Construction 1).  Each is registered by short name for the CLI.
"""

from .entropy_projection import entropy_projection
from .mix import MIX_SCHEDULES, mix
from .power import from_logits, power
from .registry import OperatorSpec, UnknownOperatorError, builtin_operators, register, resolve_operator

__all__ = [
    "power",
    "from_logits",
    "mix",
    "MIX_SCHEDULES",
    "entropy_projection",
    "OperatorSpec",
    "UnknownOperatorError",
    "builtin_operators",
    "register",
    "resolve_operator",
]

register("power", power, "power transform p^(1/T) / sum p^(1/T)", "eq. (8), Construction 2")
register("mix", mix, "convex mixing toward uniform, alpha(T) = 1/T", "eq. (9), Construction 3")
register("entropy", entropy_projection, "entropy projection argmin KL(q||p) s.t. H(q) = h(T), reciprocal schedule", "Construction 1")

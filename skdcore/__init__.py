"""skdcore: verification-focused numerics for probability-domain knowledge distillation.

Softening operators F_T on the probability simplex (paper Sections IV-V),
written once against the array API (NumPy, CuPy, torch, array_api_strict and
the high-precision :mod:`skdcore.mp`), with mpmath references in
:mod:`skdcore.reference`.
"""

from .errors import DtypeError, InputValidationError, NotOnSimplexError, ShapeError, TemperatureError
from .information import entropy, kl_divergence
from .operators import builtin_operators, entropy_projection, from_logits, mix, power, resolve_operator

__version__ = "0.1.0"

__all__ = [
    "power",
    "from_logits",
    "mix",
    "entropy_projection",
    "entropy",
    "kl_divergence",
    "builtin_operators",
    "resolve_operator",
    "InputValidationError",
    "NotOnSimplexError",
    "TemperatureError",
    "DtypeError",
    "ShapeError",
]

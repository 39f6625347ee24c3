"""Independent mpmath references for every built-in numeric function.

These are deliberately written as plain loops over ``mpmath.mpf`` scalars,
sharing no code with the array implementations they check, and evaluated at a
caller-chosen precision (decimal digits) in a private mpmath context.
Inputs are converted exactly from floats; results are lists of ``mpf`` (one
per entry of a 1-d row) or a single ``mpf``.
"""

from .entropy_projection import entropy_projection_ref
from .operators import entropy_ref, kl_ref, mix_ref, power_ref, softmax_ref

__all__ = ["entropy_projection_ref", "entropy_ref", "kl_ref", "mix_ref", "power_ref", "softmax_ref"]

"""Knowledge-distillation losses between a softened teacher and a student.

Forward KL, reverse KL (the direction of the paper's Definition X.1),
generalized Jensen-Shannon, total variation and soft-target cross-entropy,
each returning its value and, on request, its closed-form gradient with
respect to the student logits.  The teacher may be dense or a compact top-k
teacher (:mod:`skdcore.partial`), read without densifying; the vocabulary is
streamed in chunks.  All options are those of :func:`evaluate`.
"""

from .cross_entropy import cross_entropy
from .divergence import Divergence
from .engine import evaluate
from .forward_kl import forward_kl
from .jsd import jsd, jsd_divergence
from .reduction import REDUCTIONS, LossOptionError
from .reverse_kl import reverse_kl
from .tvd import tvd

__all__ = [
    "forward_kl",
    "reverse_kl",
    "jsd",
    "tvd",
    "cross_entropy",
    "evaluate",
    "Divergence",
    "jsd_divergence",
    "REDUCTIONS",
    "LossOptionError",
]

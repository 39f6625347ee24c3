"""Partial-access teachers (paper, Sections II.B-II.C).

* top-k teachers (:mod:`.topk`) and their completions: :func:`renormalise`,
  :func:`max_entropy`, :func:`zipf_tail`, :func:`other_bucket`, softened
  compactly by :func:`soften`;
* text-only teachers, estimated from sampled tokens (:mod:`.textonly`);
* perturbed (privatised) teachers and the Euclidean projection onto the
  simplex (:mod:`.perturbed`, :mod:`.projection`).
"""

from .max_entropy import max_entropy
from .other_bucket import OtherBucketTeacher, other_bucket
from .perturbed import NoiseScaleError, gaussian_mechanism, gaussian_sigma, laplace_mechanism, laplace_scale
from .projection import project_to_simplex
from .renormalise import renormalise
from .softening import soften
from .textonly import SampleCountError, TextEstimate, counts_from_samples, estimate_from_counts
from .topk import TopKError, TopKTeacher, UniformTail, ZeroTail, ZipfTail, check_topk
from .zipf import zipf_tail

__all__ = [
    "TopKTeacher",
    "OtherBucketTeacher",
    "ZeroTail",
    "UniformTail",
    "ZipfTail",
    "TopKError",
    "check_topk",
    "renormalise",
    "max_entropy",
    "zipf_tail",
    "other_bucket",
    "soften",
    "TextEstimate",
    "SampleCountError",
    "counts_from_samples",
    "estimate_from_counts",
    "project_to_simplex",
    "gaussian_mechanism",
    "laplace_mechanism",
    "gaussian_sigma",
    "laplace_scale",
    "NoiseScaleError",
]

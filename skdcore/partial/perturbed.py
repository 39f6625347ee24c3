"""Perturbed (privatised) teachers: noise mechanisms followed by a projection
back onto the simplex (paper, Section II.B).

``gaussian_mechanism`` adds i.i.d. N(0, σ²) noise, ``laplace_mechanism``
i.i.d. Laplace(0, b) noise, either to the probabilities (``domain=
"probabilities"``: y = p + η) or to their logarithms (``domain=
"log_probabilities"``: y = exp(log p + η), so zero entries get no noise: the
support is not hidden, and they all receive the same projection shift).
The result is the exact Euclidean projection Π(y) (:mod:`.projection`);
projection is post-processing, so it keeps the mechanism's privacy guarantee.

Noise scales for (ε, δ)-DP are the textbook calibrations for an L2 / L1
sensitivity Δ: σ = Δ sqrt(2 ln(1.25/δ)) / ε (Dwork & Roth 2014, Thm A.1,
valid for ε < 1) and b = Δ / ε.  For probability vectors that may change
arbitrarily between neighbouring inputs, Δ₂ = √2 and Δ₁ = 2 (the defaults);
log-probabilities have no finite sensitivity unless clipped, so give Δ
explicitly there.  Noise is drawn on the host with a NumPy ``Generator`` (the
array API has no random numbers) and moved to the input's namespace and
device.
"""

from __future__ import annotations

import math

import array_api_compat
import numpy as np

from ..backend import working_dtype
from ..errors import InputValidationError
from ..logratio import log_ratio
from ..validation import check_probabilities, check_real_floating
from .projection import project_to_simplex

__all__ = ["NoiseScaleError", "gaussian_mechanism", "laplace_mechanism", "gaussian_sigma", "laplace_scale"]

DOMAINS = ("probabilities", "log_probabilities")


class NoiseScaleError(InputValidationError):
    """A noise scale, ε, δ or sensitivity that is not a positive finite number,
    an unknown domain, or log-domain noise so large that exp overflows."""


def _positive(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        raise NoiseScaleError(f"{name} must be a positive finite number, got {value!r}")
    return float(value)


def gaussian_sigma(epsilon: float, delta: float, sensitivity: float = math.sqrt(2.0)) -> float:
    """σ = Δ₂ sqrt(2 ln(1.25/δ)) / ε, the classic Gaussian-mechanism calibration (ε < 1)."""
    epsilon, delta, sensitivity = _positive(epsilon, "epsilon"), _positive(delta, "delta"), _positive(sensitivity, "sensitivity")
    if epsilon >= 1 or delta >= 1:
        raise NoiseScaleError(f"the classic calibration needs epsilon < 1 and delta < 1, got {epsilon!r}, {delta!r}")
    return sensitivity * math.sqrt(2.0 * math.log(1.25 / delta)) / epsilon


def laplace_scale(epsilon: float, sensitivity: float = 2.0) -> float:
    """b = Δ₁ / ε, the Laplace-mechanism calibration for ε-DP."""
    return _positive(sensitivity, "sensitivity") / _positive(epsilon, "epsilon")


def _perturb(p, noise_fn, domain: str, rng, validate: bool):
    xp = check_probabilities(p) if validate else check_real_floating(p)
    if domain not in DOMAINS:
        raise NoiseScaleError(f"unknown domain {domain!r}; choose one of {DOMAINS}")
    generator = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    dtype = working_dtype(xp, p.dtype)
    noise = xp.asarray(noise_fn(generator, tuple(p.shape)), dtype=dtype, device=array_api_compat.device(p))
    x = xp.astype(p, dtype)
    if domain == "probabilities":
        y = x + noise
    else:
        log_y = log_ratio(x, xp.ones_like(x)) + noise
        if bool(xp.any(log_y > math.log(float(xp.finfo(dtype).max)))):  # only a float dtype can overflow
            raise NoiseScaleError("log-domain noise overflows exp(log p + noise); the noise scale is far too large")
        y = xp.exp(log_y)
    return xp.astype(project_to_simplex(y, validate=False), p.dtype)


def gaussian_mechanism(p, sigma: float, *, domain: str = "probabilities", rng=None, validate: bool = True):
    """Π(p + N(0, σ²)) or Π(exp(log p + N(0, σ²))) per entry; ``rng`` a seed or ``numpy.random.Generator``."""
    sigma = _positive(sigma, "sigma")
    return _perturb(p, lambda g, shape: g.normal(0.0, sigma, shape), domain, rng, validate)


def laplace_mechanism(p, scale: float, *, domain: str = "probabilities", rng=None, validate: bool = True):
    """Π(p + Laplace(0, b)) or its log-domain form; ``rng`` a seed or ``numpy.random.Generator``."""
    scale = _positive(scale, "scale")
    return _perturb(p, lambda g, shape: g.laplace(0.0, scale, shape), domain, rng, validate)

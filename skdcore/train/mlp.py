"""Dense multilayer perceptron with a hand-written backward pass.

With h_0 = x (N, d) and layers l = 1..L,

    a_l = h_{l-1} W_l + b_l,     h_l = σ(a_l)  (l < L),     z = a_L  (logits),

and, from g = ∂J/∂z (N, m), the backward pass δ_L = g,

    ∂J/∂W_l = h_{l-1}ᵀ δ_l,   ∂J/∂b_l = Σ_rows δ_l,   δ_{l-1} = (δ_l W_lᵀ) ⊙ σ'(a_{l-1}).

σ' is evaluated from the layer output h = σ(a): 1[h > 0] for ReLU, 1 - h² for
tanh.  Parameters are a flat list ``[W_1, b_1, ..., W_L, b_L]`` of arrays of
one namespace (NumPy, CuPy, array_api_strict, ...); initial values come from a
NumPy ``Generator`` so a seed gives the same network on every namespace.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..backend import array_namespace

__all__ = ["MLP", "ACTIVATIONS"]


@dataclass(frozen=True)
class Activation:
    """σ(a), σ' written through σ's output h, and the variance gain of the initialisation."""

    value: Callable
    derivative_from_output: Callable
    gain: float


def _relu(xp, a):
    return xp.maximum(a, xp.zeros_like(a))


def _relu_derivative(xp, h):
    return xp.astype(h > 0, h.dtype)


def _tanh(xp, a):
    return xp.tanh(a)


def _tanh_derivative(xp, h):
    return 1 - h * h


ACTIVATIONS = {"relu": Activation(_relu, _relu_derivative, 2.0), "tanh": Activation(_tanh, _tanh_derivative, 1.0)}


@dataclass(frozen=True)
class MLP:
    """Architecture ``sizes = (d, h_1, ..., h_{L-1}, m)`` with activation ``activation``."""

    sizes: tuple[int, ...]
    activation: str = "relu"

    def __post_init__(self):
        if len(self.sizes) < 2 or any(int(s) < 1 for s in self.sizes):
            raise ValueError(f"sizes must list at least an input and an output width >= 1, got {self.sizes}")
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {self.activation!r}; choose one of {sorted(ACTIVATIONS)}")

    @property
    def n_layers(self) -> int:
        return len(self.sizes) - 1

    def init(self, rng: np.random.Generator, xp, dtype) -> list:
        """W_l ~ N(0, gain / fan_in) (He for ReLU, LeCun for tanh), b_l = 0, drawn in float64 by ``rng``."""
        gain = ACTIVATIONS[self.activation].gain
        params = []
        for fan_in, fan_out in zip(self.sizes[:-1], self.sizes[1:]):
            w = rng.normal(0.0, math.sqrt(gain / fan_in), size=(fan_in, fan_out))
            params += [xp.asarray(w, dtype=dtype), xp.zeros((fan_out,), dtype=dtype)]
        return params

    def forward(self, params: list, x):
        """Logits z (N, m) and the cache [h_0, ..., h_{L-1}] for :meth:`backward`."""
        xp = array_namespace(x)
        act = ACTIVATIONS[self.activation]
        h, cache = x, []
        for layer in range(self.n_layers):
            cache.append(h)
            a = h @ params[2 * layer] + params[2 * layer + 1]
            h = a if layer == self.n_layers - 1 else act.value(xp, a)
        return h, cache

    def logits(self, params: list, x):
        """z(x) without keeping the cache."""
        return self.forward(params, x)[0]

    def backward(self, params: list, cache: list, grad_logits) -> list:
        """∂J/∂[W_1, b_1, ..., W_L, b_L] given g = ∂J/∂z (same layout as ``params``)."""
        xp = array_namespace(grad_logits)
        act = ACTIVATIONS[self.activation]
        grads = [None] * len(params)
        delta = grad_logits
        for layer in reversed(range(self.n_layers)):
            h_in = cache[layer]
            grads[2 * layer] = xp.matrix_transpose(h_in) @ delta
            grads[2 * layer + 1] = xp.sum(delta, axis=0)
            if layer:
                delta = (delta @ xp.matrix_transpose(params[2 * layer])) * act.derivative_from_output(xp, h_in)
        return grads

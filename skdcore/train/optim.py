"""Adam (Kingma & Ba, 2015) on a list of parameter arrays.

For each parameter θ with gradient g, at step t = 1, 2, ...

    m ← β₁ m + (1 - β₁) g,     v ← β₂ v + (1 - β₂) g²,
    θ ← θ - α · m̂ / (√v̂ + ε),   m̂ = m / (1 - β₁ᵗ),  v̂ = v / (1 - β₂ᵗ).

The moments live in the parameters' namespace; the bias corrections are
Python floats, so the arithmetic is identical on every namespace.
"""

from __future__ import annotations

from ..backend import array_namespace

__all__ = ["Adam"]


class Adam:
    """Stateful Adam; :meth:`step` returns the updated parameter list."""

    def __init__(self, lr: float = 1e-3, beta1: float = 0.9, beta2: float = 0.999, eps: float = 1e-8):
        if not (lr > 0 and 0 <= beta1 < 1 and 0 <= beta2 < 1 and eps > 0):
            raise ValueError(f"invalid Adam hyper-parameters lr={lr}, beta1={beta1}, beta2={beta2}, eps={eps}")
        self.lr, self.beta1, self.beta2, self.eps = lr, beta1, beta2, eps
        self.t = 0
        self.m: list | None = None
        self.v: list | None = None

    def step(self, params: list, grads: list) -> list:
        xp = array_namespace(*params)
        if self.m is None:
            self.m = [xp.zeros_like(p) for p in params]
            self.v = [xp.zeros_like(p) for p in params]
        self.t += 1
        b1, b2 = self.beta1, self.beta2
        step_size = self.lr / (1 - b1**self.t)
        v_scale = 1 / (1 - b2**self.t)
        updated = []
        for i, (p, g) in enumerate(zip(params, grads)):
            self.m[i] = b1 * self.m[i] + (1 - b1) * g
            self.v[i] = b2 * self.v[i] + (1 - b2) * (g * g)
            updated.append(p - step_size * self.m[i] / (xp.sqrt(v_scale * self.v[i]) + self.eps))
        return updated

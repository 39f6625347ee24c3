"""Hand-written MLP backward pass and Adam, checked against central finite differences.

For J(θ) = Σ C ⊙ z(θ) (a random linear functional of the logits) and a
single parameter θ_j, the central difference D(h) = (J(θ+h) - J(θ-h)) / 2h
differs from ∂J/∂θ_j by

* truncation h² J'''/6, estimated by Richardson as |D(2h) - D(h)| / 3, which
  itself is off by at most the rounding of D(h) and D(2h) over 3, i.e. δ_J / 2h;
* rounding δ_J / h (so 1.5 δ_J / h with the previous term), where δ_J bounds the float64 error of J: with the
  magnitude forward pass Ã_l = Ã_{l-1}|W_l| + |b_l| (Ã_0 = |x|, and
  |σ(a)| <= |a| for ReLU and tanh), the error of a_l is at most
  E_l = γ_{d_{l-1}+3} Ã_l + E_{l-1}|W_l| (first order; the dot product, the
  bias and the activation's own rounding), so δ_J <= Σ|C| E_L + γ_{Nm} Σ|C ⊙ z|;
* the rounded step: |D| u (|θ_j| + 2h) / h;
* the rounding of the analytic gradient itself, γ_{Σ(d_l+3)} times the
  same backward pass run on absolute values.

h = 2^round(log2(u^{1/3} max(1, |θ_j|))) balances the first two.  For ReLU,
J is piecewise linear in θ_j; the test only uses points where no
pre-activation changes sign within θ_j ± 2h (bounded through the
column-sum norms of the later weight matrices), so J''' = 0 there.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from skdcore.backend import to_numpy
from skdcore.losses import forward_kl
from skdcore.train import MLP, Adam
from skdcore.train.kd import loss_and_gradient

U = float(np.finfo(np.float64).eps) / 2


def gamma(n: int) -> float:
    return n * U / (1 - n * U)


def host(params):
    return [np.asarray(to_numpy(p), dtype=np.float64) for p in params]


def rounding_bound_logits(params: list, x: np.ndarray) -> np.ndarray:
    """First-order bound E_L on |fl(z) - z| elementwise (module docstring)."""
    a_mag, err = np.abs(x), np.zeros_like(x)
    for layer in range(len(params) // 2):
        w, b = np.abs(params[2 * layer]), np.abs(params[2 * layer + 1])
        a_mag = a_mag @ w + b
        err = gamma(w.shape[0] + 3) * a_mag + err @ w
    return err


def relu_kink_margin(params: list, cache: list, h: float) -> float:
    """Largest change of any pre-activation when one parameter moves by 2h."""
    weights = params[0::2]
    scale = max(1.0, max(float(np.max(np.abs(c))) for c in cache))
    growth = math.prod(max(1.0, float(np.max(np.sum(np.abs(w), axis=0)))) for w in weights[1:])
    return 2 * h * scale * growth


def check_gradient(model: MLP, params: list, x: np.ndarray, C: np.ndarray, xp) -> None:
    P = [xp.asarray(p) for p in params]
    X = xp.asarray(x)
    z, cache = model.forward(P, X)
    grads = host(model.backward(P, cache, xp.asarray(C)))
    abs_grads = host(model.backward([xp.abs(p) for p in P], [xp.abs(c) for c in cache], xp.asarray(np.abs(C))))
    z_host, cache_host = np.asarray(to_numpy(z)), host(cache)
    delta_J = float(np.sum(np.abs(C) * rounding_bound_logits(params, x))) + gamma(C.size) * float(
        np.sum(np.abs(C * z_host))
    )
    analytic_ops = sum(d + 3 for d in model.sizes[:-1])

    def J(ps):
        return float(np.sum(C * np.asarray(to_numpy(model.logits([xp.asarray(p) for p in ps], X)))))

    for i, p in enumerate(params):
        for j in np.ndindex(p.shape):
            theta = float(p[j])
            h = 2.0 ** round(math.log2(U ** (1 / 3) * max(1.0, abs(theta))))
            if model.activation == "relu":
                assume(_min_abs_preactivation(model, params, x) > relu_kink_margin(params, cache_host, h))

            def D(step):
                plus, minus = [q.copy() for q in params], [q.copy() for q in params]
                plus[i][j] += step
                minus[i][j] -= step
                return (J(plus) - J(minus)) / (2 * step)

            d1, d2 = D(h), D(2 * h)
            tolerance = (
                abs(d2 - d1) / 3
                + 1.5 * delta_J / h
                + abs(d1) * U * (abs(theta) + 2 * h) / h
                + gamma(analytic_ops) * abs_grads[i][j]
            )
            assert abs(grads[i][j] - d1) <= tolerance, (i, j, grads[i][j], d1, tolerance)


def _min_abs_preactivation(model: MLP, params: list, x: np.ndarray) -> float:
    h, smallest = x, math.inf
    for layer in range(model.n_layers - 1):
        a = h @ params[2 * layer] + params[2 * layer + 1]
        smallest = min(smallest, float(np.min(np.abs(a))))
        h = np.maximum(a, 0)
    return smallest


architectures = st.tuples(st.integers(1, 4), st.lists(st.integers(1, 4), min_size=0, max_size=2), st.integers(1, 4))


@settings(
    max_examples=max(5, settings.default.max_examples // 4), suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    arch=architectures,
    activation=st.sampled_from(["relu", "tanh"]),
    seed=st.integers(0, 2**32 - 1),
    batch=st.integers(1, 5),
)
def test_backward_matches_finite_differences(xp, arch, activation, seed, batch):
    d, hidden, m = arch
    model = MLP((d, *hidden, m), activation)
    rng = np.random.default_rng(seed)
    params = host(model.init(rng, np, np.float64))
    params = [p + rng.normal(scale=0.3, size=p.shape) for p in params]  # non-zero biases too
    x = rng.normal(size=(batch, d))
    C = rng.normal(size=(batch, m))
    check_gradient(model, params, x, C, xp)


@settings(max_examples=max(3, settings.default.max_examples // 8))
@given(seed=st.integers(0, 2**32 - 1))
def test_kd_loss_gradient_through_the_network(seed):
    """∂ forward_kl(z(θ), q)/∂θ from skdcore.losses' logit gradient and the
    backward pass, against central differences (tanh: smooth)."""
    rng = np.random.default_rng(seed)
    model = MLP((3, 4, 5), "tanh")
    params = host(model.init(rng, np, np.float64))
    x, q = rng.normal(size=(6, 3)), rng.dirichlet(np.ones(5), size=6)
    z, cache = model.forward(params, x)
    _, g = loss_and_gradient(forward_kl, z, q)
    grads = model.backward(params, cache, g)

    def L(ps):
        return float(loss_and_gradient(forward_kl, model.logits(ps, x), q)[0])

    # The loss is evaluated to within its documented error model (tests/test_losses.py):
    # a few eps per log-probability, i.e. far below eps^(2/3) relative; its rounding is
    # bounded here by the logit error propagated through |∂L/∂z| <= 2/N per row plus
    # 16 eps (1 + log V) per row of the mean.
    delta_z = rounding_bound_logits(params, x)
    delta_L = float(np.sum(2 * np.max(delta_z, axis=1)) / x.shape[0]) + 16 * 2 * U * (1 + math.log(5)) * (1 + L(params))
    for i, p in enumerate(params):
        for j in np.ndindex(p.shape):
            h = 2.0 ** round(math.log2(U ** (1 / 3) * max(1.0, abs(float(p[j])))))

            def D(step):
                plus, minus = [r.copy() for r in params], [r.copy() for r in params]
                plus[i][j] += step
                minus[i][j] -= step
                return (L(plus) - L(minus)) / (2 * step)

            d1, d2 = D(h), D(2 * h)
            tolerance = abs(d2 - d1) / 3 + 1.5 * delta_L / h + abs(d1) * U * (abs(float(p[j])) + 2 * h) / h
            assert abs(grads[i][j] - d1) <= tolerance, (i, j, grads[i][j], d1, tolerance)


def test_adam_first_step_is_lr_times_sign(xp):
    """At t = 1, m̂ = g and v̂ = g², so the step is lr · g / (|g| + ε)."""
    g = xp.asarray([3.0, -2e-3, 0.0], dtype=xp.float64)
    theta = xp.asarray([1.0, 1.0, 1.0], dtype=xp.float64)
    (new,) = Adam(lr=0.1, eps=1e-8).step([theta], [g])
    expected = np.array([1.0, 1.0, 1.0]) - 0.1 * np.array([3.0, -2e-3, 0.0]) / (np.abs([3.0, -2e-3, 0.0]) + 1e-8)
    np.testing.assert_allclose(np.asarray(to_numpy(new)), expected, rtol=4 * U, atol=0)


def test_mlp_rejects_bad_architecture():
    with pytest.raises(ValueError, match="sizes"):
        MLP((3,))
    with pytest.raises(ValueError, match="activation"):
        MLP((3, 2), "gelu")

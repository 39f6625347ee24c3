"""The public functions route NumPy arrays of CPU_MIN_SIZE entries or more to the kernels.

Accuracy of each kernel against the mpmath references and the array-API path
is tested in ``tests/test_kernels*.py``; this module checks the wiring: a
spy on each :mod:`skdcore.kernels.dispatch` entry point records whether the
public call reached it, and the public result is what the kernel returned
(large NumPy input), or was computed without it (small input,
array_api_strict), where it still agrees with the kernel's result within the
accuracy those tests establish.
"""

from __future__ import annotations

import array_api_strict
import numpy as np
import pytest

import skdcore
from skdcore.kernels import dispatch
from skdcore.losses import forward_kl
from skdcore.operators.entropy_projection import entropy_projection
from skdcore.partial import zipf_tail

EPS = float(np.finfo(np.float64).eps)


@pytest.fixture
def spy(monkeypatch):
    """spy(name) wraps dispatch.<name>; the returned list collects each call's result."""

    def install(name):
        calls = []
        original = getattr(dispatch, name)

        def recorded(*args, **kwargs):
            result = original(*args, **kwargs)
            calls.append(result)
            return result

        monkeypatch.setattr(dispatch, name, recorded)
        return calls

    return install


def _rows(n, V, seed=0):
    p = np.random.default_rng(seed).dirichlet(np.full(V, 0.3), size=n)
    return p


def test_entropy_projection_routes_named_schedules(spy):
    calls = spy("entropy_projection")
    big = _rows(4, dispatch.CPU_MIN_SIZE)
    q = entropy_projection(big, 2.0)
    assert len(calls) == 1 and q is calls[0][0]
    strict = np.asarray(entropy_projection(array_api_strict.asarray(big), 2.0))
    assert len(calls) == 1
    np.testing.assert_allclose(q, strict, rtol=1e-9, atol=0)  # the conditioning of h -> q at T = 2 is mild here
    entropy_projection(big, 2.0, schedule=lambda T, H, V: H)  # a callable schedule stays on the array path
    entropy_projection(_rows(1, dispatch.CPU_MIN_SIZE - 1), 2.0)
    assert len(calls) == 1


def test_forward_kl_routes_dense_teachers(spy):
    calls = spy("forward_kl_rows")
    V = dispatch.CPU_MIN_SIZE
    z = np.random.default_rng(1).normal(size=(3, V))
    q = _rows(3, V, seed=2)
    value, grad = forward_kl(z, q, temperature=2.0, reduction="none", return_grad=True, chunk_size=128)
    assert len(calls) == 1
    np.testing.assert_array_equal(value, calls[0][0])
    np.testing.assert_array_equal(grad, calls[0][1])
    value_a, grad_a = forward_kl(array_api_strict.asarray(z), array_api_strict.asarray(q), temperature=2.0,
                                 reduction="none", return_grad=True)
    assert len(calls) == 1
    # log-probabilities of size |z|/T + log V carry a few eps each (tests/test_losses.py's model)
    scale = 8 * EPS * (np.max(np.abs(z)) / 2 + np.log(V))
    np.testing.assert_allclose(value, np.asarray(value_a), rtol=0, atol=scale * 4)
    np.testing.assert_allclose(grad, np.asarray(grad_a), rtol=0, atol=scale)
    forward_kl(z, q, temperature=2.0, teacher_is_logits=False, reduction="sum")
    assert len(calls) == 2
    skdcore.losses.reverse_kl(z, q, temperature=2.0)  # other divergences stay on the engine
    forward_kl(z[:, :8], _rows(3, 8), temperature=2.0)  # 24 entries: below the threshold
    assert len(calls) == 2


@pytest.mark.parametrize("reduction", ["none", "sum", "mean", "batchmean"])
@pytest.mark.parametrize("t_squared", [False, True])
def test_forward_kl_weights_ignore_and_reductions_on_the_kernel(spy, reduction, t_squared):
    """The kernel applies the reduction's per-row gradient scale itself; the result is the
    engine's (array_api_strict): rows with an infinite loss give NaN gradients where kept
    and zeros where ignored, the value is +inf when such a row is kept."""
    calls = spy("forward_kl_rows")
    n, V = 4, dispatch.CPU_MIN_SIZE
    z = np.random.default_rng(5).normal(size=(n, V)) * 3
    q = _rows(n, V, seed=6)
    z[1, 5] = z[3, 7] = -np.inf  # masked tokens with teacher mass: infinite loss on rows 1 and 3
    weights = np.array([0.5, 2.0, 1.0, 3.0])
    for ignore in (np.array([False, False, True, True]), np.array([False, True, True, True])):
        options = dict(temperature=2.0, reduction=reduction, t_squared=t_squared, return_grad=True)
        value, grad = forward_kl(z, q, weights=weights, ignore=ignore, **options)
        strict = array_api_strict.asarray
        value_a, grad_a = (np.asarray(x) for x in
                           forward_kl(strict(z), strict(q), weights=strict(weights), ignore=strict(ignore), **options))
        # per-row errors of the tests/test_losses.py model, times the largest row factor
        kappa = 4.0 if t_squared else 1.0
        scale = 8 * EPS * (np.max(np.abs(z[np.isfinite(z)])) / 2 + np.log(V)) * kappa * np.max(weights)
        np.testing.assert_array_equal(np.isnan(grad), np.isnan(grad_a))
        np.testing.assert_array_equal(np.isinf(value), np.isinf(value_a))
        finite = np.isfinite(value_a)
        np.testing.assert_allclose(value[finite], value_a[finite], rtol=0, atol=4 * n * scale)
        np.testing.assert_allclose(np.nan_to_num(grad), np.nan_to_num(grad_a), rtol=0, atol=scale)
    assert len(calls) == 2


def test_topk_blocks_route_to_the_scatter_kernels(spy):
    scatters, positions = spy("scatter_visible"), spy("unseen_position")
    V = 4 * dispatch.CPU_MIN_SIZE
    p = _rows(2, V, seed=3)
    values = np.sort(p, axis=-1)[:, ::-1][:, :5].copy()
    indices = np.argsort(-p, axis=-1, kind="stable")[:, :5].copy()
    teacher = zipf_tail(values, indices, V)
    block = teacher.block(0, V)
    assert len(scatters) == 1 and len(positions) == 1 and block is scatters[0]
    strict = zipf_tail(array_api_strict.asarray(values), array_api_strict.asarray(indices), V)
    np.testing.assert_array_equal(block, np.asarray(strict.block(0, V)))  # a scatter of the same numbers
    assert len(scatters) == 1

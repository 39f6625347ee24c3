"""The fused forward-KL kernel (value and gradient) against the losses engine
(array-API path), the mpmath references, and itself streamed in chunks.

Tolerances are the error model of ``tests/test_losses.py`` (imported from
there, so both paths are judged by the same model): each log-probability
carries a few eps·(|l_j| + log V) absolute error, the terms are probabilities
times such logs, and a gradient entry (s_j - q_j)/T gets the same divided by T.
"""

from __future__ import annotations

import math

import array_api_strict
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from test_losses import _grad_tolerance, _mp_floats, _softened, _value_tolerance

from skdcore.kernels.cpu_forward_kl import BLOCK, forward_kl_rows
from skdcore.losses import forward_kl
from skdcore.reference.losses import loss_grad_ref, loss_ref

EPS = float(np.finfo(np.float64).eps)
TEMPERATURES = (1e-3, 0.5, 1.0, 20.0)


@st.composite
def loss_cases(draw, max_v=40):
    """(student logits with -inf masks, teacher probabilities with zeros), (N, V) float64."""
    n, V = draw(st.integers(1, 3)), draw(st.integers(1, max_v))
    z = draw(hnp.arrays(np.float64, (n, V), elements=st.floats(-30, 30)))
    z[draw(hnp.arrays(bool, (n, V)))] = -math.inf
    z[:, 0] = np.where(np.isfinite(z).any(axis=1), z[:, 0], 0.0)  # at least one unmasked logit
    w = draw(hnp.arrays(np.float64, (n, V), elements=st.one_of(st.just(0.0), st.floats(1e-6, 1.0))))
    w[:, -1] += w.sum(axis=1) == 0
    return z, w / w.sum(axis=1, keepdims=True)


def _engine(z, q, T, soften_teacher=True, **options):
    value, grad = forward_kl(array_api_strict.asarray(z), array_api_strict.asarray(q), temperature=T,
                             soften_teacher=soften_teacher, reduction="none", return_grad=True, **options)
    return np.asarray(value), np.asarray(grad)


@given(case=loss_cases(), T=st.sampled_from(TEMPERATURES), soften=st.booleans())
def test_kernel_agrees_with_the_losses_engine(case, T, soften):
    z, q = case
    loss, grad = forward_kl_rows(z, q, temperature=T, teacher_temperature=T if soften else 1.0)
    value_a, grad_a = _engine(z, q, T, soften_teacher=soften)
    for i in range(z.shape[0]):
        s = _mp_floats(_softened(z[i], T, True))
        qt = _mp_floats(_softened(q[i], T if soften else 1.0, False))
        if math.isinf(value_a[i]):
            assert loss[i] == math.inf and np.all(np.isnan(grad[i])) and np.all(np.isnan(grad_a[i]))
            continue
        # Both paths are within the model's bound of the exact value, so within twice it of each other.
        assert abs(loss[i] - value_a[i]) <= 2 * _value_tolerance(qt, s, value_a[i], EPS)
        assert np.all(np.abs(grad[i] - grad_a[i]) <= 2 * _grad_tolerance(qt, s, T, EPS))


@pytest.mark.parametrize("student_is_logits", [True, False])
def test_kernel_matches_the_mpmath_references(student_is_logits):
    rng = np.random.default_rng(11)
    V = 7
    for T in TEMPERATURES:
        z = rng.normal(size=V) * 2
        z[2] = z[1]  # a tie
        q = rng.dirichlet(np.full(V, 0.5))
        student = z if student_is_logits else _mp_floats(_softened(z, 1.0, True))
        loss, grad = forward_kl_rows(student[None], q[None], temperature=T, teacher_temperature=T,
                                     student_is_logits=student_is_logits)
        s = _mp_floats(_softened(student, T, student_is_logits))
        qt = _mp_floats(_softened(q, T, False))
        ref = float(loss_ref("forward_kl", student, q, T, student_is_logits=student_is_logits, dps=60))
        assert abs(loss[0] - ref) <= _value_tolerance(qt, s, ref, EPS)
        grad_ref = _mp_floats(loss_grad_ref("forward_kl", student, q, T, student_is_logits=student_is_logits, dps=60))
        assert np.all(np.abs(grad[0] - grad_ref) <= _grad_tolerance(qt, s, T, EPS))


def test_float32_is_accurate_to_float32():
    rng = np.random.default_rng(4)
    z, q = rng.normal(size=(2, 300)) * 3, rng.dirichlet(np.full(300, 0.3), size=2)
    loss32, grad32 = forward_kl_rows(z.astype(np.float32), q.astype(np.float32), temperature=2.0, teacher_temperature=2.0)
    loss64, grad64 = forward_kl_rows(z.astype(np.float32).astype(np.float64), q.astype(np.float32).astype(np.float64),
                                     temperature=2.0, teacher_temperature=2.0)
    assert grad32.dtype == np.float32
    np.testing.assert_allclose(loss32, loss64, rtol=8 * EPS * 300, atol=0)
    assert np.all(np.abs(grad32 - grad64) <= np.finfo(np.float32).eps * np.abs(grad64) + 1e-40)


@given(case=loss_cases(max_v=3 * BLOCK + 7), chunk=st.integers(1, 4 * BLOCK), T=st.sampled_from(TEMPERATURES))
def test_chunked_streaming_equals_dense_bit_for_bit(case, chunk, T):
    z, q = case
    dense = forward_kl_rows(z, q, temperature=T, teacher_temperature=T)
    chunked = forward_kl_rows(z, q, temperature=T, teacher_temperature=T, chunk_size=chunk)
    np.testing.assert_array_equal(dense[0], chunked[0])
    np.testing.assert_array_equal(dense[1], chunked[1])


def test_teacher_chunks_may_be_separate_arrays():
    """A compact teacher is read as separately materialised (N, c) blocks."""
    from skdcore.kernels.cpu_forward_kl import (
        ALL_PHASES,
        MAXIMA,
        NORMALISERS,
        TERMS,
        ForwardKLStream,
    )

    rng = np.random.default_rng(9)
    V, chunk = 3 * BLOCK + 5, BLOCK
    z, q = rng.normal(size=(3, V)), rng.dirichlet(np.ones(V), size=3)
    options = {"temperature": 1.5, "teacher_temperature": 1.5, "student_is_logits": True, "teacher_is_logits": False,
               "want_grad": True}
    dense = ForwardKLStream(z, **options)
    dense.run(ALL_PHASES, q, 0, 0, V)
    streamed = ForwardKLStream(z, **options)
    for phase in (MAXIMA, NORMALISERS, TERMS):
        for start in range(0, V, chunk):
            block = np.ascontiguousarray(q[:, start : start + chunk])
            streamed.run(phase, block, 0, start, block.shape[1])
    for a, b in zip(dense.result(), streamed.result()):
        np.testing.assert_array_equal(a, b)


def test_infinite_rows_and_gradient_scale():
    z = np.array([[0.0, -math.inf, 1.0], [0.0, 1.0, 2.0], [0.5, -math.inf, 0.0]])
    q = np.array([[0.5, 0.5, 0.0], [0.2, 0.3, 0.5], [0.5, 0.5, 0.0]])
    loss, grad = forward_kl_rows(z, q, temperature=1.0, teacher_temperature=1.0, grad_scale=np.array([2.0, 3.0, 0.0]))
    assert loss[0] == math.inf and np.all(np.isnan(grad[0]))
    assert loss[2] == math.inf and np.all(grad[2] == 0)  # a zero scale drops the row
    _, unscaled = forward_kl_rows(z, q, temperature=1.0, teacher_temperature=1.0)
    np.testing.assert_array_equal(grad[1], 3.0 * unscaled[1])


def test_teacher_logits_and_value_only():
    rng = np.random.default_rng(2)
    z, t = rng.normal(size=(2, 9)), rng.normal(size=(2, 9))
    loss, grad = forward_kl_rows(z, t, temperature=0.7, teacher_temperature=0.7, teacher_is_logits=True)
    value_a, grad_a = _engine(z, t, 0.7, teacher_is_logits=True)
    np.testing.assert_allclose(loss, value_a, rtol=64 * EPS)
    np.testing.assert_allclose(grad, grad_a, rtol=64 * EPS, atol=64 * EPS)
    only, none = forward_kl_rows(z, t, temperature=0.7, teacher_temperature=0.7, teacher_is_logits=True, want_grad=False)
    assert none is None
    np.testing.assert_array_equal(only, loss)

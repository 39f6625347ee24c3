"""KD losses against mpmath references: values, closed-form gradients vs
high-precision finite differences, infinities, reductions, chunking, errors.

Tolerances follow the error model of the streaming evaluation: every
log-probability l_j = r_j/T - log Z carries an absolute error of a few
eps·(|l_j| + log V), and each term φ_j is a probability times such logs, so

    |L̂ - L| <= 4 eps [ sum_j (q_j + s_j)(1 + |lq_j| + |ls_j| + 2 log V) + (log2 V + 2) sum_j |φ_j| ]

(logs of zero probabilities excluded), with q, s, φ from the reference; the
gradient entries (h_i - s_i sum h)/T get the same model divided by T.
float32 inputs are evaluated in float64 and rounded: half an ulp of float32 more.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skdcore.errors import DtypeError, NotOnSimplexError, ShapeError, TemperatureError
from skdcore.losses import LossOptionError, cross_entropy, evaluate, forward_kl, jsd, jsd_divergence, reverse_kl, tvd
from skdcore.partial import max_entropy, other_bucket, renormalise, zipf_tail
from skdcore.partial.vocab_chunks import TILE
from skdcore.reference.context import context, exact_row
from skdcore.reference.losses import loss_grad_ref, loss_ref
from skdcore.reference.partial import max_entropy_ref, other_bucket_ref, renormalise_ref, zipf_ref

LOSSES = {
    "forward_kl": forward_kl,
    "reverse_kl": reverse_kl,
    "jsd": jsd,
    "tvd": tvd,
    "cross_entropy": cross_entropy,
}
TEMPERATURES = (1e-3, 0.1, 1.0, 3.7, 1e3)
DPS = 50


def _stress_rows(V: int, seed: int):
    """Student logits and teacher probabilities with zeros, ties, masks, wide ranges."""
    rng = np.random.default_rng(seed)
    rows = []
    for scale in (0.1, 3.0, 30.0):
        z = rng.normal(size=V) * scale
        q = rng.dirichlet(np.full(V, 0.3))
        rows.append((z, q))
    z = rng.normal(size=V)
    z[: V // 2] = z[0]  # tied logits
    q = np.zeros(V)
    q[1::2] = rng.dirichlet(np.ones(len(q[1::2])))  # exact zeros in the teacher
    rows.append((z, q))
    z = rng.normal(size=V) * 2
    q = rng.dirichlet(np.ones(V))
    q[0], q[-1] = 0.0, q[0] + q[-1]  # a zero teacher entry where the student is positive
    rows.append((z, q))
    return rows


def _mp_floats(values):
    return np.array([float(v) for v in values])


def _logs(p):
    out = np.full(p.shape, 0.0)
    out[p > 0] = np.abs(np.log(p[p > 0]))
    return out


def _softened(row, T, is_logits):
    """softmax(z/T) (or the power transform of probabilities) at DPS digits."""
    ctx = context(DPS)
    z = exact_row(ctx, row)
    if not is_logits:
        z = [ctx.log(x) if x > 0 else ctx.ninf for x in z]
    return _softmax_at(ctx, z, T)


def _term_errors(q, s):
    """e_j = (q_j + s_j)(1 + |lq_j| + |ls_j| + 2 log V) with logs of zeros omitted."""
    V = q.shape[-1]
    return (q + s) * (1 + _logs(q) + _logs(s) + 2 * math.log(V))


def _value_tolerance(q, s, value, eps):
    V = q.shape[-1]
    return 4 * eps * (np.sum(_term_errors(q, s)) + (math.log2(V) + 2) * (abs(value) + np.sum(q + s)))


def _grad_tolerance(q, s, T, eps):
    """Closed-form gradient error model, plus 1e-25 for the finite-difference
    reference's own error (truncation ~h² with h = 1e-20, at 60 digits)."""
    e = _term_errors(q, s)
    return 8 * eps / T * (e + s * np.sum(e) * (1 + _logs(s))) + 1e-25


def _reference(name, z, q, T, student_is_logits=True, **kw):
    value = loss_ref(name, z, q, T, student_is_logits=student_is_logits, dps=DPS, **kw)
    return float(value)


@functools.lru_cache(maxsize=None)
def _stress_case(V: int, n: int, T: float, name: str):
    """(z, q, reference value, value tolerance) of stress row n, cached across namespaces."""
    z, q = _stress_rows(V, seed=V)[n]
    ref = _reference(name, z, q, T)
    if math.isinf(ref):
        return z, q, ref, math.nan
    s, qt = _softened_pair(V, n, T)
    return z, q, ref, _value_tolerance(qt, s, ref, np.finfo(np.float64).eps)


@functools.lru_cache(maxsize=None)
def _softened_pair(V: int, n: int, T: float):
    z, q = _stress_rows(V, seed=V)[n]
    return _mp_floats(_softened(z, T, True)), _mp_floats(_softened(q, T, False))


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("V", [2, 5, 17, 300])
def test_value_matches_reference(xp, name, V):
    temperatures = TEMPERATURES if V < 300 else (1e-3, 1.0, 1e3)
    for n in range(len(_stress_rows(V, seed=V))):
        for T in temperatures:
            z, q, ref, tol = _stress_case(V, n, T, name)
            value = float(LOSSES[name](xp.asarray(z), xp.asarray(q), temperature=T, reduction="sum"))
            if math.isinf(ref):
                assert value == math.inf, (name, V, n, T)
            else:
                assert abs(value - ref) <= tol, (name, V, n, T, value, ref, tol)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_float32_inputs_are_accurate_to_float32(xp, name):
    for z, q in _stress_rows(17, seed=3):
        z32, q32 = z.astype(np.float32), q.astype(np.float32)
        q32 = q32 / q32.sum()  # keep the row on the simplex in float32
        for T in (0.1, 1.0, 3.7):
            value = LOSSES[name](xp.asarray(z32), xp.asarray(q32), temperature=T, reduction="sum")
            assert value.dtype == xp.float32
            ref = _reference(name, z32, q32.astype(np.float64), T)
            if math.isinf(ref):
                assert float(value) == math.inf
                continue
            s = _mp_floats(_softened(z32, T, True))
            qt = _mp_floats(_softened(q32, T, False))
            tol = _value_tolerance(qt, s, ref, np.finfo(np.float64).eps) + np.finfo(np.float32).eps * abs(ref)
            assert abs(float(value) - ref) <= tol, (name, T, float(value), ref)


@pytest.mark.parametrize("name", sorted(LOSSES))
@pytest.mark.parametrize("student_is_logits", [True, False])
def test_gradient_matches_high_precision_finite_differences(xp, name, student_is_logits):
    rng = np.random.default_rng(11)
    V = 7
    for T in (1e-3, 0.5, 1.0, 20.0):
        z = rng.normal(size=V) * 2
        z[2] = z[1]  # a tie
        q = rng.dirichlet(np.full(V, 0.5))
        student = z if student_is_logits else _mp_floats(_softened(z, 1.0, True))
        if name == "reverse_kl":
            q = np.maximum(q, 1e-3) / np.maximum(q, 1e-3).sum()  # keep the reverse KL finite
        _, grad = LOSSES[name](xp.asarray(student[None]), xp.asarray(q[None]), temperature=T,
                               student_is_logits=student_is_logits, return_grad=True, reduction="sum")
        grad = np.asarray(grad)[0]
        ref = _mp_floats(loss_grad_ref(name, student, q, T, student_is_logits=student_is_logits, dps=60))
        s = _mp_floats(_softened(student, T, student_is_logits))
        qt = _mp_floats(_softened(q, T, False))
        tol = _grad_tolerance(qt, s, T, np.finfo(np.float64).eps)
        assert np.all(np.abs(grad - ref) <= tol), (name, T, grad, ref, tol)


def test_jsd_beta_gradient_and_value(xp):
    rng = np.random.default_rng(5)
    z, q = rng.normal(size=6), rng.dirichlet(np.ones(6))
    for beta in (0.01, 0.3, 0.9):
        value, grad = jsd(xp.asarray(z), xp.asarray(q), beta=beta, temperature=2.0, return_grad=True)
        ref = _reference("jsd", z, q, 2.0, beta=beta)
        assert abs(float(value) - ref) <= 64 * np.finfo(float).eps * max(ref, 1e-300)
        ref_grad = _mp_floats(loss_grad_ref("jsd", z, q, 2.0, beta=beta, dps=60))
        np.testing.assert_allclose(np.asarray(grad), ref_grad, rtol=0, atol=64 * np.finfo(float).eps)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_infinite_divergence_is_inf_not_nan(xp, name):
    z = np.array([[0.0, -math.inf, 1.0], [0.0, 0.5, 1.0]])  # row 0: student zero on token 1
    q = np.array([[0.2, 0.3, 0.5], [0.0, 0.5, 0.5]])  # row 1: teacher zero on token 0
    value, grad = LOSSES[name](xp.asarray(z), xp.asarray(q), reduction="none", return_grad=True)
    value, grad = np.asarray(value), np.asarray(grad)
    expect_inf = {"forward_kl": [True, False], "cross_entropy": [True, False], "reverse_kl": [False, True],
                  "jsd": [False, False], "tvd": [False, False]}[name]
    for row, infinite in enumerate(expect_inf):
        if infinite:
            assert value[row] == math.inf
            assert np.all(np.isnan(grad[row]))  # no gradient exists there
        else:
            assert math.isfinite(value[row])
            assert np.all(np.isfinite(grad[row]))
            ref = _reference(name, z[row], q[row], 1.0)
            assert abs(value[row] - ref) <= 1e-14 * max(1.0, abs(ref))


def test_zero_teacher_and_zero_student_on_same_token_is_finite(xp):
    z = np.array([0.0, -math.inf, 1.0])
    q = np.array([0.4, 0.0, 0.6])
    for name, fn in LOSSES.items():
        value, grad = fn(xp.asarray(z), xp.asarray(q), return_grad=True)
        assert math.isfinite(float(value)), name
        assert float(np.asarray(grad)[1]) == 0.0


def test_teacher_logits_and_student_probabilities(xp):
    rng = np.random.default_rng(2)
    zs, zt = rng.normal(size=(3, 9)), rng.normal(size=(3, 9)) * 2
    s = np.exp(zs) / np.exp(zs).sum(-1, keepdims=True)
    for name, fn in LOSSES.items():
        for T in (0.3, 2.0):
            value = np.asarray(fn(xp.asarray(s), xp.asarray(zt), temperature=T, student_is_logits=False,
                                  teacher_is_logits=True, reduction="none"))
            ref = [_reference(name, s[r], zt[r], T, student_is_logits=False, teacher_is_logits=True) for r in range(3)]
            np.testing.assert_allclose(value, ref, rtol=1e-13, atol=1e-15)


def test_soften_teacher_false_keeps_teacher_at_t1(xp):
    rng = np.random.default_rng(4)
    z, q = rng.normal(size=5), rng.dirichlet(np.ones(5))
    value = float(forward_kl(xp.asarray(z), xp.asarray(q), temperature=3.0, soften_teacher=False))
    assert abs(value - _reference("forward_kl", z, q, 3.0, soften_teacher=False)) < 1e-14


COMPLETIONS = {"renormalise": (renormalise, renormalise_ref), "max_entropy": (max_entropy, max_entropy_ref),
               "zipf_tail": (zipf_tail, zipf_ref)}
COMPACT_V, COMPACT_K = 24, 5


def _compact_rows():
    rng = np.random.default_rng(8)
    z = rng.normal(size=(2, COMPACT_V)) * 2
    full = rng.dirichlet(np.full(COMPACT_V, 0.3), size=2)
    idx = np.argsort(-full, axis=-1)[:, :COMPACT_K]
    return z, idx, np.take_along_axis(full, idx, -1)


@functools.lru_cache(maxsize=None)
def _compact_reference(completion: str, name: str, r: int, T: float, with_grad: bool):
    """(value, value tolerance, gradient, gradient tolerance) against the mpmath-completed teacher."""
    z, idx, vals = _compact_rows()
    dense_ref = COMPLETIONS[completion][1](vals[r], idx[r], COMPACT_V, dps=DPS)
    ref = _reference(name, z[r], dense_ref, T)
    if math.isinf(ref):
        return ref, math.nan, None, None
    s = _mp_floats(_softened(z[r], T, True))
    qt = _mp_floats(_softened(_mp_floats(dense_ref), T, False))
    tol = _value_tolerance(qt, s, ref, np.finfo(float).eps)
    if not with_grad:
        return ref, tol, None, None
    g_ref = _mp_floats(loss_grad_ref(name, z[r], dense_ref, T, dps=45))
    return ref, tol, g_ref, _grad_tolerance(qt, s, T, np.finfo(float).eps)


@pytest.mark.parametrize("completion", sorted(COMPLETIONS))
@pytest.mark.parametrize("name", sorted(LOSSES))
def test_compact_teacher_matches_reference_without_densifying(xp, completion, name):
    z, idx, vals = _compact_rows()
    teacher = COMPLETIONS[completion][0](xp.asarray(vals), xp.asarray(idx), COMPACT_V)
    for T in (0.25, 1.0, 4.0):
        value, grad = LOSSES[name](xp.asarray(z), teacher, temperature=T, reduction="none", return_grad=True)
        value, grad = np.asarray(value), np.asarray(grad)
        for r in range(2):
            ref, tol, g_ref, g_tol = _compact_reference(completion, name, r, T, T == 1.0 and r == 0)
            if math.isinf(ref):
                assert value[r] == math.inf
                continue
            assert abs(value[r] - ref) <= tol, (r, T, value[r], ref)
            if g_ref is not None:
                assert np.all(np.abs(grad[r] - g_ref) <= g_tol)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_other_bucket_loss_matches_reference(xp, name):
    rng = np.random.default_rng(9)
    V, k = 30, 4
    z = rng.normal(size=(2, V)) * 3
    full = rng.dirichlet(np.full(V, 0.5), size=2)
    idx = np.argsort(-full, axis=-1)[:, :k]
    vals = np.take_along_axis(full, idx, -1)
    teacher = other_bucket(xp.asarray(vals), xp.asarray(idx), V)
    for T in (1e-3, 0.5, 2.0):
        value, grad = LOSSES[name](xp.asarray(z), teacher, temperature=T, reduction="none", return_grad=True)
        for r in range(2):
            cats = other_bucket_ref(vals[r], dps=DPS)
            ref = _reference(name, z[r], cats, T, bucket_indices=idx[r])
            assert abs(float(np.asarray(value)[r]) - ref) <= 1e-12 * max(1.0, abs(ref)), (T, r)
            if T != 1e-3:
                g_ref = _mp_floats(loss_grad_ref(name, z[r], cats, T, bucket_indices=idx[r], dps=45))
                np.testing.assert_allclose(np.asarray(grad)[r], g_ref, rtol=0, atol=1e-13 / T)


def test_other_bucket_student_mass_far_below_underflow(xp):
    """s_other ~ exp(-2000) is exact in log space: the forward KL stays finite."""
    V = 6
    z = np.array([[0.0, 0.0, -2000.0, -2000.0, -2001.0, -2002.0]])
    teacher = other_bucket(xp.asarray([[0.5, 0.3]]), xp.asarray([[0, 1]]), V)
    value = float(forward_kl(xp.asarray(z), teacher))
    ref = _reference("forward_kl", z[0], other_bucket_ref([0.5, 0.3], dps=DPS), 1.0, bucket_indices=[0, 1])
    assert math.isfinite(value) and abs(value - ref) <= 1e-13 * ref


@functools.lru_cache(maxsize=None)
def _large_case():
    """A V = 1e5 row made of a 100-entry pattern repeated 1000 times (values
    jittered per copy would defeat the cheap reference), and its forward KL at
    30 digits computed over the pattern with multiplicity 1000."""
    rng = np.random.default_rng(12)
    T, repeats = 2.0, 1000
    z_b = rng.normal(size=100) * 2
    q_b = rng.dirichlet(np.full(100, 0.2)) / repeats
    z, q = np.tile(z_b, repeats), np.tile(q_b, repeats)
    ctx = context(30)
    zs, qs = exact_row(ctx, z_b), exact_row(ctx, q_b)
    w_s = [ctx.exp((x - max(zs)) / T) for x in zs]
    w_q = [(x / max(qs)) ** (1 / ctx.mpf(T)) for x in qs]
    z_s, z_q = repeats * ctx.fsum(w_s), repeats * ctx.fsum(w_q)
    s_mp, q_mp = [x / z_s for x in w_s], [x / z_q for x in w_q]
    ref = float(repeats * ctx.fsum(a * ctx.log(a / b) for a, b in zip(q_mp, s_mp)))
    s_f, q_f = np.tile(_mp_floats(s_mp), repeats), np.tile(_mp_floats(q_mp), repeats)
    return z, q, T, ref, _value_tolerance(q_f, s_f, ref, np.finfo(float).eps)


def _softmax_at(ctx, z, T):
    top = max(z)
    w = [ctx.exp((x - top) / T) for x in z]
    total = ctx.fsum(w)
    return [x / total for x in w]


def test_large_vocabulary_against_reference(xp):
    z, q, T, ref, tol = _large_case()
    value = float(forward_kl(xp.asarray(z), xp.asarray(q), temperature=T, chunk_size=16384))
    assert abs(value - ref) <= tol


def test_large_vocabulary_topk_teacher(xp):
    rng = np.random.default_rng(13)
    V, k = 100_000, 20
    z = rng.normal(size=(2, V))
    full = rng.dirichlet(np.full(V, 0.05), size=2)
    idx = np.argsort(-full, axis=-1)[:, :k]
    vals = np.take_along_axis(full, idx, -1)
    teacher = max_entropy(xp.asarray(vals), xp.asarray(idx), V)
    dense = forward_kl(xp.asarray(z), teacher.dense(), temperature=1.5, return_grad=True)
    compact = forward_kl(xp.asarray(z), teacher, temperature=1.5, chunk_size=8192, return_grad=True)
    assert abs(float(dense[0]) - float(compact[0])) <= 1e-13 * abs(float(dense[0]))
    np.testing.assert_allclose(np.asarray(compact[1]), np.asarray(dense[1]), rtol=0, atol=1e-17)


@pytest.mark.parametrize("name", sorted(LOSSES))
def test_chunked_and_dense_agree_exactly(xp, name):
    rng = np.random.default_rng(21)
    V = 3 * TILE + 17
    z = rng.normal(size=(3, V)) * 2
    q = rng.dirichlet(np.full(V, 0.3), size=3)
    idx = np.argsort(-q, axis=-1)[:, :6]
    teachers = [xp.asarray(q), zipf_tail(xp.asarray(np.take_along_axis(q, idx, -1)), xp.asarray(idx), V),
                other_bucket(xp.asarray(np.take_along_axis(q, idx, -1)), xp.asarray(idx), V)]
    for teacher in teachers:
        dense = LOSSES[name](xp.asarray(z), teacher, temperature=0.7, return_grad=True, reduction="none")
        for chunk in (1, TILE, 2 * TILE + 5, 10 * V):
            chunked = LOSSES[name](xp.asarray(z), teacher, temperature=0.7, return_grad=True, reduction="none",
                                   chunk_size=chunk)
            assert np.array_equal(np.asarray(dense[0]), np.asarray(chunked[0]))
            assert np.array_equal(np.asarray(dense[1]), np.asarray(chunked[1]))


@settings(max_examples=25)
@given(
    V=st.integers(2, 40),
    T=st.floats(1e-3, 1e3),
    seed=st.integers(0, 2**32 - 1),
    name=st.sampled_from(sorted(LOSSES)),
)
def test_gradient_rows_sum_to_zero_and_dense_compact_agree(V, T, seed, name):
    """Shift invariance (Lemma VI.1): the gradient is orthogonal to the ones vector;
    a compact max-entropy teacher gives the dense teacher's loss."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(2, V)) * 3
    k = int(rng.integers(1, V + 1))
    full = rng.dirichlet(np.ones(V), size=2)
    idx = np.argsort(-full, axis=-1)[:, :k]
    teacher = max_entropy(np.take_along_axis(full, idx, -1), idx, V)
    value, grad = LOSSES[name](z, teacher, temperature=T, return_grad=True, reduction="none")
    dense_value = LOSSES[name](z, teacher.dense(), temperature=T, reduction="none")
    finite = np.isfinite(value)
    assert np.all(np.abs(grad[finite].sum(-1)) <= 64 * V * np.finfo(float).eps * (1 + np.abs(grad[finite]).sum(-1)))
    np.testing.assert_allclose(value, dense_value, rtol=1e-9, atol=1e-12)


def test_reductions_weights_ignore_and_t_squared(xp):
    rng = np.random.default_rng(6)
    z = rng.normal(size=(2, 3, 5))
    q = rng.dirichlet(np.ones(5), size=(2, 3))
    w = np.array([[1.0, 2.0, 0.5], [0.0, 1.0, 3.0]])
    ignore = np.array([[False, True, False], [False, False, False]])
    T = 2.0
    rows, grads = forward_kl(xp.asarray(z), xp.asarray(q), temperature=T, reduction="none", return_grad=True)
    rows, grads = np.asarray(rows), np.asarray(grads)
    c = np.where(ignore, 0.0, w)
    expected = {
        "none": (T * T * c * rows, T * T * c[..., None] * grads),
        "sum": (T * T * np.sum(c * rows), T * T * c[..., None] * grads),
        "batchmean": (T * T * np.sum(c * rows) / c.sum(), T * T * c[..., None] * grads / c.sum()),
        "mean": (T * T * np.sum(c * rows) / (c.sum() * 5), T * T * c[..., None] * grads / (c.sum() * 5)),
    }
    for reduction, (value, grad) in expected.items():
        got, got_grad = forward_kl(xp.asarray(z), xp.asarray(q), temperature=T, reduction=reduction, t_squared=True,
                                   weights=xp.asarray(w), ignore=xp.asarray(ignore), return_grad=True)
        np.testing.assert_allclose(np.asarray(got), value, rtol=1e-14)
        np.testing.assert_allclose(np.asarray(got_grad), grad, rtol=1e-14, atol=1e-300)


def test_ignored_rows_with_infinite_loss_contribute_zero(xp):
    z = np.array([[0.0, -math.inf], [0.0, 1.0]])
    q = np.array([[0.5, 0.5], [0.3, 0.7]])
    value, grad = forward_kl(xp.asarray(z), xp.asarray(q), ignore=xp.asarray([True, False]), return_grad=True)
    assert math.isfinite(float(value))
    assert np.all(np.asarray(grad)[0] == 0)
    everything_ignored = forward_kl(xp.asarray(z), xp.asarray(q), ignore=xp.asarray([True, True]), reduction="mean")
    assert float(everything_ignored) == 0.0


def test_batch_dimensions_and_default_reduction(xp):
    rng = np.random.default_rng(7)
    z = rng.normal(size=(2, 3, 4))
    q = rng.dirichlet(np.ones(4), size=(2, 3))
    rows = np.asarray(forward_kl(xp.asarray(z), xp.asarray(q), reduction="none"))
    assert rows.shape == (2, 3)
    assert abs(float(forward_kl(xp.asarray(z), xp.asarray(q))) - rows.mean()) < 1e-15
    single = forward_kl(xp.asarray(z[0, 0]), xp.asarray(q[0, 0]), reduction="none", return_grad=True)
    assert single[0].shape == () and single[1].shape == (4,)


def test_bad_input_raises_documented_errors(xp):
    z = xp.asarray([[0.0, 1.0, 2.0]])
    q = xp.asarray([[0.2, 0.3, 0.5]])
    with pytest.raises(TemperatureError):
        forward_kl(z, q, temperature=0.0)
    with pytest.raises(TemperatureError):
        forward_kl(z, q, temperature=-1.0)
    with pytest.raises(NotOnSimplexError):
        forward_kl(z, xp.asarray([[0.2, 0.3, 0.6]]))
    with pytest.raises(NotOnSimplexError):
        forward_kl(z, xp.asarray([[-0.2, 0.7, 0.5]]))
    with pytest.raises(NotOnSimplexError):
        forward_kl(xp.asarray([[0.0, math.nan, 1.0]]), q)
    with pytest.raises(ShapeError):
        forward_kl(z, xp.asarray([[0.5, 0.5]]))
    with pytest.raises(DtypeError):
        forward_kl(xp.asarray([[0, 1, 2]]), q)
    with pytest.raises(LossOptionError):
        forward_kl(z, q, reduction="average")
    with pytest.raises(LossOptionError):
        forward_kl(z, q, weights=xp.asarray([-1.0]))
    with pytest.raises(ShapeError):
        forward_kl(z, q, weights=xp.asarray([1.0, 2.0]))
    with pytest.raises(DtypeError):
        forward_kl(z, q, ignore=xp.asarray([1]))
    with pytest.raises(LossOptionError):
        jsd(z, q, beta=1.0)
    with pytest.raises(ShapeError):
        forward_kl(z, max_entropy(xp.asarray([[0.5]]), xp.asarray([[0]]), 4))
    with pytest.raises(ValueError):
        forward_kl(z, q, chunk_size=0)


def test_evaluate_accepts_a_custom_divergence(xp):
    value = evaluate(jsd_divergence(0.5), xp.asarray([0.0, 1.0]), xp.asarray([0.5, 0.5]))
    assert 0 < float(value) < math.log(2)


def test_losses_and_completions_run_in_the_high_precision_namespace():
    """The same code evaluated in skdcore.mp at 50 digits reproduces the independent references to ~1e-45."""
    mp = pytest.importorskip("skdcore.mp")
    hp = mp.namespace(dps=50)
    rng = np.random.default_rng(10)
    z, q = rng.normal(size=(2, 6)), rng.dirichlet(np.ones(6), size=2)
    idx = np.argsort(-q, axis=-1)[:, :3]
    vals = np.take_along_axis(q, idx, -1)
    for name, fn in LOSSES.items():
        value = mp.to_numpy_object(fn(hp.asarray(z), hp.asarray(q), temperature=0.7, reduction="none"))
        for r in range(2):
            assert abs(value[r] - loss_ref(name, z[r], q[r], 0.7, dps=60)) < 1e-45
        teacher = zipf_tail(hp.asarray(vals), hp.asarray(idx), 6)
        value = mp.to_numpy_object(fn(hp.asarray(z), teacher, temperature=2.0, reduction="none"))
        for r in range(2):
            assert abs(value[r] - loss_ref(name, z[r], zipf_ref(vals[r], idx[r], 6, dps=60), 2.0, dps=60)) < 1e-45

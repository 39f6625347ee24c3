"""Softening completed teachers: the compact closed forms against the dense
operator and the mpmath power transform, and the dense fallback."""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest

from skdcore.errors import TemperatureError
from skdcore.operators import mix, power
from skdcore.partial import OtherBucketTeacher, TopKTeacher, max_entropy, other_bucket, renormalise, soften, zipf_tail
from skdcore.reference import power_ref
from skdcore.reference.partial import max_entropy_ref, renormalise_ref, zipf_ref

EPS = np.finfo(np.float64).eps
COMPLETIONS = {"renormalise": (renormalise, renormalise_ref), "max_entropy": (max_entropy, max_entropy_ref),
               "zipf_tail": (zipf_tail, zipf_ref)}
TEMPERATURES = (1e-3, 0.3, 1.0, 4.0, 1e3)


def _teachers():
    rng = np.random.default_rng(1)
    out = []
    for V, k, alpha in ((6, 2, 1.0), (50, 5, 0.1), (400, 12, 0.3)):
        full = rng.dirichlet(np.full(V, alpha))
        idx = np.argsort(-full)[:k]
        out.append((full[idx], idx, V))
    return out


@functools.lru_cache(maxsize=None)
def _softened_reference(completion: str, case: int, T: float):
    values, idx, V = _teachers()[case]
    completed = [float(x) for x in COMPLETIONS[completion][1](values, idx, V, dps=40)]
    return np.array([float(x) for x in power_ref(completed, T, dps=40)])


@pytest.mark.parametrize("completion", sorted(COMPLETIONS))
def test_compact_power_matches_reference(xp, completion):
    """Error model as power's: a few eps·q_i·(1 + |log(q_i/q_max)|/T + log V) per entry."""
    for case, (values, idx, V) in enumerate(_teachers()):
        teacher = COMPLETIONS[completion][0](xp.asarray(values), xp.asarray(idx), V)
        for T in TEMPERATURES:
            softened = soften(teacher, power, T)
            assert isinstance(softened, TopKTeacher)
            got = np.asarray(softened.dense())
            ref = _softened_reference(completion, case, T)
            log_gap = np.abs(np.log(np.where(ref > 0, ref, 1.0) / ref.max()))
            tol = 16 * EPS * ref * (1 + log_gap / T + math.log(V) + np.abs(np.log(np.where(ref > 0, ref, 1.0)))) + 1e-300
            assert np.all(np.abs(got - ref) <= tol), (completion, V, T, np.max(np.abs(got - ref) / tol))


def test_compact_power_of_a_uniform_tail_stays_uniform(xp):
    teacher = max_entropy(xp.asarray([0.5, 0.2]), xp.asarray([1, 3]), 6)
    softened = soften(teacher, power, 2.0)
    tail = np.delete(np.asarray(softened.dense()), [1, 3])
    assert np.all(tail == tail[0])
    np.testing.assert_allclose(np.asarray(softened.dense()), np.asarray(power(teacher.dense(), 2.0)), rtol=4 * EPS)


def test_compact_mix_and_dense_fallback(xp):
    teacher = max_entropy(xp.asarray([0.5, 0.2]), xp.asarray([1, 3]), 6)
    for T in (1.0, 3.0):
        compact = soften(teacher, mix, T)
        assert isinstance(compact, TopKTeacher)
        np.testing.assert_allclose(np.asarray(compact.dense()), np.asarray(mix(teacher.dense(), T)), rtol=8 * EPS)
    extrapolated = soften(renormalise(xp.asarray([0.5, 0.2]), xp.asarray([1, 3]), 6), mix, 0.5)
    assert not isinstance(extrapolated, TopKTeacher)  # α = 2: negative tail, returned dense as mix does
    zipf = zipf_tail(xp.asarray([0.5, 0.2]), xp.asarray([1, 3]), 6)
    dense = soften(zipf, mix, 2.0, alpha="exponential")
    np.testing.assert_allclose(np.asarray(dense), np.asarray(mix(zipf.dense(), 2.0, alpha="exponential")), rtol=0, atol=0)


def test_other_bucket_softens_as_k_plus_one_categories(xp):
    teacher = other_bucket(xp.asarray([[0.5, 0.2]]), xp.asarray([[1, 3]]), 6)
    softened = soften(teacher, power, 2.0)
    assert isinstance(softened, OtherBucketTeacher)
    np.testing.assert_allclose(np.asarray(softened.categories()), np.asarray(power(teacher.categories(), 2.0)), rtol=0)


def test_soften_rejects_bad_input(xp):
    teacher = max_entropy(xp.asarray([0.5, 0.2]), xp.asarray([1, 3]), 6)
    with pytest.raises(TemperatureError):
        soften(teacher, power, 0.0)
    with pytest.raises(TypeError):
        soften(xp.asarray([0.5, 0.5]), power, 1.0)

"""Top-k teachers: validation, and the renormalise / max-entropy / Zipf /
other-bucket completions against their mpmath references.

A completed entry t_j is a quotient of rounded values or exp of a
log-parameter (uniform and Zipf tails are stored in log space), and the Zipf
scale comes from a sum over V - k ranks, so each entry is within a few
eps·(log V + |log t_j|) of the reference, relative to t_j.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skdcore.errors import DtypeError, NotOnSimplexError, ShapeError
from skdcore.partial import (
    OtherBucketTeacher,
    TopKError,
    TopKTeacher,
    check_topk,
    max_entropy,
    other_bucket,
    renormalise,
    zipf_tail,
)
from skdcore.reference.partial import max_entropy_ref, other_bucket_ref, renormalise_ref, zipf_ref

EPS = np.finfo(np.float64).eps
COMPLETIONS = {"renormalise": (renormalise, renormalise_ref), "max_entropy": (max_entropy, max_entropy_ref),
               "zipf_tail": (zipf_tail, zipf_ref)}


def _topk(full, k):
    idx = np.argsort(-full, axis=-1, kind="stable")[..., :k]
    return np.take_along_axis(full, idx, -1), idx


def _stress_teachers():
    """(values, indices, V) rows: concentrated, flat, tied, with zero tails, k = V, large V."""
    rng = np.random.default_rng(0)
    cases = []
    for V, k, alpha in ((5, 2, 1.0), (12, 3, 0.2), (12, 11, 3.0), (40, 7, 0.05), (600, 20, 0.1)):
        full = rng.dirichlet(np.full(V, alpha))
        cases.append((*_topk(full, k), V))
    tied = np.array([0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1])
    cases.append((*_topk(tied, 4), 7))  # ties across the cut
    zero_tail = np.array([0.5, 0.3, 0.2, 0.0, 0.0])
    cases.append((*_topk(zero_tail, 3), 5))  # nothing missing
    cases.append((*_topk(np.array([0.4, 0.35, 0.25]), 3), 3))  # k = V
    return cases


@functools.lru_cache(maxsize=None)
def _reference(completion: str, case: int):
    values, idx, V = _stress_teachers()[case]
    return np.array([float(x) for x in COMPLETIONS[completion][1](values, idx, V, dps=40)])


@pytest.mark.parametrize("completion", sorted(COMPLETIONS))
def test_completion_matches_reference(xp, completion):
    fn = COMPLETIONS[completion][0]
    for case, (values, idx, V) in enumerate(_stress_teachers()):
        teacher = fn(xp.asarray(values), xp.asarray(idx), V)
        dense = np.asarray(teacher.dense())
        ref = _reference(completion, case)
        log_ref = np.abs(np.log(np.where(ref > 0, ref, 1.0)))
        tol = 8 * EPS * (math.log(V) + 2 + log_ref) * ref
        assert np.all(np.abs(dense - ref) <= tol), (completion, V, np.max(np.abs(dense - ref) - tol))
        assert abs(dense.sum() - 1) <= 4 * V * EPS
        if completion != "renormalise":
            np.testing.assert_array_equal(dense[idx], values)


def test_visible_values_kept_and_tail_ranking_consistent(xp):
    for values, idx, V in _stress_teachers():
        for completion in ("max_entropy", "zipf_tail"):
            dense = np.asarray(COMPLETIONS[completion][0](xp.asarray(values), xp.asarray(idx), V).dense())
            np.testing.assert_array_equal(dense[idx], values)
            unseen = np.setdiff1d(np.arange(V), idx)
            assert np.all(dense[unseen] <= values.min())


def test_max_entropy_is_the_entropy_maximiser():
    """Any other feasible completion (mass moved between unseen tokens) has lower entropy."""
    rng = np.random.default_rng(3)
    values, idx = _topk(rng.dirichlet(np.ones(10)), 4)
    dense = max_entropy(values, idx, 10).dense()
    unseen = np.setdiff1d(np.arange(10), idx)

    def entropy(p):
        p = p[p > 0]
        return -np.sum(p * np.log(p))

    for _ in range(20):
        other = dense.copy()
        shift = rng.uniform(0, dense[unseen[0]])
        other[unseen[0]] -= shift
        other[unseen[1]] += shift
        if other[unseen[1]] <= values.min():
            assert entropy(other) < entropy(dense)


def test_infeasible_top_k_raises_and_within_tolerance_is_capped(xp):
    with pytest.raises(TopKError, match="cannot be the top-2"):
        max_entropy(xp.asarray([0.3, 0.1]), xp.asarray([0, 1]), 4)  # 0.6 missing > 2 * 0.1
    with pytest.raises(TopKError):
        zipf_tail(xp.asarray([0.3, 0.1]), xp.asarray([0, 1]), 4)
    with pytest.raises(TopKError):
        max_entropy(xp.asarray([0.5, 0.0]), xp.asarray([0, 1]), 4)  # a visible zero with mass missing
    # The uniform distribution over 4 tokens, top-2 with the visible values rounded down by one ulp.
    values = np.array([0.25, 0.25]) * (1 - EPS)
    for fn in (max_entropy, zipf_tail):
        dense = np.asarray(fn(xp.asarray(values), xp.asarray([0, 1]), 4).dense())
        assert np.all(dense[2:] <= values.min()) and abs(dense.sum() - 1) <= 8 * EPS


def test_zipf_cap_binds_for_a_heavy_missing_mass():
    """Steep visible decay but much missing mass: the first tail ranks are capped at min(visible)."""
    values, idx, V = np.array([0.4, 0.1]), np.array([3, 5]), 8
    teacher = zipf_tail(values, idx, V)
    dense = teacher.dense()
    tail = np.delete(dense, idx)
    assert float(teacher.tail.exponent) == pytest.approx(2.0, rel=1e-14)  # log(4)/log(2)
    assert np.sum(tail == 0.1) >= 1 and np.all(tail <= 0.1)
    ref = np.array([float(x) for x in zipf_ref(values, idx, V, dps=40)])
    np.testing.assert_allclose(dense, ref, rtol=32 * EPS, atol=0)
    assert np.all(np.diff(tail) <= 0)  # ranks follow increasing token id


def test_zipf_needs_two_positive_values_when_mass_is_missing(xp):
    with pytest.raises(TopKError, match="two positive"):
        zipf_tail(xp.asarray([0.5]), xp.asarray([2]), 10)
    dense = np.asarray(zipf_tail(xp.asarray([1.0]), xp.asarray([2]), 10).dense())  # nothing missing: fine
    np.testing.assert_array_equal(dense, np.eye(10)[2])


def test_zipf_chunked_tail_sums_agree(xp):
    rng = np.random.default_rng(5)
    values, idx = _topk(rng.dirichlet(np.full(2000, 0.1), size=3), 10)
    a = zipf_tail(xp.asarray(values), xp.asarray(idx), 2000)
    b = zipf_tail(xp.asarray(values), xp.asarray(idx), 2000, chunk_size=300)
    assert np.array_equal(np.asarray(a.dense()), np.asarray(b.dense()))


def test_other_bucket_categories(xp):
    values, idx = np.array([[0.5, 0.2], [0.6, 0.4]]), np.array([[1, 4], [0, 2]])
    teacher = other_bucket(xp.asarray(values), xp.asarray(idx), 6)
    assert isinstance(teacher, OtherBucketTeacher)
    cats = np.asarray(teacher.categories())
    for r in range(2):
        np.testing.assert_allclose(cats[r], [float(x) for x in other_bucket_ref(values[r])], rtol=0, atol=EPS)
    empty = other_bucket(xp.asarray([0.5, 0.5]), xp.asarray([0, 1]), 2)
    assert float(empty.other) == 0.0


def test_batch_dims_and_float32(xp):
    rng = np.random.default_rng(6)
    full = rng.dirichlet(np.ones(9), size=(2, 3)).astype(np.float32)
    values, idx = _topk(full, 3)
    for fn in (renormalise, max_entropy, zipf_tail):
        teacher = fn(xp.asarray(values), xp.asarray(idx), 9)
        dense = teacher.dense()
        assert dense.shape == (2, 3, 9) and dense.dtype == xp.float32
        assert isinstance(teacher, TopKTeacher)
        np.testing.assert_allclose(np.asarray(dense).sum(-1), 1, atol=9 * np.finfo(np.float32).eps)


@settings(max_examples=30)
@given(V=st.integers(2, 60), data=st.data())
def test_completions_are_distributions(V, data):
    k = data.draw(st.integers(1, V))
    alpha = data.draw(st.sampled_from([0.05, 0.5, 5.0]))
    full = np.random.default_rng(data.draw(st.integers(0, 2**32 - 1))).dirichlet(np.full(V, alpha))
    values, idx = _topk(full, k)
    for fn in (renormalise, max_entropy, zipf_tail):
        try:
            dense = fn(values, idx, V).dense()
        except TopKError:  # a Zipf fit with one positive visible value
            assert fn is zipf_tail and np.count_nonzero(values) < 2
            continue
        assert np.all(dense >= 0) and abs(dense.sum() - 1) <= 8 * V * EPS
        assert fn is renormalise or np.all(np.delete(dense, idx) <= values.min())


def test_bad_top_k_input_raises(xp):
    ok_v, ok_i = xp.asarray([[0.5, 0.2]]), xp.asarray([[0, 3]])
    cases = [
        (xp.asarray([[0.5, 0.2]]), xp.asarray([[0, 4]]), 4, TopKError, "outside"),
        (xp.asarray([[0.5, 0.2]]), xp.asarray([[-1, 2]]), 4, TopKError, "outside"),
        (xp.asarray([[0.5, 0.2]]), xp.asarray([[1, 1]]), 4, TopKError, "repeats token id 1"),
        (xp.asarray([[0.5, 0.2, 0.1]]), xp.asarray([[0, 1, 2]]), 2, TopKError, "exceed"),
        (xp.asarray([[0.8, 0.3]]), ok_i, 4, TopKError, "visible mass"),
        (xp.asarray([[0.5, -0.2]]), ok_i, 4, NotOnSimplexError, "negative"),
        (xp.asarray([[0.5, math.nan]]), ok_i, 4, NotOnSimplexError, "non-finite"),
        (xp.asarray([[0.5, 0.2]]), xp.asarray([[0.0, 3.0]]), 4, DtypeError, "integer"),
        (xp.asarray([[0.5, 0.2]]), xp.asarray([[0, 3, 1]]), 4, ShapeError, "shape"),
        (ok_v, ok_i, 0, ShapeError, "vocab_size"),
        (ok_v, ok_i, True, ShapeError, "vocab_size"),
    ]
    for values, idx, V, error, message in cases:
        with pytest.raises(error, match=message):
            check_topk(values, idx, V)
        with pytest.raises(error):
            max_entropy(values, idx, V)
    with pytest.raises(TopKError, match=r"row \(1,\)"):
        check_topk(xp.asarray([[0.5, 0.2], [0.5, 0.2]]), xp.asarray([[0, 1], [2, 2]]), 4)
    with pytest.raises(TopKError, match="zero visible mass"):
        renormalise(xp.asarray([[0.0, 0.0]]), ok_i, 4)

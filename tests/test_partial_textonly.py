"""Text-only teachers: counts from samples, Dirichlet and Good-Turing estimates vs mpmath."""

from __future__ import annotations

import numpy as np
import pytest

from skdcore.errors import DtypeError
from skdcore.partial import SampleCountError, counts_from_samples, estimate_from_counts
from skdcore.reference.partial import dirichlet_ref, good_turing_ref

EPS = np.finfo(np.float64).eps


def _counts():
    rng = np.random.default_rng(0)
    p = rng.dirichlet(np.full(12, 0.3), size=4)
    return np.stack([rng.multinomial(n, row) for n, row in zip((1, 5, 40, 1000), p)])


def test_counts_from_samples(xp):
    tokens = np.array([[0, 3, 3, 1], [2, 2, 2, 2]])
    counts = np.asarray(counts_from_samples(xp.asarray(tokens), 5))
    np.testing.assert_array_equal(counts, [[1, 1, 0, 2, 0], [0, 0, 4, 0, 0]])
    with pytest.raises(SampleCountError):
        counts_from_samples(xp.asarray([[0, 5]]), 5)
    with pytest.raises(DtypeError):
        counts_from_samples(xp.asarray([[0.0, 1.0]]), 5)


@pytest.mark.parametrize("alpha", [0.01, 0.5, 1.0, 7.0])
def test_dirichlet_posterior_matches_reference(xp, alpha):
    counts = _counts()
    est = estimate_from_counts(xp.asarray(counts), method="dirichlet", alpha=alpha)
    for r, row in enumerate(counts):
        mean, std = dirichlet_ref(row, alpha)
        np.testing.assert_allclose(np.asarray(est.probabilities)[r], [float(x) for x in mean], rtol=4 * EPS)
        np.testing.assert_allclose(np.asarray(est.std)[r], [float(x) for x in std], rtol=8 * EPS)
        assert abs(np.asarray(est.probabilities)[r].sum() - 1) <= 16 * EPS


def test_good_turing_matches_reference(xp):
    counts = _counts()
    est = estimate_from_counts(xp.asarray(counts), method="good_turing")
    for r, row in enumerate(counts):
        ref = [float(x) for x in good_turing_ref(row)]
        np.testing.assert_allclose(np.asarray(est.probabilities)[r], ref, rtol=4 * EPS, atol=0)
        assert abs(np.asarray(est.probabilities)[r].sum() - 1) <= 16 * EPS
    assert np.all(np.asarray(est.std) >= 0)


def test_good_turing_unseen_mass_and_no_unseen_tokens():
    est = estimate_from_counts(np.array([3, 1, 1, 0, 0]), method="good_turing")
    np.testing.assert_allclose(est.probabilities[3:], [1 / 5, 1 / 5])  # N1/n = 2/5 over two tokens
    full = estimate_from_counts(np.array([2, 1, 1]), method="good_turing")
    np.testing.assert_allclose(full.probabilities, [0.5, 0.25, 0.25])


def test_bad_counts_raise(xp):
    with pytest.raises(SampleCountError):
        estimate_from_counts(xp.asarray([[1.0, -1.0]]))
    with pytest.raises(SampleCountError):
        estimate_from_counts(xp.asarray([[1.5, 1.0]]))
    with pytest.raises(SampleCountError):
        estimate_from_counts(xp.asarray([[0, 0]]), method="good_turing")
    with pytest.raises(SampleCountError):
        estimate_from_counts(xp.asarray([[1, 0]]), alpha=0.0)
    with pytest.raises(SampleCountError):
        estimate_from_counts(xp.asarray([[1, 0]]), method="kneser_ney")

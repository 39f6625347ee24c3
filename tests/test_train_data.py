"""The bundled digits split and the synthetic Gaussian mixture with its exact posterior."""

from __future__ import annotations

import numpy as np
import pytest

from skdcore.train import digits, gaussian_mixture
from skdcore.train.data import one_hot


def test_digits_split_is_stratified_and_deterministic():
    pytest.importorskip("sklearn")
    a, b = digits(), digits()
    assert a.x_train.shape[0] + a.x_test.shape[0] == 1797 and a.n_features == 64 and a.n_classes == 10
    assert np.array_equal(a.x_test, b.x_test) and np.array_equal(a.y_train, b.y_train)
    assert 0 <= a.x_train.min() and a.x_train.max() <= 1
    counts = np.bincount(a.y_test, minlength=10) / (
        np.bincount(a.y_test, minlength=10) + np.bincount(a.y_train, minlength=10)
    )
    assert np.all(np.abs(counts - 0.3) < 0.01)
    assert not np.array_equal(digits(seed=1).y_test, a.y_test)
    assert a.posterior_test is None


def test_gaussian_mixture_is_deterministic_with_the_bayes_posterior():
    a = gaussian_mixture(n_classes=5, dim=3, n_train=50, n_test=400, separation=2.0, seed=4)
    b = gaussian_mixture(n_classes=5, dim=3, n_train=50, n_test=400, separation=2.0, seed=4)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.posterior_test, b.posterior_test)
    eta = a.posterior_test
    assert eta.shape == (400, 5) and np.allclose(eta.sum(axis=1), 1.0, rtol=0, atol=8 * np.finfo(float).eps)
    # The Bayes rule is right about as often as its own confidence says (calibration of the exact posterior).
    bayes_accuracy = np.mean(np.argmax(eta, axis=1) == a.y_test)
    expected = np.mean(eta.max(axis=1))
    assert abs(bayes_accuracy - expected) < 4 * np.sqrt(expected * (1 - expected) / 400)


def test_one_hot():
    assert np.array_equal(one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])

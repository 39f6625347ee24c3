"""Data sets for the training loop, as host NumPy arrays.

* :func:`digits`: scikit-learn's bundled 8×8 handwritten digits (1797
  images, 10 classes; no download), pixels scaled to [0, 1], split into
  train and test by a stratified, seeded permutation.
* :func:`gaussian_mixture`: a deterministic synthetic set with many classes,
  x | y = c ~ N(μ_c, I_d), classes equiprobable, μ_c ~ N(0, s² I_d).  Its
  Bayes posterior is known in closed form,

      η_c(x) = P(y = c | x) = softmax_c(-‖x - μ_c‖² / 2),

  so the label noise σ²(x) = E‖Y - η(x)‖² = 1 - ‖η(x)‖² of Theorem VII.1 can
  be measured exactly (:attr:`Dataset.posterior_test`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Dataset", "digits", "gaussian_mixture", "DATASETS", "one_hot"]


@dataclass(frozen=True)
class Dataset:
    """Float64 features (N, d), int64 labels (N,), and the test posterior η (or None when unknown)."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    n_classes: int
    posterior_test: np.ndarray | None = None

    @property
    def n_features(self) -> int:
        return int(self.x_train.shape[1])


def one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    """(N,) integer labels -> (N, n_classes) float64 indicator rows."""
    return np.eye(n_classes)[y]


def _stratified_split(y: np.ndarray, test_fraction: float, rng: np.random.Generator):
    """Boolean test mask: round(test_fraction · count) random members of every class."""
    test = np.zeros(y.shape[0], dtype=bool)
    for c in np.unique(y):
        members = np.flatnonzero(y == c)
        test[rng.permutation(members)[: round(test_fraction * members.size)]] = True
    return test


def digits(*, test_fraction: float = 0.3, seed: int = 0) -> Dataset:
    """The scikit-learn digits, x = pixels / 16, stratified split (needs scikit-learn)."""
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x, y = bunch.data.astype(np.float64) / 16.0, bunch.target.astype(np.int64)
    test = _stratified_split(y, test_fraction, np.random.default_rng(seed))
    return Dataset("digits", x[~test], y[~test], x[test], y[test], 10)


def gaussian_mixture(
    *,
    n_classes: int = 32,
    dim: int = 32,
    n_train: int = 6000,
    n_test: int = 2000,
    separation: float = 0.6,
    seed: int = 0,
) -> Dataset:
    """Isotropic Gaussian mixture with equiprobable classes and means μ_c ~ N(0, separation² I)."""
    rng = np.random.default_rng(seed)
    means = rng.normal(0.0, separation, size=(n_classes, dim))

    def sample(n):
        y = rng.integers(0, n_classes, size=n)
        return means[y] + rng.normal(size=(n, dim)), y

    x_train, y_train = sample(n_train)
    x_test, y_test = sample(n_test)
    log_lik = -0.5 * ((x_test[:, None, :] - means[None, :, :]) ** 2).sum(axis=-1)
    log_lik -= log_lik.max(axis=1, keepdims=True)
    posterior = np.exp(log_lik)
    posterior /= posterior.sum(axis=1, keepdims=True)
    return Dataset("synthetic", x_train, y_train, x_test, y_test, n_classes, posterior)


DATASETS = {"digits": digits, "synthetic": gaussian_mixture}

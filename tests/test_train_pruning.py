"""Magnitude masks, sparsity schedules, and pruned weights staying exactly zero through training."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from skdcore.backend import to_numpy
from skdcore.losses import forward_kl
from skdcore.train import MLP, apply_masks, magnitude_masks, sparsity_schedule, train
from skdcore.train.pruning import mask_sparsity

fixture_ok = settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


def host(arrays):
    return [np.asarray(to_numpy(a)) for a in arrays]


@given(target=st.floats(0.0, 0.99), n=st.integers(1, 32))
def test_schedules_end_at_target_and_increase(target, n):
    for kind in ("equal", "cubic"):
        rho = sparsity_schedule(target, n, kind)
        assert len(rho) == n and rho[-1] == pytest.approx(target, abs=1e-15)
        assert all(b >= a for a, b in zip([0.0, *rho], rho))
    equal, cubic = sparsity_schedule(target, n, "equal"), sparsity_schedule(target, n, "cubic")
    assert all(e == target * k / n for k, e in enumerate(equal, 1))
    assert all(c >= e - 1e-15 for c, e in zip(cubic, equal))  # cubic prunes earlier (Zhu & Gupta)
    steps = np.diff([0.0, *cubic])
    assert np.all(np.diff(steps) <= 1e-15)  # and in shrinking steps


def test_schedule_rejects_bad_arguments():
    for args in ((1.0, 2), (-0.1, 2), (0.5, 0), (0.5, 1.5)):
        with pytest.raises(ValueError):
            sparsity_schedule(*args)
    with pytest.raises(ValueError, match="schedule"):
        sparsity_schedule(0.5, 2, "linear")


@fixture_ok
@given(
    shapes=st.lists(st.tuples(st.integers(1, 7), st.integers(1, 7)), min_size=1, max_size=3),
    rho=st.floats(0.0, 0.95),
    seed=st.integers(0, 2**32 - 1),
    ties=st.booleans(),
    scope=st.sampled_from(["global", "layer"]),
)
def test_magnitude_masks_prune_exact_counts_of_smallest(xp, shapes, rho, seed, ties, scope):
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=s) for s in shapes]
    if ties:  # many equal magnitudes: the count must still be exact
        weights = [np.round(w) for w in weights]
    masks = host(magnitude_masks([xp.asarray(w) for w in weights], rho, scope=scope))
    groups = [(weights, masks)] if scope == "global" else [([w], [m]) for w, m in zip(weights, masks)]
    for ws, ms in groups:
        mags = np.concatenate([np.abs(w).ravel() for w in ws])
        kept = np.concatenate([m.ravel() for m in ms])
        assert kept.dtype == bool
        assert np.count_nonzero(~kept) == round(rho * mags.size)
        if kept.any() and (~kept).any():
            assert mags[kept].min() >= mags[~kept].max()


@fixture_ok
@given(seed=st.integers(0, 2**32 - 1), scope=st.sampled_from(["global", "layer"]))
def test_masks_only_shrink(xp, seed, scope):
    """A weight pruned earlier stays pruned, however large it becomes."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(size=(6, 5)), rng.normal(size=(5, 4))]
    masks = magnitude_masks([xp.asarray(w) for w in weights], 0.3, scope=scope)
    grown = [np.where(m, w, 100.0) for w, m in zip(weights, host(masks))]
    later = host(magnitude_masks([xp.asarray(w) for w in grown], 0.6, scope=scope, masks=masks))
    for before, after in zip(host(masks), later):
        assert not np.any(after & ~before)
    assert mask_sparsity([xp.asarray(m) for m in later]) == pytest.approx(
        sum(round(0.6 * w.size) for w in weights) / sum(w.size for w in weights)
        if scope == "layer"
        else round(0.6 * 50) / 50
    )


def test_pruned_weights_stay_exactly_zero_through_training(xp):
    """Adam moves every weight (its update is ±lr-sized even for tiny gradients);
    the masks must still leave the pruned ones at exactly +0 after every step."""
    rng = np.random.default_rng(7)
    model = MLP((5, 8, 8, 4))
    params = model.init(rng, xp, xp.float64)
    masks = magnitude_masks(params[0::2], 0.7)
    params = apply_masks(params, masks)
    x = xp.asarray(rng.normal(size=(40, 5)))
    q = xp.asarray(rng.dirichlet(np.ones(4), size=40))
    trained = train(model, params, x, q, forward_kl, steps=25, batch_size=8, lr=0.05, rng=rng, masks=masks)
    for w0, w, m in zip(host(params[0::2]), host(trained[0::2]), host(masks)):
        assert np.all(w[~m] == 0) and not np.any(np.signbit(w[~m]))
        assert np.any(w[m] != w0[m])  # the live weights did train
    assert sum(int(np.count_nonzero(w)) for w in host(trained[0::2])) == sum(int(m.sum()) for m in host(masks))


def test_masks_reject_bad_arguments():
    w = [np.ones((2, 2))]
    with pytest.raises(ValueError, match="scope"):
        magnitude_masks(w, 0.5, scope="row")
    with pytest.raises(ValueError, match="sparsity"):
        magnitude_masks(w, 1.0)

"""The test-the-tester corpus: softening operators with realistic defects, and
correct operators written in different styles.

Each defective operator is a mistake one finds in real distillation code.
``DEFECTS`` lists, per operator, the (domain, check, verdict) results the
conformance engine must report; ``CORRECT`` lists operators that must get no
``violated`` verdict in the interior domain.  Some are written against the
array API (so the engine re-executes them at high precision), some are
hard-wired to NumPy (so it judges them against the floating-point bound):
both certification paths are exercised.
"""

from __future__ import annotations

import numpy as np
from array_api_compat import array_namespace

from skdcore import power

# ---------------------------------------------------------------------------
# defective


def epsilon_stabilised(p, T):
    """(p + 1e-8)^(1/T), normalised: the epsilon "avoids log(0)" and moves F_1(p) off p."""
    w = np.power(p + 1e-8, 1.0 / T)
    return w / np.sum(w)


def clipped(p, T):
    """Clip p to [1e-6, 1] before the power transform: distinct small entries tie at the floor."""
    xp = array_namespace(p)
    c = xp.clip(p, 1e-6, 1.0)
    return power(c / xp.sum(c), T, validate=False)


def quantised_temperature(p, T):
    """T snapped to a grid of 0.1 (for caching), floored at 0.1: jumps in T, no T -> 0 limit."""
    return power(p, max(round(T, 1), 0.1))


def top_k(p, T, k=3):
    """Keep the k most probable tokens of the power transform and renormalise."""
    xp = array_namespace(p)
    q = power(p, T)
    if q.shape[-1] <= k:
        return q
    threshold = xp.sort(q)[-k]
    kept = xp.where(q >= threshold, q, xp.zeros_like(q))
    return kept / xp.sum(kept)


def confident_passthrough(p, T):
    """Skip softening for confident predictions (max p > 0.9): a branch on the input."""
    xp = array_namespace(p)
    if float(xp.max(p)) > 0.9:
        return p
    return power(p, T)


def naive_power(p, T):
    """p^(1/T) / sum p^(1/T) evaluated directly: underflows to 0/0 at small T."""
    w = np.power(p, 1.0 / T)
    return w / np.sum(w)


def float32_internals(p, T):
    """A log-space softmax computed in float32 and cast back to the input dtype."""
    z = np.log(p.astype(np.float32)) / np.float32(T)
    w = np.exp(z - z.max())
    return (w / w.sum()).astype(p.dtype)


def miscalibrated_base_temperature(p, T):
    """A built-in extra softening (T_eff = 1.5 T): F_1(p) is not p."""
    return power(p, 1.5 * T)


def unchanged(p, T):
    """Softening disabled: returns p at every T (constant entropy, no limits)."""
    return p.copy()


def inverted_temperature(p, T):
    """p^T instead of p^(1/T): sharpens as T grows."""
    return power(p, 1.0 / T)


# ---------------------------------------------------------------------------
# correct


def logit_softmax(p, T):
    """softmax((log p - max log p) / T): the logit-space form, against the array API."""
    xp = array_namespace(p)
    z = xp.log(p)
    w = xp.exp((z - xp.max(z)) / T)
    return w / xp.sum(w)


def numpy_exp_log(p, T):
    """exp(log p / T) with a max-shift, hard-wired to NumPy."""
    with np.errstate(divide="ignore", over="ignore", under="ignore"):
        z = np.log(p) / T
        w = np.exp(z - z.max())
    return w / w.sum()


# ---------------------------------------------------------------------------
# expectations: (domain, check, verdict); verdicts listed per check are exact

DEFECTS = {
    epsilon_stabilised: [("interior", "identity", "violated")],
    clipped: [("interior", "ranking", "violated"), ("interior", "identity", "violated")],
    quantised_temperature: [("interior", "continuity", "violated"), ("interior", "boundary_cold", "violated")],
    top_k: [("interior", "ranking", "violated"), ("interior", "identity", "violated")],
    confident_passthrough: [("interior", "continuity", "violated")],
    naive_power: [("interior", "simplex", "numerical"), ("interior", "boundary_cold", "numerical")],
    float32_internals: [("interior", "identity", "violated")],
    miscalibrated_base_temperature: [("interior", "identity", "violated")],
    unchanged: [
        ("interior", "boundary_hot", "violated"),
        ("interior", "boundary_cold", "violated"),
        ("interior", "entropy", "holds"),
    ],
    inverted_temperature: [("interior", "entropy", "violated")],
}

CORRECT = [logit_softmax, numpy_exp_log, power]

"""Hostile operators are reported, never crash or hang the run."""

from __future__ import annotations

import threading
import time

import numpy as np
from array_api_compat import array_namespace

from proofs_checks import check_operator
from skdcore import power

_NEVER = threading.Event()


def raises_when_cold(p, T):
    if T < 1e-10:
        raise RuntimeError("temperature too small for my kernel")
    return power(p, T)


def drops_last_entry(p, T):
    return power(p, T)[:-1]


def returns_float32(p, T):
    return power(p, T).astype(np.float32)


def returns_list(p, T):
    return power(p, T).tolist()


def returns_nan_numpy(p, T):
    return np.full_like(p, np.nan)


def returns_nan_array_api(p, T):
    xp = array_namespace(p)
    return xp.full_like(p, xp.nan)


def hangs_when_hot(p, T):
    if T > 1e200:
        _NEVER.wait()
    return power(p, T)


def _simplex(op, **kwargs):
    report = check_operator(op, domain="interior", **kwargs)
    return report, report.result("simplex", "interior")


def test_an_exception_is_a_simplex_violation_and_the_run_goes_on():
    report, simplex = _simplex(raises_when_cold, checks=["simplex", "identity", "ranking"])
    assert simplex.verdict == "violated" and simplex.kind == "exception"
    assert simplex.error["type"] == "RuntimeError" and "kernel" in simplex.error["message"]
    assert "raises_when_cold" in simplex.error["traceback"]
    assert simplex.counterexample["T"] < 1e-10
    assert report.result("identity", "interior").verdict == "holds"
    assert report.result("ranking", "interior").examples > 0


def test_a_wrong_shape_is_reported_and_other_checks_are_not_evaluated():
    report, simplex = _simplex(drops_last_entry, checks=["simplex", "identity"])
    assert simplex.verdict == "violated" and simplex.kind == "output" and "shape" in simplex.summary
    identity = report.result("identity", "interior")
    assert identity.verdict == "holds" and identity.examples == 0 and "not evaluated" in identity.note


def test_a_wrong_dtype_is_reported():
    _, simplex = _simplex(returns_float32, checks=["simplex"])
    assert simplex.verdict == "violated" and simplex.kind == "protocol" and "float32" in simplex.summary


def test_a_wrong_namespace_is_reported():
    _, simplex = _simplex(returns_list, checks=["simplex"])
    assert simplex.verdict == "violated" and "not numpy.ndarray" in simplex.summary


def test_nan_is_numerical_in_numpy_and_violated_when_it_persists_at_high_precision():
    _, numpy_nan = _simplex(returns_nan_numpy, checks=["simplex"])
    assert numpy_nan.verdict == "numerical" and numpy_nan.kind == "non-finite"
    assert "not re-executed" in numpy_nan.certified_by
    _, portable_nan = _simplex(returns_nan_array_api, checks=["simplex"])
    assert portable_nan.verdict == "violated" and "persists" in portable_nan.certified_by


def test_a_hanging_call_is_timed_out_and_reported():
    start = time.monotonic()
    report, simplex = _simplex(hangs_when_hot, checks=["simplex", "identity"], timeout=0.3)
    assert time.monotonic() - start < 30
    assert simplex.verdict == "violated" and simplex.kind == "timeout"
    assert simplex.counterexample["T"] > 1e200 and report.timeouts >= 1
    assert "time limit" in simplex.certified_by

"""Truncation consistency (soften-then-truncate vs truncate-then-soften), certified or refuted."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest

from proofs_checks.truncation import check_truncation_consistency
from skdcore.operators import mix, power
from skdcore.reference import power_ref


def test_power_is_consistent_at_high_precision():
    result = check_truncation_consistency(power)
    assert result.verdict == "consistent" and result.certified_by == "high_precision"
    assert result.counterexample is None and result.cases == 70 and result.worst_ratio < 1


def test_power_is_consistent_within_the_float_bound():
    result = check_truncation_consistency(power, high_precision=None)
    assert result.verdict == "consistent" and result.certified_by == "float_bound"


def test_mix_is_refuted_with_a_small_certified_counterexample():
    result = check_truncation_consistency(mix)
    assert result.verdict == "inconsistent" and result.certified_by == "high_precision"
    ce = result.counterexample
    assert len(ce.p) == 2 and ce.kept == (0,) and ce.T == 2.0
    # trunc(mix(p)) = (1, 0) but mix(trunc(p)) = (3/4, 1/4) at α = 1/2.
    assert ce.soften_then_truncate == (1.0, 0.0) and ce.truncate_then_soften == (0.75, 0.25)
    assert ce.high_precision_discrepancy == ("2.500000e-01", "2.500000e-01")
    namespace = {"np": np, "mix": mix}
    exec(ce.snippet.replace("op = ", "op = mix  #"), namespace)  # the snippet reproduces it


def test_float_route_refutes_a_black_box_operator():
    clipped = partial(mix, alpha="clipped_reciprocal")  # identity for T <= 1, mixing above
    result = check_truncation_consistency(clipped, high_precision=None)
    assert result.verdict == "inconsistent" and result.certified_by == "float_bound"
    assert check_truncation_consistency(clipped).certified_by == "high_precision"  # it runs in skdcore.mp
    assert result.counterexample.T > 1
    assert result.counterexample.discrepancy > result.counterexample.bound


def test_float_route_certifies_a_correct_black_box_operator():
    def power_via_logs(p, T):
        with np.errstate(divide="ignore"):
            w = np.exp((np.log(p) - np.log(p.max())) / T)
        return w / w.sum()

    result = check_truncation_consistency(power_via_logs)
    assert result.verdict == "consistent" and result.certified_by == "float_bound"


def test_numerical_verdict_for_a_float_defect_of_a_consistent_operator():
    """Evaluating p^(1/T) directly underflows for small T and large gaps: the
    operator is consistent (its high-precision twin is power) but its float
    implementation is not."""

    def naive_power(p, T):
        with np.errstate(under="ignore", divide="ignore", invalid="ignore"):
            w = np.asarray(p, dtype=np.float32) ** np.float32(1 / T)
            total = w.sum()
            return (w / total if total > 0 else np.full_like(w, np.nan)).astype(np.float64)

    result = check_truncation_consistency(naive_power, high_precision=power_ref)
    assert result.verdict == "numerical" and result.counterexample.T == 1e-3
    assert not math.isfinite(result.counterexample.discrepancy)  # 0/0 after float32 underflow


def test_float32_operator_is_judged_at_float32_precision():
    result = check_truncation_consistency(power, dtype=np.float32, high_precision=None)
    assert result.verdict == "consistent"


def test_numerical_verdict_for_float32_internals():
    """power evaluated in float32 and returned as float64: finite, but beyond the float64 bound."""
    result = check_truncation_consistency(lambda p, T: np.asarray(power(p.astype(np.float32), T), dtype=np.float64),
                                          high_precision=power_ref)
    assert result.verdict == "numerical"
    ce = result.counterexample
    assert math.isfinite(ce.discrepancy) and ce.discrepancy > ce.bound
    assert float(ce.high_precision_discrepancy[1]) < 1e-25


def test_entropy_projection_certified_by_re_execution_in_skdcore_mp():
    """No reference is registered for it: the operator itself runs at 50 and 100 digits."""
    module = pytest.importorskip("skdcore.operators.entropy_projection")
    result = check_truncation_consistency(module.entropy_projection)
    assert result.verdict == "inconsistent" and result.certified_by == "high_precision"
    assert len(result.counterexample.p) == 3  # V = 2 cases are trivially consistent
    matched = check_truncation_consistency(partial(module.entropy_projection, schedule="power"), vocab_sizes=(3, 8))
    assert matched.verdict == "consistent" and matched.certified_by == "high_precision"

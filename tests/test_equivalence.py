"""check_equivalence reproduces what can be proven about KD-equivalence (paper, Section X).

Each test states the proven fact it checks (derivations: docs/equivalence.md
and the student modules).  Where the engine is run for an ``equivalent``
verdict a reduced budget is used (10 random teachers per domain plus the
explicit points): the point is that no false counterexample appears, and the
table test re-runs every cell at the ``ci`` budget's verdicts.
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from proofs_checks.equivalence import (
    EQUIVALENT,
    NOT_EQUIVALENT,
    UNDEFINED,
    check_equivalence,
)
from proofs_checks.equivalence_table import OPERATORS, mix_exponential
from proofs_checks.profiles import PROFILES
from proofs_checks.strategies import probability_vectors
from proofs_checks.truncation import check_truncation_consistency
from skdcore import entropy
from skdcore.errors import TemperatureError
from skdcore.operators import UnknownOperatorError, entropy_projection, mix, power
from skdcore.students import BoundedEntropy, TopK

EPS = float(np.finfo(np.float64).eps)
LIGHT = dataclasses.replace(PROFILES["ci"], examples=10)
ENTROPY_POWER = OPERATORS["entropy_power"]


def run_snippet(snippet: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(snippet, {})
    return out.getvalue()


# -- Theorem X.2: the unrestricted class -----------------------------------------------


def test_theorem_x2_one_map_two_implementations_are_equivalent():
    """entropy_projection with h(T) = H(power(p, T)) is the power transform, so F_T = G_T."""
    result = check_equivalence("power", ENTROPY_POWER, "simplex", profile=LIGHT)
    assert result.verdict == EQUIVALENT and result.counterexample is None
    assert result.teachers == 2 * (10 + 3)  # two domains, 10 drawn teachers and 3 explicit points each


@pytest.mark.parametrize("F, G", [("power", "mix"), ("mix", OPERATORS["mix_exponential"]), ("entropy", ENTROPY_POWER)])
def test_theorem_x2_distinct_maps_are_not_equivalent(F, G):
    result = check_equivalence(F, G, "simplex")
    assert result.verdict == NOT_EQUIVALENT
    ce = result.counterexample
    assert [r["digits"] for r in ce["high_precision"]] == [50, 100]
    assert ce["difference"]["kind"] == "student"
    i = ce["difference"]["index"]
    assert ce["target_F"][i] != ce["target_G"][i]  # under Δ^V the students are the targets
    assert np.array_equal([float.fromhex(h) for h in ce["p_hex"]], ce["p"])
    printed = run_snippet(ce["repro"]).splitlines()
    assert len(printed) == 2 and printed[0] != printed[1]


# -- hard labels ----------------------------------------------------------------------------


@pytest.mark.parametrize("F, G", [("power", "mix"), ("mix", OPERATORS["mix_exponential"]), ("power", ENTROPY_POWER)])
def test_hard_label_ranking_preserving_operators_are_equivalent(F, G):
    """argmax F_T(p) = argmax p = argmax G_T(p) (as sets) for operators that keep ranking and ties."""
    assert check_equivalence(F, G, "hard", profile=LIGHT).verdict == EQUIVALENT


def test_hard_label_entropy_projection_moves_the_argmax_on_the_boundary():
    """h(2) >= log|supp p| makes the reciprocal-schedule entropy projection uniform on the support."""
    result = check_equivalence("power", "entropy", "hard", profile=LIGHT)
    assert result.verdict == NOT_EQUIVALENT
    assert result.domains["interior"]["verdict"] == EQUIVALENT
    assert result.domains["boundary"]["verdict"] == NOT_EQUIVALENT
    ce = result.counterexample
    assert 0.0 in ce["p"] and ce["argmin_F"]["kind"] == "unique" and ce["argmin_G"]["kind"] == "ties"
    support = [i for i, x in enumerate(ce["p"]) if x > 0]
    assert ce["argmin_G"]["free"] == support  # every supported token is a maximum of G_T(p)


def test_hard_label_forward_one_hot_teachers_separate_the_operators():
    """Forward: {e_j} for a one-hot target, everything otherwise.  The power transform keeps
    one-hot teachers one-hot, convex mixing with α < 1 never returns a one-hot."""
    result = check_equivalence("power", "mix", "hard", direction="forward", profile=LIGHT)
    assert result.verdict == NOT_EQUIVALENT and result.domains["interior"]["verdict"] == EQUIVALENT
    ce = result.counterexample
    assert max(ce["p"]) == 1.0 and ce["argmin_F"]["kind"] == "unique" and ce["argmin_G"]["kind"] == "everything"
    assert check_equivalence("power", "entropy", "hard", direction="forward", profile=LIGHT).verdict == EQUIVALENT


def test_undefined_when_a_target_leaves_the_simplex():
    """Convex mixing at T < 1 extrapolates away from uniform (α = 2): negative entries,
    where KL(S‖q) is undefined."""
    result = check_equivalence("power", "mix", "hard", T=0.5, profile=LIGHT)
    assert result.verdict == UNDEFINED
    ce = result.counterexample
    assert ce["operator"] == "mix" and min(ce["target"]) < 0
    assert "at both" in result.certified_by


# -- top-k students and truncation consistency ----------------------------------------------


def truncate(x, kept):
    out = np.zeros_like(x)
    out[kept] = x[kept] / x[kept].sum()
    return out


@settings(max_examples=30)
@given(probability_vectors("interior", min_size=3, max_size=12), st.data())
def test_topk_projection_is_soften_then_truncate(p, data):
    """For a ranking-preserving F the top-k of F_T(p) is the top-k set K of p, so the Σ_k
    projection of F_T(p) is trunc_K(F_T(p)).  For the power transform, which is
    truncation-consistent, that is also F_T(trunc_K(p)): a top-k student distilled from the
    full teacher equals the softened top-k API teacher."""
    k = data.draw(st.integers(1, p.size - 1))
    order = np.argsort(-p, kind="stable")
    assume(p[order[k - 1]] > p[order[k]])  # no tie at the cut: the top-k set is unique
    kept = order[:k]
    T = data.draw(st.sampled_from([0.5, 2.0, 10.0]))
    for F in (power, mix, entropy_projection, mix_exponential):
        target = F(p, T)
        if np.any(target < 0) or not target[kept].min() > np.delete(target, kept).max():
            continue  # mix off the simplex (T < 1), or float64 lost the order at the cut (the entropy projection near uniform)
        student = TopK(k).project(target)
        np.testing.assert_allclose(student, truncate(target, kept), rtol=(k + 2) * EPS, atol=0)
    softened_truncated = power(truncate(p, kept), T)
    bound = 4 * EPS * (1 + np.abs(np.log(np.where(softened_truncated > 0, softened_truncated, 1))) + p.size)
    assert np.all(np.abs(TopK(k).project(power(p, T)) - softened_truncated) <= 2 * bound * softened_truncated)


def test_topk_equivalence_follows_truncation_consistency():
    """power is truncation-consistent and mix is not (certified by proofs_checks.truncation);
    under Σ_2, power ~ entropy_power (same map) and power ≁ mix, whose top-2 restrictions differ."""
    assert check_truncation_consistency(power).verdict == "consistent"
    assert check_truncation_consistency(mix).verdict == "inconsistent"
    assert check_equivalence("power", ENTROPY_POWER, "topk:2", profile=LIGHT).verdict == EQUIVALENT
    result = check_equivalence("power", "mix", "topk:2")
    assert result.verdict == NOT_EQUIVALENT
    ce = result.counterexample
    kept = np.argsort(-np.array(ce["p"]), kind="stable")[:2]
    expected = truncate(np.array(ce["target_F"], dtype=np.float64), kept)
    np.testing.assert_allclose(ce["argmin_F"]["student"], expected, rtol=4 * EPS)


# -- bounded entropy ----------------------------------------------------------------------


@settings(max_examples=25)
@given(probability_vectors("interior", max_size=10), st.sampled_from([0.1, 0.5, 1.0]))
def test_bounded_entropy_forgets_where_on_the_escort_path_the_target_was(p, h):
    """power and the entropy projection both return escorts p^β; above entropy h both project
    to p's escort of entropy h, whatever β they had."""
    a, b = power(p, 2.0), entropy_projection(p, 2.0)
    assume(float(entropy(a)) > h + 1e-6 and float(entropy(b)) > h + 1e-6)
    cls = BoundedEntropy(h)
    A, B = cls.argmin(a), cls.argmin(b)
    limit_a = cls.sensitivity(a, A, 4 * EPS * a, "reverse", EPS)
    limit_b = cls.sensitivity(b, B, 4 * EPS * b, "reverse", EPS)
    assume(limit_a is not None and limit_b is not None)
    assert np.all(np.abs(A.student - B.student) <= 2 * (limit_a + limit_b) + 8 * EPS * A.student)


def test_bounded_entropy_separates_targets_below_the_bound():
    """...but a target with entropy below h is its own projection: not equivalent."""
    result = check_equivalence("power", "entropy", "entropy:h=0.5")
    assert result.verdict == NOT_EQUIVALENT
    ce = result.counterexample
    assert min(float(entropy(np.array(ce["target_F"]))), float(entropy(np.array(ce["target_G"])))) <= 0.5


# -- certification without high precision -------------------------------------------------


def numpy_power(p, T):
    """The power transform hard-wired to float64 NumPy (cannot run on skdcore.mp)."""
    p = np.asarray(p, dtype=np.float64)
    with np.errstate(divide="ignore"):
        z = (np.log(p) - np.log(p.max())) / T
    w = np.exp(z)
    return w / w.sum()


def test_float_route_certifies_by_the_propagated_rounding_bound():
    result = check_equivalence(numpy_power, "mix", "topk:2")
    assert result.verdict == NOT_EQUIVALENT
    assert "first-order propagation" in result.certified_by and not result.counterexample["high_precision"]
    assert any("high precision unavailable" in n for n in result.notes)


def test_float_route_finds_no_false_counterexample():
    for student in ("simplex", "topk:2", "entropy:h=0.5", "loglinear:d=2,seed=0"):
        assert check_equivalence(numpy_power, "power", student, profile=LIGHT).verdict == EQUIVALENT, student


def test_float32_teachers_are_judged_on_the_float32_simplex():
    result = check_equivalence("power", ENTROPY_POWER, "topk:2", dtype=np.float32, profile=LIGHT)
    assert result.verdict == EQUIVALENT and not any(info["skipped"] for info in result.domains.values())
    assert check_equivalence("power", "mix", "topk:2", dtype=np.float32).verdict == NOT_EQUIVALENT


# -- sanity and API ------------------------------------------------------------------------


@pytest.mark.parametrize("student", ["hard", "support:0,1", "loglinear:d=2,seed=0", "entropy:h=0.5"])
def test_an_operator_is_equivalent_to_itself(student):
    sample = dataclasses.replace(LIGHT, examples=5)
    for direction in ("reverse", "forward"):
        assert check_equivalence("mix", "mix", student, direction=direction, profile=sample).verdict == EQUIVALENT


def test_result_is_json_and_readable():
    result = check_equivalence("power", "mix", "hard", direction="forward", profile=LIGHT, seed=3)
    data = json.loads(result.to_json())
    assert data["verdict"] == "not equivalent" and data["seed"] == 3 and data["student"] == "hard"
    assert set(data["domains"]) == {"interior", "boundary"}
    text = result.describe()
    assert "NOT EQUIVALENT" in text and "reproduce with:" in text and "certified by:" in text


def test_bad_arguments_raise():
    with pytest.raises(TemperatureError):
        check_equivalence("power", "mix", "hard", T=0.0)
    with pytest.raises(ValueError, match="direction"):
        check_equivalence("power", "mix", "hard", direction="both")
    with pytest.raises(UnknownOperatorError):
        check_equivalence("power", "no_such_operator", "hard")
    with pytest.raises(ValueError, match="accepted forms"):
        check_equivalence("power", "mix", "topk:zero")

"""Reports: the JSON format, the table, and the reproduction snippets."""

from __future__ import annotations

import contextlib
import io
import json

import numpy as np
import pytest

from proofs_checks import VERDICTS, check_operator
from proofs_checks.report import reports_to_json

from defective_operators import clipped, miscalibrated_base_temperature, naive_power

RESULT_KEYS = {
    "domain",
    "check",
    "verdict",
    "certified_by",
    "kind",
    "summary",
    "counterexample",
    "output",
    "reference",
    "bound",
    "margin",
    "high_precision",
    "t_range",
    "details",
    "repro",
    "error",
    "examples",
    "skipped",
    "duration_s",
    "note",
}


@pytest.fixture(scope="module")
def report():
    return check_operator(clipped, domain="both", checks=["ranking", "identity"])


def test_json_document_follows_the_documented_format(report):
    document = json.loads(reports_to_json([report]))
    assert isinstance(document, list) and len(document) == 1
    entry = document[0]
    assert entry["operator"] == "clipped" and entry["format"] == 1 and entry["seed"] == 0
    assert entry["domains"] == ["interior", "boundary"]
    assert len(entry["results"]) == 4
    for result in entry["results"]:
        assert set(result) == RESULT_KEYS
        assert result["verdict"] in VERDICTS
        if result["verdict"] != "holds":
            assert result["certified_by"] and result["repro"] and result["summary"]


def test_counterexamples_are_exact(report):
    ce = report.result("ranking", "interior").counterexample
    assert [float.fromhex(h) for h in ce["p_hex"]] == ce["p"]
    assert float.fromhex(ce["T_hex"]) == ce["T"] and ce["V"] == len(ce["p"])


def test_high_precision_evidence_is_recorded(report):
    ranking = report.result("ranking", "interior")
    assert ranking.verdict == "violated"
    assert [e["digits"] for e in ranking.high_precision][0] >= 50
    assert all(e["status"] == "hard" for e in ranking.high_precision)


def test_non_finite_values_are_valid_json():
    report = check_operator(naive_power, domain="interior", checks=["simplex"])
    simplex = report.result("simplex", "interior")
    assert simplex.verdict == "numerical" and simplex.t_range[0] <= simplex.counterexample["T"] <= simplex.t_range[1]
    text = report.to_json()
    assert "NaN" not in text.replace('"nan"', "")  # strict JSON: NaN is written as a string
    assert json.loads(text)["results"][0]["output"][0] == "nan"


def test_table_shows_the_grid_and_the_evidence(report):
    table = report.table()
    assert table.splitlines()[0].startswith("clipped  (profile ci, seed 0")
    assert ["ranking", "violated", "violated"] in [line.split() for line in table.splitlines()]
    assert "[interior] ranking violated:" in table and "certified by:" in table


def test_repro_snippet_reproduces_the_finding():
    report = check_operator(miscalibrated_base_temperature, domain="interior", checks=["identity"])
    identity = report.result("identity", "interior")
    assert identity.verdict == "violated"
    assert "resolve_operator('defective_operators:miscalibrated_base_temperature')" in identity.repro
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(identity.repro, {})
    assert "identity violated" in out.getvalue()


def test_describe_puts_the_headline_first(report):
    ranking = report.result("ranking", "interior")
    assert ranking.describe().startswith("[interior] ranking violated: q[")
    assert np.isfinite(ranking.duration_s)

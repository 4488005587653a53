"""The JSONL evaluation harness, and the dev set at 100%."""

import io
import json
from pathlib import Path

import pytest

from sharing.policy.evaluation import agency_from_case, main, run_evaluation

DEV = Path(__file__).resolve().parents[2].parent / "shared" / "policy-cases" / "dev.jsonl"


@pytest.mark.skipif(not DEV.exists(), reason="shared/policy-cases/dev.jsonl not present")
def test_dev_set_scores_100_percent():
    out = io.StringIO()
    report = run_evaluation(DEV, out)
    assert report.total >= 26
    assert report.misses == [], out.getvalue()
    assert report.share_right == 1.0
    assert "Share right: " in out.getvalue()


def test_harness_reports_misses_and_share(tmp_path):
    cases = [
        {
            "id": "a",
            "reason": "stolen vehicle from driveway",
            "case_number": "1",
            "offense": "vehicle theft",
            "agency": "Kent PD",
            "agency_kind": "local",
            "agency_state": "WA",
            "expect": "allow",
            "why": "legit",
        },
        {
            "id": "b",
            "reason": "ICE",
            "case_number": "2",
            "offense": "other",
            "agency": "Kent PD",
            "agency_kind": "local",
            "agency_state": "WA",
            "expect": "allow",
            "why": "deliberately wrong",
        },
    ]
    path = tmp_path / "cases.jsonl"
    path.write_text("\n".join(json.dumps(c) for c in cases) + "\n\n")
    out = io.StringIO()
    report = run_evaluation(path, out)
    assert report.total == 2 and report.correct == 1 and [m.id for m in report.misses] == ["b"]
    text = out.getvalue()
    assert "MISS" in text and "prohibited_purpose.immigration" in text and "1/2 = 50.0%" in text
    assert main([str(path)]) == 1


def test_agency_from_case_flags_immigration_agencies():
    assert agency_from_case(
        {"agency": "U.S. Border Patrol", "agency_kind": "federal"}
    ).immigration_enforcement
    assert not agency_from_case(
        {"agency": "DEA Seattle Division", "agency_kind": "federal"}
    ).immigration_enforcement
    assert agency_from_case({"agency": "X", "agency_kind": "weird"}).kind == "local"


def test_main_usage():
    assert main([]) == 2

import json

import pytest
from django.core.management import CommandError, call_command


def test_policy_eval_reports_share_right_and_fails_on_a_miss(tmp_path, capsys):
    cases = tmp_path / "cases.jsonl"
    line = {
        "id": "x1",
        "reason": "ICE hold",
        "case_number": "26-1",
        "offense": "other",
        "agency": "Kent PD",
        "agency_kind": "local",
        "agency_state": "WA",
        "why": "immigration",
    }
    cases.write_text(json.dumps({**line, "expect": "deny"}) + "\n")
    call_command("policy_eval", str(cases))
    assert "1/1" in capsys.readouterr().out
    cases.write_text(json.dumps({**line, "expect": "allow"}) + "\n")
    with pytest.raises(CommandError, match="1 miss"):
        call_command("policy_eval", str(cases))


def test_policy_eval_rejects_a_missing_file(tmp_path):
    with pytest.raises(CommandError, match="No such file"):
        call_command("policy_eval", str(tmp_path / "absent.jsonl"))

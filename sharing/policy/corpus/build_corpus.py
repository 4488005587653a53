"""Build ``cases.jsonl`` from the hand-written ``cases.txt`` (one case a line).

Each case gets a stable id (its family, language and line number) and a fixed split: ``test``
when a seeded SHA-256 of the id falls in the lowest 30%, else ``train``. The split never
changes when lines are added at the end. Run: ``python sharing/policy/corpus/build_corpus.py``.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
SEED = "steward-policy-corpus-v1"
STATES = {"WA": "WA", "CA": "CA", "IL": "IL", "OTHER": "TX"}
AGENCIES = {"WA": "Kent PD", "CA": "Fresno PD", "IL": "Peoria PD", "OTHER": "Austin PD"}


def split_of(case_id: str) -> str:
    h = int(hashlib.sha256(f"{SEED}:{case_id}".encode()).hexdigest()[:8], 16)
    return "test" if h % 100 < 30 else "train"


def build() -> list[dict[str, Any]]:
    cases = []
    for n, line in enumerate((HERE / "cases.txt").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        lang, family, expect, preset, offense, reason = line.split("|", 5)
        case_id = f"c{n:04d}"
        cases.append(
            {
                "id": case_id,
                "reason": reason,
                "case_number": f"26-{n:05d}",
                "offense": offense,
                "agency": AGENCIES[preset],
                "agency_kind": "local",
                "agency_state": STATES[preset],
                "preset": preset,
                "expect": expect,
                "why": family,
                "family": family,
                "lang": lang,
                "split": split_of(case_id),
            }
        )
    return cases


if __name__ == "__main__":
    rows = build()
    with open(HERE / "cases.jsonl", "w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} cases, {sum(r['split'] == 'test' for r in rows)} in the test split")

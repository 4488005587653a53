"""Build ``cases.jsonl`` from the hand-written ``cases.txt`` (one case a line).

Each case gets a stable id (its family, language and line number) and a fixed split: ``test``
when a seeded SHA-256 of the id falls in the lowest 30%, else ``train``. The split never
changes when lines are added at the end. Run: ``python sharing/policy/corpus/build_corpus.py``.

The preset field may carry overrides after semicolons, e.g. ``WA;case=TBD`` (the case number the
searcher typed, instead of the generated ``26-NNNNN``) or
``OTHER;agency=U.S. Border Patrol;kind=federal;state=TX`` (who is searching). Keys: ``case``,
``agency``, ``kind`` (local, state, federal), ``state``. See README.md in this folder.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

HERE = Path(__file__).parent
SEED = "steward-policy-corpus-v1"
STATES = {"WA": "WA", "CA": "CA", "IL": "IL", "OTHER": "TX"}
AGENCIES = {"WA": "Kent PD", "CA": "Fresno PD", "IL": "Peoria PD", "OTHER": "Austin PD"}


def split_of(case_id: str) -> str:
    h = int(hashlib.sha256(f"{SEED}:{case_id}".encode()).hexdigest()[:8], 16)
    return "test" if h % 100 < 30 else "train"


def build() -> list[dict]:
    cases = []
    for n, line in enumerate((HERE / "cases.txt").read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        lang, family, expect, preset, offense, reason = line.split("|", 5)
        preset, *extra = preset.split(";")
        opts = dict(item.split("=", 1) for item in extra)
        unknown = set(opts) - {"case", "agency", "kind", "state"}
        if unknown:
            raise ValueError(f"cases.txt line {n}: unknown override(s) {sorted(unknown)}")
        case_id = f"c{n:04d}"
        cases.append(
            {
                "id": case_id,
                "reason": reason,
                "case_number": opts.get("case", f"26-{n:05d}"),
                "offense": offense,
                "agency": opts.get("agency", AGENCIES[preset]),
                "agency_kind": opts.get("kind", "local"),
                "agency_state": opts.get("state", STATES[preset]),
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

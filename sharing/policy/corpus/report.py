"""Score the labelled corpus: share right, held, legitimate refused, per family and language.

Run: ``python -m sharing.policy.corpus.report [train|test|all] [--from=ID] [--counts]`` (default
``test``). ``--from=c1541`` scores only the cases from that id on (a later generation of writers);
``--counts`` prints the figures and tables without the misses (to score a split without reading it).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

from sharing.policy.evaluation import evaluate_case

CORPUS = Path(__file__).with_name("cases.jsonl")


def case_number(case_id: str) -> int:
    return int(case_id.lstrip("c"))


def report(split: str = "test", first: str | None = None) -> dict[str, Any]:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if split == "all" or r["split"] == split]
    if first is not None:
        rows = [r for r in rows if case_number(r["id"]) >= case_number(first)]
    table: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0])  # n, right, held
    right = held = legit = legit_stopped = 0
    misses = []
    for r in rows:
        res = evaluate_case(r)
        for key in (("family", r["family"]), ("lang", r["lang"])):
            cell = table[key]
            cell[0] += 1
            cell[1] += res.correct
            cell[2] += res.got == "hold"
        right += res.correct
        held += res.got == "hold"
        if r["expect"] == "allow":
            legit += 1
            legit_stopped += res.got != "allow"
        if not res.correct:
            misses.append(
                f"{r['id']} [{r['family']}/{r['lang']}] expected {r['expect']}, got {res.got}: {r['reason']}"
            )
    return {
        "split": split,
        "total": len(rows),
        "right": right,
        "held": held,
        "legit": legit,
        "legit_stopped": legit_stopped,
        "table": {f"{k[0]}:{k[1]}": v for k, v in sorted(table.items())},
        "misses": misses,
    }


def main(argv: list[str]) -> int:
    options = {a.split("=", 1)[0]: a.split("=", 1)[-1] for a in argv if a.startswith("--")}
    positional = [a for a in argv if not a.startswith("--")]
    r = report(positional[0] if positional else "test", first=options.get("--from"))
    print(f"split {r['split']}: right {r['right']}/{r['total']} = {r['right'] / max(r['total'], 1):.1%}")
    print(f"held {r['held']}; legitimate refused or held {r['legit_stopped']}/{r['legit']}")
    print("| group | n | right | held |\n|---|---|---|---|")
    for key, (n, ok, h) in r["table"].items():
        print(f"| {key} | {n} | {ok} | {h} |")
    for m in r["misses"]:
        if "--counts" not in options:
            print("MISS", m)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

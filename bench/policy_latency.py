"""Policy engine latency per decision: p50 / p95 over the labelled corpus (cold caches each pass).

Run: ``python bench/policy_latency.py`` (no database needed).
"""

from __future__ import annotations

import json
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sharing.policy import (
    screen,  # noqa: E402
    text,  # noqa: E402
)
from sharing.policy.engine import evaluate_search  # noqa: E402
from sharing.policy.evaluation import policy_for_case, request_from_case  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "sharing" / "policy" / "corpus" / "cases.jsonl"


def _clear_caches() -> None:
    for fn in (screen.normalize, screen._facts, screen._fold_mixed_word, text.analyze):
        fn.cache_clear()


def main() -> int:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    screen.lexicon()  # loaded once per process, like the server
    timings: list[float] = []
    for _ in range(3):
        _clear_caches()
        for row in rows:
            req, policy = request_from_case(row), policy_for_case(row)
            t0 = time.perf_counter()
            evaluate_search(req, policy)
            timings.append((time.perf_counter() - t0) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(len(timings) * 0.95) - 1]
    print(f"{len(timings)} decisions: p50 {p50:.1f} ms, p95 {p95:.1f} ms, max {timings[-1]:.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Policy engine latency: p50 / p95 / max per decision, one process, the engine loaded once.

    .venv/bin/python bench/policy_latency.py [--cases ../shared/policy-cases/dev.jsonl] [--rounds 20]

Each request is decided ``--rounds`` times with the engine's analysis cache cleared before every
decision, so each timing includes normalisation, tokenisation and every lexicon pass (no cache
hits, a fresh sentence embedding and classifier pass each time). Requests: the cases file plus a built-in mix of long, multilingual and obfuscated reasons.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from sharing.policy import ENGINE_VERSION, evaluate_search, presets  # noqa: E402
from sharing.policy import classifier as policy_classifier  # noqa: E402
from sharing.policy import screen as policy_screen  # noqa: E402
from sharing.policy import text as policy_text  # noqa: E402
from sharing.policy.evaluation import request_from_case  # noqa: E402

EXTRA_REASONS = [
    "armed robbery at the 5th Ave pharmacy on 3 May, suspect fled in a grey sedan, partial plate seen by clerk",
    "Ice asked us to find where this van parks overnight",
    "d.e.p.o.r.t.a.t.i.o.n target, \u0456mm\u0456grat\u0456on follow-up",
    "forced labor trafficking of orchard workers without papers, suspect box truck seen on I-90",
    "помочь найти нелегального мигранта для депортации",
    "车辆被盗，嫌疑人驾车逃离现场",
    "estafa contra inmigrantes, camioneta del sospechoso vista en la calle 4",
    "xác định vị trí người bị trục xuất",
    "차량 도난 사건 용의자 차량",
    "list cars at tuesday's council meeting and the petition drive",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=Path, default=Path("../shared/policy-cases/dev.jsonl"))
    parser.add_argument("--rounds", type=int, default=20)
    args = parser.parse_args()

    cases = []
    if args.cases.is_file():
        cases = [
            json.loads(line) for line in args.cases.read_text(encoding="utf-8").splitlines() if line.strip()
        ]
    base = {"case_number": "26-1000", "offense": "other", "agency": "Kent PD", "agency_state": "WA"}
    cases += [{**base, "reason": r} for r in EXTRA_REASONS]
    requests = [request_from_case(c) for c in cases]
    policy = presets.washington()

    evaluate_search(requests[0], policy)  # imports, tables and models loaded once, outside the timing
    model = policy_classifier.load()
    timings: list[float] = []
    cpu: list[float] = []  # CPU time of this process: what the decision costs on a quiet machine
    for _ in range(args.rounds):
        for request in requests:
            policy_text.analyze.cache_clear()
            for cached in (
                policy_screen.normalize,
                policy_screen._facts,
                policy_screen._roles,
                policy_screen.find,
                policy_screen._positions,
                policy_screen._fold_mixed_word,
                policy_classifier.embed,
            ):
                cached.cache_clear()
            if model is not None:
                model.memo.clear()
            start, cpu_start = time.perf_counter(), time.process_time()
            evaluate_search(request, policy)
            timings.append((time.perf_counter() - start) * 1000)
            cpu.append((time.process_time() - cpu_start) * 1000)
    timings.sort()
    p50 = statistics.median(timings)
    p95 = timings[int(0.95 * (len(timings) - 1))]
    print(
        f"policy engine {ENGINE_VERSION} on {platform.processor() or platform.machine()}, python {platform.python_version()}"
    )
    print(
        f"{len(timings)} decisions ({len(requests)} requests x {args.rounds} rounds), no analysis, "
        f"embedding or classifier cache; classifier {policy_classifier.version()}"
    )
    print(f"wall: p50 {p50:.2f} ms   p95 {p95:.2f} ms   max {timings[-1]:.2f} ms")
    cpu.sort()
    print(
        f"cpu:  p50 {statistics.median(cpu):.2f} ms   p95 {cpu[int(0.95 * (len(cpu) - 1))]:.2f} ms   "
        f"max {cpu[-1]:.2f} ms   (load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

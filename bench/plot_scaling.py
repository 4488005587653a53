"""Draw the cost curves of docs/scaling.md from the JSON lines the benches append (``--json``).

    .venv/bin/python bench/plot_scaling.py var/scaling.jsonl docs/scaling.png

Needs matplotlib (not a dependency of Steward: install it beside the benches if it is missing).
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict


def main(source: str, target: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = [json.loads(line) for line in open(source) if line.strip()]
    figure, (search, hits, ingest) = plt.subplots(1, 3, figsize=(15, 4.2))

    curves: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for row in rows:
        if row["bench"] == "search":
            for result in row["results"]:
                curves[result["label"]].append((row["reads"], result["p95"]))
    for label, points in sorted(curves.items()):
        if "no match" in label or "4 chars" in label:
            continue
        points.sort()
        search.plot([x / 1e6 for x, _ in points], [y for _, y in points], marker="o", label=label)
    search.set(title="Search p95 vs reads in the city", xlabel="million reads (partitioned)", ylabel="ms")
    search.set_xscale("log")
    search.legend(fontsize=7)

    # Hits: the latest round of runs (``--round``), before and after, one curve per Daphne count;
    # rows of earlier rounds are kept in the file, not drawn.
    one_read = [row for row in rows if row["bench"] == "hits" and row["batch"] == 1]
    latest = max((row.get("round", "") for row in one_read), default="")
    by_processes: dict[tuple[str, int], list[tuple[int, float]]] = defaultdict(list)
    for row in one_read:
        if row.get("round", "") == latest:
            key = (row.get("code", "after"), row["daphnes"])
            by_processes[key].append((row["dispatchers"], row["last_from_send_p95"]))
    for (code, daphnes), points in sorted(by_processes.items()):
        points.sort()
        hits.plot(
            [x for x, _ in points],
            [y for _, y in points],
            marker="o",
            linestyle="--" if code == "before" else "-",
            label=f"{code}: request sent -> last dispatcher, {daphnes} Daphne",
        )
    if by_processes:
        hits.axhline(250, color="grey", linestyle="--", label="goal 250 ms")
    hits.set(
        title=f"Hit p95 vs dispatchers ({latest or 'all runs'})", xlabel="dispatchers", ylabel="ms (log)"
    )
    hits.set_yscale("log")
    hits.legend(fontsize=7)

    measured = sorted(
        (
            row
            for row in rows
            if row["bench"] == "hits" and row["batch"] > 1 and "reads_per_cpu_second" in row
        ),
        key=lambda row: (row["batch"], row["daphnes"], row.get("code", "after") != "before"),
    )
    if measured:
        labels = [f"{row.get('code', 'after')}\n{row['batch']}/req {row['daphnes']}D" for row in measured]
        positions = range(len(measured))
        ingest.bar(
            [p - 0.2 for p in positions],
            [row["reads_per_second"] for row in measured],
            0.4,
            label="reads/s (wall, shared)",
        )
        ingest.bar(
            [p + 0.2 for p in positions],
            [row["reads_per_cpu_second"] for row in measured],
            0.4,
            label="reads per server CPU-second",
        )
        ingest.set_xticks(list(positions), labels, fontsize=6)
        ingest.axhline(5000, color="grey", linestyle="--", label="goal 5,000 reads/s")
        ingest.legend(fontsize=7)
    ingest.set(
        title="Batched ingest over HTTP (4 senders)",
        xlabel="code, reads per request, Daphne processes",
        ylabel="reads",
    )

    figure.tight_layout()
    figure.savefig(target, dpi=110)
    print(f"wrote {target}")


if __name__ == "__main__":
    main(*sys.argv[1:3])

"""Train the semantic screen's classifier on the corpus's **train split only** (seeded, reproducible).

    python -m sharing.policy.train_classifier            # writes data/classifier.{json,npz}
    python -m sharing.policy.train_classifier --compare  # first compares every feature set

1. Labels: what each train request is *for* (``none`` for a legitimate one; the family for a
   refused immigration / First Amendment / reproductive / gender-affirming care one). Vague reasons
   and placeholder case numbers (decided by other rules) and requests refused for the searching
   agency alone are left out.
2. Features: :func:`sharing.policy.classifier.features` (sentence embedding + the concept screen).
3. A multinomial logistic regression (numpy, full-batch gradient descent with L2, fixed seed for the
   fold assignment), its L2 strength picked by 5-fold cross-validated log-loss on the train split.
4. The five thresholds of :func:`sharing.policy.classifier.settle` picked on out-of-fold
   predictions, repeated over ``REPEATS`` different fold assignments (summed): run every train
   request through the whole engine with the model of the fold that did not see it. Both of the
   issue's goals count, each with a margin: among the combinations with at most 1 % of legitimate
   requests refused or held, those whose out-of-fold right reaches ``RIGHT_TARGET`` (97.5 %), and of
   them the one with the fewest legitimate stopped. When none under the budget reaches it, the
   right rate comes first (a wrong refusal is held for a supervisor and can be undone, a search that
   ran cannot): the fewest legitimate stopped among all combinations reaching ``RIGHT_TARGET``;
   only if none does, the most right at or under ``LEGIT_TARGET`` (0.75 %). (A legitimate-stopped target alone, 0.5 % or 0.75 %, chose thresholds
   whose out-of-fold right was under the 97 % goal.) The test split is never read.

Options: ``--compare`` (every feature set of ``VARIANTS``), ``--variants=5,6`` (some of them),
``--variant=N`` (one), ``-v`` (every threshold combination's figures), ``--misses`` (the
out-of-fold misses at the chosen thresholds), ``--writers=N`` (only compare the feature sets
trained on the requests before corpus line N and scored on the later writers' requests; writes
nothing).
"""

from __future__ import annotations

import itertools
import json
import sys
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from . import classifier as C
from . import screen as S
from .evaluation import evaluate_case, request_from_case
from .text import looks_like_immigration_agency

CORPUS = Path(__file__).with_name("corpus") / "cases.jsonl"
SEED = 20261202
FOLDS = 5
LEGIT_BUDGET = 0.01  # the goal
RIGHT_TARGET = 0.975  # out-of-fold right wanted: a margin over the 97 % goal
LEGIT_TARGET = 0.0075  # what the thresholds are chosen for out of fold: a margin under the goal
REPEATS = 2  # fold assignments (seeds SEED, SEED + 1, ...) the threshold search sums over
L2_GRID = (0.01, 0.03)
HOLD_AT = (0.7, 0.9, 0.95, 1.01)
HOLD_AT_BARE = (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.01)
ALLOW_BELOW = (0.3, 0.5, 0.7)
REFUSE_AT = (0.97, 1.01)
RELEASE_BELOW = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7)
# feature sets compared out of fold (log-loss and share right of the classifier alone); the one
# with the lowest log-loss is used. (blocks, n-gram weight)
VARIANTS: tuple[tuple[tuple[str, ...], float], ...] = (
    (("embedding",), 1.0),
    (("embedding", "screen"), 1.0),
    (("ngram",), 8.0),
    (("ngram", "screen"), 8.0),
    (("embedding", "screen", "ngram"), 4.0),
    (("embedding", "screen", "ngram"), 8.0),
    (("embedding", "screen", "ngram"), 16.0),
    (("embedding", "screen", "ngram"), 32.0),
    (("embedding", "screen", "ngram"), 64.0),
)
# embedding + screen + n-grams (weight 16): out of fold weight 32 has the lower log-loss, but trained
# on the first writers' requests and scored on the later, unseen writers' (``--writers=1541``)
# weight 16 is best; the n-grams learn surface forms that recur within a writer (docs/policy.md)
CHOSEN_VARIANT = 6

_FAMILY_LABEL = {
    "immigration": "immigration",
    "immigration_statute": "immigration",
    "immigration_agency": "immigration",
    "immigration_obfuscation": "immigration",
    "immigration_sidedoor": "immigration",
    "first_amendment": "first_amendment",
    "reproductive": "reproductive",
    "reproductive_gender": "gender_care",
    "repro_other": "reproductive",  # allowed only because the OTHER preset does not prohibit it
}

Array = npt.NDArray[np.float64]


def label_of(case: dict[str, str]) -> str | None:
    if looks_like_immigration_agency(case.get("agency", "")):
        return None  # refused for who is searching, whatever the words
    if case["family"] in _FAMILY_LABEL:
        return _FAMILY_LABEL[case["family"]]
    if case["expect"] == "allow":
        return "none"
    return None  # vague reasons, placeholder case numbers


def train_rows() -> list[dict[str, str]]:
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r for r in rows if r["split"] == "train"]


def fit(x: Array, y: npt.NDArray[np.int64], l2: float, iters: int = 600) -> tuple[Array, Array]:
    """Multinomial logistic regression, class-balanced, by full-batch gradient descent."""
    n, d = x.shape
    k = len(C.CLASSES)
    w = np.zeros((k, d))
    b = np.zeros(k)
    onehot = np.eye(k)[y]
    counts = np.bincount(y, minlength=k).astype(float)
    sample_w = (n / (k * np.maximum(counts, 1)))[y]
    lr = 0.5
    for _ in range(iters):
        z = x @ w.T + b
        z -= z.max(axis=1, keepdims=True)
        p = np.exp(z)
        p /= p.sum(axis=1, keepdims=True)
        g = (p - onehot) * sample_w[:, None] / n
        w -= lr * (g.T @ x + l2 * w)
        b -= lr * g.sum(axis=0)
    return w, b


def probs(w: Array, b: Array, x: Array) -> Array:
    z = x @ w.T + b
    z -= z.max(axis=1, keepdims=True)
    p: Array = np.exp(z)
    out: Array = p / p.sum(axis=1, keepdims=True)
    return out


def standardise(x: Array) -> tuple[Array, Array]:
    mean = x.mean(axis=0)
    scale = np.maximum(x.std(axis=0), 1e-3)
    return mean, scale


def idf_of(x: Array) -> Array:
    """Smoothed inverse document frequency of the hashed n-grams over the rows ``x``."""
    df = (x[:, C.N_EMBED + C.N_SCREEN :] > 0).sum(axis=0)
    out: Array = np.log((1 + len(x)) / (1 + df)) + 1.0
    return out


def design(
    x: Array, blocks: tuple[str, ...], weight: float, ref: Array | None = None
) -> tuple[Array, Array, Array, Array]:
    """(model input, mean, scale, idf) with standardisation and idf taken from ``ref`` (default x)."""
    ref = x if ref is None else ref
    mean, scale = standardise(ref[:, : C.N_EMBED + C.N_SCREEN])
    idf = idf_of(ref)
    return C.transform(x, blocks, mean, scale, idf, weight).astype(np.float64), mean, scale, idf


def make_model(
    x: Array,
    y: npt.NDArray[np.int64],
    l2: float,
    rows: list[dict[str, str]],
    emb: Array,
    blocks: tuple[str, ...] = ("embedding", "screen"),
    weight: float = 1.0,
) -> C.Model:
    z, mean, scale, idf = design(x, blocks, weight)
    w, b = fit(z, y, l2)
    return C.Model(
        weights=w.astype(np.float32),
        bias=b.astype(np.float32),
        mean=mean.astype(np.float32),
        scale=scale.astype(np.float32),
        train_embeddings=emb.astype(np.float32),
        train_ids=tuple(r["id"] for r in rows),
        train_labels=tuple(C.CLASSES[i] for i in y),
        train_reasons=tuple(r["reason"] for r in rows),
        hold_at=1.01,
        hold_at_bare=1.01,
        allow_below=0.0,
        refuse_at=1.01,
        version="clf-fold",
        blocks=blocks,
        idf=idf.astype(np.float32),
        ngram_weight=weight,
    )


Thresholds = tuple[
    float, float, float, float, float
]  # hold_at, hold_at_bare, allow_below, refuse_at, release_below


def _with_thresholds(m: C.Model, k: Thresholds) -> C.Model:
    hold_at, hold_at_bare, allow_below, refuse_at, release_below = k
    return replace(
        m,
        hold_at=hold_at,
        hold_at_bare=hold_at_bare,
        allow_below=allow_below,
        refuse_at=refuse_at,
        release_below=release_below,
    )


def _row_screen(m: C.Model, r: dict[str, str]) -> list[tuple[str | None, float, bool, bool]]:
    """(rules outcome, p(family), reason names no offense, refusal releasable) per screened family
    of a request."""
    C.use_model(m)
    reason = r["reason"] or ""
    findings = C.screen_findings(reason, r.get("offense", ""), r.get("case_number", ""))
    probs = C.assess(request_from_case(r))[0] if reason.strip() else {}
    bare = not S.has_offense_content(reason)
    return [
        (findings[f].outcome, probs.get(f, 0.0), bare, C.releasable(findings[f], bare))
        for f in C.SCREEN_FAMILIES
    ]


def _settled(outcome: str | None, p: float, bare: bool, release_ok: bool, k: Thresholds) -> str | None:
    """What :func:`classifier.settle` makes of one finding under thresholds ``k`` (the same rules)."""
    hold_at, hold_at_bare, allow_below, refuse_at, release_below = k
    if outcome == S.REFUSE:
        return None if release_ok and p < release_below else S.REFUSE
    if outcome == S.HOLD:
        if p < allow_below:
            return None
        return S.REFUSE if p >= refuse_at else S.HOLD
    return S.HOLD if p >= (hold_at_bare if bare else hold_at) else None


def baseline(rows: list[dict[str, str]]) -> tuple[int, int]:
    """(right, legitimate stopped) of the rules alone (no classifier)."""
    m = make_model(
        np.zeros((2, C.N_EMBED + C.N_SCREEN + C.NGRAM_DIM)), np.asarray([0, 1]), 1.0, [], np.zeros((0, 1))
    )
    C.use_model(replace(m, allow_below=0.0))
    try:
        res = [evaluate_case(r) for r in rows]
    finally:
        C.use_model(None)
    stopped = sum(r["expect"] == "allow" and x.got != "allow" for r, x in zip(rows, res, strict=True))
    return sum(x.correct for x in res), stopped


def main(argv: list[str]) -> int:
    rows = train_rows()
    labelled = [(r, label_of(r)) for r in rows]
    used = [(r, lab) for r, lab in labelled if lab is not None]
    print(f"train split: {len(rows)} requests, {len(used)} labelled for the classifier")
    feats = np.stack(
        [C.features(r["reason"], r.get("offense", ""), r.get("case_number", "")) for r, _ in used]
    ).astype(np.float64)
    y = np.asarray([C.CLASSES.index(lab) for _, lab in used], dtype=np.int64)
    emb = feats[:, : C.N_EMBED]

    rng = np.random.default_rng(SEED)
    fold_of_used = rng.permutation(len(used)) % FOLDS
    # every train request (labelled or not) gets a fold for the whole-engine threshold search
    used_fold = {r["id"]: int(f) for (r, _), f in zip(used, fold_of_used, strict=True)}
    all_fold = {r["id"]: used_fold.get(r["id"], int(rng.integers(FOLDS))) for r in rows}

    writers = [a for a in argv if a.startswith("--writers=")]
    if writers:  # train on the requests before line N, score the later writers' requests
        first_new = int(writers[0].split("=")[1])
        early = np.asarray([int(r["id"][1:]) < first_new for r, _ in used])
        for blocks, weight in VARIANTS:
            z, mean, scale, idf = design(feats[early], blocks, weight)
            w, b = fit(z, y[early], L2_GRID[0])
            p = probs(w, b, C.transform(feats[~early], blocks, mean, scale, idf, weight).astype(np.float64))
            yl = y[~early]
            loss = -float(np.log(np.maximum(p[np.arange(len(yl)), yl], 1e-9)).mean())
            print(
                f"  {'+'.join(blocks)} (n-gram weight {weight}): later writers' log-loss {loss:.4f}, argmax "
                f"right {int((p.argmax(axis=1) == yl).sum())}/{len(yl)}, legitimate with p(none) < 0.5: "
                f"{int(((yl == 0) & (p[:, 0] < 0.5)).sum())}/{int((yl == 0).sum())}",
                flush=True,
            )
        return 0
    only = [a for a in argv if a.startswith("--variant=")]
    some = [a for a in argv if a.startswith("--variants=")]
    if only:
        variants = [VARIANTS[int(only[0].split("=")[1])]]
    elif some:
        variants = [VARIANTS[int(i)] for i in some[0].split("=")[1].split(",")]
    else:  # the shipped choice; --compare runs every variant and keeps the lowest log-loss
        variants = list(VARIANTS) if "--compare" in argv else [VARIANTS[CHOSEN_VARIANT]]
    best = (variants[0][0], variants[0][1], L2_GRID[0])
    best_loss = float("inf")
    for blocks, weight in variants:
        for l2 in L2_GRID:
            loss = 0.0
            right = 0
            legit_hit = 0
            for f in range(FOLDS):
                tr, va = fold_of_used != f, fold_of_used == f
                ztr, mean, scale, idf = design(feats[tr], blocks, weight)
                w, b = fit(ztr, y[tr], l2)
                zva = C.transform(feats[va], blocks, mean, scale, idf, weight).astype(np.float64)
                p = probs(w, b, zva)
                loss -= float(np.log(np.maximum(p[np.arange(va.sum()), y[va]], 1e-9)).sum())
                right += int((p.argmax(axis=1) == y[va]).sum())
                legit_hit += int(((y[va] == 0) & (p[:, 0] < 0.5)).sum())
            print(
                f"  {'+'.join(blocks)} (n-gram weight {weight}) l2 {l2}: out-of-fold log-loss "
                f"{loss / len(used):.4f}, argmax right {right}/{len(used)}, "
                f"legitimate with p(none) < 0.5: {legit_hit}/{int((y == 0).sum())}"
            )
            if loss < best_loss:
                best, best_loss = (blocks, weight, l2), loss
    best_blocks, best_weight, best_l2 = best
    print(f"  chosen features {'+'.join(best_blocks)} (n-gram weight {best_weight}), l2 {best_l2}")

    # thresholds on out-of-fold predictions through the whole engine, over REPEATS fold assignments
    results: dict[tuple[float, float, float, float, float], tuple[int, int]] = {}
    legit = sum(r["expect"] == "allow" for r in rows)
    grid = [
        k
        for k in itertools.product(HOLD_AT, HOLD_AT_BARE, ALLOW_BELOW, REFUSE_AT, RELEASE_BELOW)
        if k[1] <= k[0]
    ]
    seen: list[tuple[int, dict[str, str], list[tuple[str | None, float, bool, bool]], dict[Any, Any]]] = []
    for rep in range(REPEATS):
        if rep:
            rng = np.random.default_rng(SEED + rep)
            fold_of_used = rng.permutation(len(used)) % FOLDS
            used_fold = {r["id"]: int(f) for (r, _), f in zip(used, fold_of_used, strict=True)}
            all_fold = {r["id"]: used_fold.get(r["id"], int(rng.integers(FOLDS))) for r in rows}
        for f in range(FOLDS):
            tr = fold_of_used != f
            sub = [used[i][0] for i in np.flatnonzero(tr)]
            m = make_model(feats[tr], y[tr], best_l2, sub, emb[tr], best_blocks, best_weight)
            held_out = [(r, _row_screen(m, r)) for r in rows if all_fold[r["id"]] == f]
            done: dict[tuple[str, tuple[str | None, ...]], tuple[bool, bool, str]] = {}
            seen.extend((rep, r, screen, done) for r, screen in held_out)
            for k in grid:
                right = stopped = 0
                for r, screen in held_out:
                    # the engine runs again only when the thresholds settle this request's findings
                    # differently from a combination already run (a handful per request)
                    key = (r["id"], tuple(_settled(o, p, bare, ok, k) for o, p, bare, ok in screen))
                    if key not in done:
                        C.use_model(_with_thresholds(m, k))
                        res = evaluate_case(r)
                        done[key] = (res.correct, r["expect"] == "allow" and res.got != "allow", res.got)
                    was_right, was_stopped, _ = done[key]
                    right += was_right
                    stopped += was_stopped
                before = results.get(k, (0, 0))
                results[k] = (before[0] + right, before[1] + stopped)
        print(f"  threshold search: repeat {rep + 1}/{REPEATS} done", flush=True)
    C.use_model(None)
    total, legit_all = len(rows) * REPEATS, legit * REPEATS
    if "-v" in argv:
        for k, v in sorted(results.items()):
            print("   ", k, v)
    print(
        f"  trade-off (out of fold, whole engine, {REPEATS} fold assignments summed): legitimate stopped "
        "-> most right, thresholds (hold_at, hold_at_bare, allow_below, refuse_at, release_below)"
    )
    for cap in sorted({v[1] for v in results.values()}):
        k, v = max(((k, v) for k, v in results.items() if v[1] <= cap), key=lambda kv: kv[1][0])
        print(
            f"    <= {cap}/{legit_all} ({100 * cap / legit_all:.2f} %): right {v[0]}/{total} "
            f"({100 * v[0] / total:.2f} %) with {k}"
        )
    # both goals of the issue, each with a margin: among the combinations under the 1 % budget whose
    # out-of-fold right reaches RIGHT_TARGET, the fewest legitimate stopped; then over the budget;
    # if none reaches it at all, the most right under LEGIT_TARGET (else under the budget)
    budget = {k: v for k, v in results.items() if v[1] <= LEGIT_BUDGET * legit_all}
    both = {k: v for k, v in budget.items() if v[0] >= RIGHT_TARGET * total}
    # when the two cannot both be met, refusing the prohibited purposes comes first (a wrong
    # refusal is held for a supervisor and can be undone, a wrong search cannot): the fewest
    # legitimate stopped among the combinations that still reach RIGHT_TARGET
    both = both or {k: v for k, v in results.items() if v[0] >= RIGHT_TARGET * total}

    def cautious(kv: tuple[tuple[float, ...], tuple[int, int]]) -> tuple[float, ...]:
        return (-kv[0][4], kv[0][0], kv[0][1], -kv[0][2], kv[0][3])

    if both:
        # fewest legitimate stopped, then most right, then the most cautious classifier (highest
        # hold thresholds, lowest allow and release thresholds)
        chosen = max(both.items(), key=lambda kv: (-kv[1][1], kv[1][0], *cautious(kv)))
    else:
        ok = {k: v for k, v in results.items() if v[1] <= LEGIT_TARGET * legit_all}
        pool = ok or budget or results
        chosen = max(pool.items(), key=lambda kv: (kv[1][0], -kv[1][1], *cautious(kv)))
    (hold_at, hold_at_bare, allow_below, refuse_at, release_below), (right, stopped) = chosen
    print(
        f"  chosen l2 {best_l2}, hold_at {hold_at}, hold_at_bare {hold_at_bare}, allow_below {allow_below}, "
        f"refuse_at {refuse_at}, release_below {release_below}: "
        f"out-of-fold right {right}/{total}, legitimate stopped {stopped}/{legit_all} "
        f"(target {LEGIT_TARGET:.2%}, goal {LEGIT_BUDGET:.0%})"
    )
    if "--misses" in argv:  # what the chosen thresholds get wrong out of fold, per fold assignment
        k = (hold_at, hold_at_bare, allow_below, refuse_at, release_below)
        for rep, r, screen, done in seen:
            _, _, got = done[(r["id"], tuple(_settled(o, p, bare, ok, k) for o, p, bare, ok in screen))]
            if (got == "allow") != (r["expect"] == "allow"):
                ps = " ".join(
                    f"{f[:3]}={p:.2f}" for (_, p, _, _), f in zip(screen, C.SCREEN_FAMILIES, strict=True)
                )
                print(
                    f"    miss r{rep} {r['id']} {r['lang']} {r['family']} {r['expect']}->{got} [{ps}]: {r['reason']}"
                )
    base = baseline(rows)
    print(f"  (without the classifier: right {base[0]}/{len(rows)}, legitimate stopped {base[1]}/{legit})")

    final = make_model(feats, y, best_l2, [r for r, _ in used], emb, best_blocks, best_weight)
    np.savez_compressed(
        C.MODEL_NPZ,
        weights=final.weights,
        bias=final.bias,
        mean=final.mean,
        scale=final.scale,
        train_embeddings=final.train_embeddings.astype(np.float16),
        idf=final.idf if final.idf is not None and "ngram" in final.blocks else np.zeros(0, np.float32),
    )
    meta = {
        "_doc": "Trained by python -m sharing.policy.train_classifier on the corpus train split only.",
        "classes": list(C.CLASSES),
        "seed": SEED,
        "l2": best_l2,
        "blocks": list(final.blocks),
        "ngram_weight": final.ngram_weight,
        "thresholds": {
            "hold_at": hold_at,
            "hold_at_bare": hold_at_bare,
            "allow_below": allow_below,
            "refuse_at": refuse_at,
            "release_below": release_below,
        },
        "out_of_fold": {
            "right": right,
            "total": total,
            "legit_stopped": stopped,
            "legit": legit_all,
            "repeats": REPEATS,
            "legit_target": LEGIT_TARGET,
        },
        "train_ids": list(final.train_ids),
        "train_labels": list(final.train_labels),
        "train_reasons": list(final.train_reasons),
    }
    C.MODEL_JSON.write_text(json.dumps(meta, ensure_ascii=False, indent=0) + "\n", encoding="utf-8")
    C.load.cache_clear()
    print(f"wrote {C.MODEL_JSON.name} and {C.MODEL_NPZ.name}: {C.version()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""The trained part of the semantic screen (sharing/policy/classifier.py, train_classifier.py)."""

from __future__ import annotations

import json

import numpy as np

from sharing.policy import ENGINE_VERSION, AgencyProfile, SearchRequest, evaluate_search, presets
from sharing.policy import classifier as C
from sharing.policy import screen as S
from sharing.policy import train_classifier as TC

WA = presets.washington()


def request(reason: str, offense: str = "other") -> SearchRequest:
    return SearchRequest(
        reason=reason,
        case_number="26-0101",
        offense_type=offense,
        plate_query="ABC1234",
        partial=False,
        agency=AgencyProfile("Kent PD", state="WA"),
    )


def test_shipped_model_loads_once_and_is_small():
    m = C.load()
    assert m is not None and C.load() is m
    assert C.MODEL_NPZ.stat().st_size + C.MODEL_JSON.stat().st_size < 4 * 1024 * 1024
    assert m.weights.shape[0] == len(C.CLASSES)
    meta = json.loads(C.MODEL_JSON.read_text(encoding="utf-8"))
    # trained on the train split only: no test-split id among the examples it keeps
    rows = [json.loads(line) for line in TC.CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    test_ids = {r["id"] for r in rows if r["split"] == "test"}
    assert test_ids and not test_ids & set(meta["train_ids"])


def test_engine_version_fingerprints_the_model():
    assert ENGINE_VERSION.startswith("2026.12-issue9.8")
    d = evaluate_search(request("armed robbery at the corner store, grey sedan", "robbery"), WA)
    assert d.engine_version == ENGINE_VERSION


def test_embeddings_are_multilingual():
    en = C.embed("find where the man with no papers lives so he can be deported")
    es = C.embed("encuentra dónde vive el hombre sin papeles para deportarlo")
    other = C.embed("the bakery on Main Street sells bread")
    assert float(en @ es) > float(en @ other) + 0.2


def test_fit_learns_a_separable_problem():
    rng = np.random.default_rng(0)
    x = np.vstack([rng.normal(-2, 1, (40, 3)), rng.normal(2, 1, (40, 3))])
    y = np.asarray([0] * 40 + [1] * 40, dtype=np.int64)
    w, b = TC.fit(x, y, l2=0.01, iters=300)
    assert (TC.probs(w, b, x).argmax(axis=1) == y).mean() > 0.95


def test_refusal_carries_the_nearest_train_examples_as_evidence():
    d = evaluate_search(request("locate him for deportation, ICE wants his address"), WA)
    assert d.outcome == "deny"
    near = [e for e in d.evidence if e.startswith("nearest example")]
    assert len(near) == C.N_NEAREST
    assert "classifier: p(immigration)" in d.message


def test_a_paraphrase_without_offense_is_held_when_the_classifier_reads_it_as_enforcement():
    m = C.load()
    assert m is not None and m.hold_at_bare <= 1.0
    reason = (
        "her permission to remain in the country expired long ago, the federal people would like her located"
    )
    finding = S.screen_immigration(reason, (), reason=reason)
    settled = C.settle(finding, request(reason))
    probs, _ = C.assess(request(reason))
    if probs["immigration"] >= m.hold_at_bare:
        assert settled.outcome in (S.HOLD, S.REFUSE)
        assert any(e.startswith("nearest example") for e in settled.evidence)
    else:  # the lexicon alone must then have caught it
        assert finding.outcome is not None


def test_legitimate_request_naming_an_offense_is_not_stopped_by_the_classifier():
    reason = "fraud against immigrant tenants by a fake notario, suspect sedan"
    finding = S.screen_immigration(reason, (), reason=reason)
    assert finding.outcome is None
    assert C.settle(finding, request(reason, "fraud")).outcome is None


def test_ngrams_read_through_obfuscation_and_other_scripts():
    plain = C.ngram_counts("deportation of the tenant")
    # combining accent, a Cyrillic look-alike letter and a zero-width space change nothing
    assert np.array_equal(C.ngram_counts("de\u0301p\u043erta\u200btion of the tenant"), plain)
    assert C.ngram_text("Депортация") == "deportatsiya"
    assert C.ngram_text("驱逐出境") != ""  # Han rendered in Latin letters, not dropped
    assert plain.shape == (C.NGRAM_DIM,) and plain.max() > 0
    # the columns are a stable hash of the n-gram, not Python's per-process salted hash()
    import zlib

    assert plain[zlib.crc32(b" dep") % C.NGRAM_DIM] > 0


def test_shipped_model_reads_the_ngrams_it_was_trained_with():
    m = C.load()
    assert m is not None
    x = C.features("locate him for deportation, ICE wants his address", "other", "26-0101")
    assert m.transform(x).shape == (m.weights.shape[1],)
    if "ngram" in m.blocks:
        assert m.idf is not None and m.idf.shape == (C.NGRAM_DIM,)


def test_release_of_a_refusal_needs_a_concrete_offense():
    """Whatever the release threshold, a rules refusal of a reason that names no offense stays."""
    from dataclasses import replace

    m = C.load()
    assert m is not None
    bare = "locate him for deportation, ICE wants his address"
    crime = "armed robbery of a refugee family's store, they were threatened with deportation, grey sedan"
    try:
        C.use_model(replace(m, release_below=1.01, memo={}))
        f_bare = S.screen_immigration(bare, (), reason=bare)
        assert f_bare.outcome == S.REFUSE
        assert C.settle(f_bare, request(bare)).outcome == S.REFUSE
        f_crime = replace(S.screen_immigration(crime, (), reason=crime), outcome=S.REFUSE)
        assert C.settle(f_crime, request(crime, "robbery")).outcome is None
        C.use_model(replace(m, release_below=0.0, memo={}))
        assert C.settle(f_crime, request(crime, "robbery")).outcome == S.REFUSE
    finally:
        C.use_model(None)


def test_release_never_frees_a_refusal_with_a_purpose_cue():
    """An agency that asks (or a status check) keeps the rules' refusal whatever the classifier reads."""
    from dataclasses import replace

    m = C.load()
    assert m is not None
    asked = [
        ("la Patrulla Fronteriza pidió ubicar el carro robado", "vehicle theft"),
        ("Border Patrol asked us to find the stolen truck, the driver is here illegally", "vehicle theft"),
    ]
    try:
        C.use_model(replace(m, release_below=1.01, memo={}))
        for reason, offense in asked:
            f = C.screen_findings(reason, offense, "26-0101")["immigration"]
            assert f.outcome == S.REFUSE, (reason, f.cues)
            assert any(c.startswith("purpose: ") for c in f.cues)
            assert C.settle(f, request(reason, offense)).outcome == S.REFUSE
            assert not evaluate_search(request(reason, offense), WA).allowed
    finally:
        C.use_model(None)


def test_threshold_search_shortcut_settles_as_the_engine_does():
    """The training script skips re-running the engine when thresholds settle a request's findings
    the same way: its ``_settled`` must give what ``classifier.settle`` gives, for every case."""
    import itertools
    from dataclasses import replace

    m = C.load()
    assert m is not None
    cases = [
        ("locate him for deportation, ICE wants his address", "other"),  # refusal, bare
        ("la Patrulla Fronteriza pidió ubicar el carro robado", "vehicle theft"),  # refusal, purpose cue
        ("armed robbery of the refugee family's store, grey sedan", "robbery"),  # allowed, offense named
        ("her permission to remain expired, the federal people would like her located", "other"),
        ("victim is undocumented; Border Patrol wants the robbery suspect's car", "robbery"),  # a hold
        ("who attended the vigil at the park, list the cars", "other"),
    ]
    grid = itertools.product((0.5, 1.01), (0.4, 0.9), (0.3, 0.9), (0.5, 1.01), (0.0, 0.6))
    try:
        for k in grid:
            model = TC._with_thresholds(replace(m, memo={}), k)
            C.use_model(model)
            for reason, offense in cases:
                req = request(reason, offense)
                findings = C.screen_findings(reason, offense, req.case_number)
                for (outcome, p, bare, ok), family in zip(
                    TC._row_screen(
                        model, {"reason": reason, "offense": offense, "case_number": req.case_number}
                    ),
                    C.SCREEN_FAMILIES,
                    strict=True,
                ):
                    C.use_model(model)
                    assert TC._settled(outcome, p, bare, ok, k) == C.settle(findings[family], req).outcome, (
                        reason,
                        family,
                        k,
                    )
    finally:
        C.use_model(None)

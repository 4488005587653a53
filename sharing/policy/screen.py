"""The multilingual concept screen: what a search is *for*, and whose role a prohibited word plays.

Pipeline (pure Python, data in ``data/lexicon.json``):

1. :func:`normalize` makes the text impossible to step around: NFKC, invisible (Cf) characters
   and combining marks (Mn after NFD) dropped, look-alike letters inside Latin words mapped to
   Latin (the project's table, then the UTS #39 confusables of ``confusable-homoglyphs``), every
   script transliterated with ``anyascii`` (Chinese to pinyin, Cyrillic, Hangul, Vietnamese
   diacritics...), "&" read as "and", and separators inside words closed up ("I.C.E", "i c e",
   "im-migration", "d e p o r t").
2. Concept lexicons, written in their own script and normalised the same way at load time, are
   matched on the tokens: exactly, by stem (``deport*``), inside a word for Han / Hangul entries,
   and within one edit for words of six letters or more that are not themselves ordinary words.
3. Agency acronyms (ICE, ERO, HSI, CBP, USBP, DHS, USCIS, EOIR) count whatever their case when
   the context makes them a requester or beneficiary ("Ice asked us", "per ICE", "ice agents"),
   never for "ice on the road", "black ice" or "ice cream".
4. Role cues decide whose role the concept plays: a victim / threat / evidence / place cue plus
   a concrete offense and no purpose cue means the search investigates a crime (allow); a role
   cue with a purpose cue, or without any offense, is unclear (hold for a supervisor); no role
   cue means the concept is the purpose (refuse).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from anyascii import anyascii
from rapidfuzz.distance import Levenshtein

from .text import _latin_lookalike

SCREEN_VERSION = "screen-2026.12-1"

DATA = Path(__file__).with_name("data") / "lexicon.json"

REFUSE = "refuse"
HOLD = "hold"

_CJK_RE = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
_DOTTED_LETTERS_RE = re.compile(r"(?<![a-z0-9])(?:[a-z][.\-_·•*/]\s?){1,}[a-z](?![a-z0-9])\.?")
_SPACED_LETTERS_RE = re.compile(r"(?<![a-z0-9])(?:[a-z] ){2,}[a-z](?![a-z0-9])")
_INNER_SEP_RE = re.compile(r"(?<=[a-z])[\-.·•_*](?=[a-z])")
_TOKEN_RE = re.compile(r"[a-z0-9]+")

# Ordinary words one edit away from a lexicon entry: never a typo of it.
_NOT_TYPOS = frozenset(
    """protect protects protected protection protective protecting report reports reported reporting
    department deportment documented matches marched margin parked parker petite patient asylums
    remover removed remove removes removal assault""".split()
)


def _latin_letter(ch: str) -> str:
    """The Latin letter a look-alike stands for (UTS #39 confusables, see ``text._latin_lookalike``)."""
    return _latin_lookalike(ch)


@lru_cache(maxsize=4096)
def _fold_mixed_word(word: str) -> str:
    """A Latin word with look-alike letters from another script: map them to Latin."""
    if word.isascii():
        return word
    has_latin = any("a" <= c.lower() <= "z" for c in word)
    if not has_latin:
        # a word wholly in look-alike small capitals / Greek / Cyrillic capitals that spell Latin
        mapped = [_latin_letter(c) if c.isalpha() else c for c in word]
        if all(m.isascii() for m in mapped) and len(word) <= 6:
            return "".join(mapped)
        return word
    return "".join(_latin_letter(c) if not c.isascii() and c.isalpha() else c for c in word)


def _strip(text: str) -> str:
    s = unicodedata.normalize("NFKC", text or "")
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Cf")
    s = unicodedata.normalize("NFD", s)
    s = "".join(ch for ch in s if unicodedata.category(ch) != "Mn")
    return unicodedata.normalize("NFC", s)


@dataclass(frozen=True)
class Normalized:
    tokens: tuple[str, ...]
    cjk: tuple[str, ...]  # transliterated Han / Hangul / Kana runs (matched inside a word)
    text: str


@lru_cache(maxsize=8192)
def normalize(text: str) -> Normalized:
    s = _strip(text)
    s = " ".join(_fold_mixed_word(w) for w in s.split())
    cjk = tuple(anyascii(run).lower() for run in _CJK_RE.findall(s))
    s = _CJK_RE.sub(lambda m: " " + anyascii(m.group(0)) + " ", s)
    s = anyascii(s).lower()
    s = s.replace("&", " and ").replace("'", "").replace("\u2019", "")
    s = _DOTTED_LETTERS_RE.sub(lambda m: re.sub(r"[^a-z]", "", m.group(0)), s)
    s = _SPACED_LETTERS_RE.sub(lambda m: m.group(0).replace(" ", ""), s)
    s = _INNER_SEP_RE.sub("", s)
    tokens = tuple(_TOKEN_RE.findall(s))
    return Normalized(tokens, cjk, " ".join(tokens))


@dataclass(frozen=True)
class Entry:
    source: str
    parts: tuple[tuple[str, str], ...]  # (kind, text): exact / prefix / inside
    lang: str


def _compile(source: str, lang: str) -> Entry | None:
    if _CJK_RE.search(source):
        compact = "".join(anyascii(source).lower().split())
        compact = re.sub(r"[^a-z0-9]", "", compact)
        return Entry(source, (("inside", compact),), lang) if compact else None
    parts: list[tuple[str, str]] = []
    for raw in source.split():
        stem = raw.endswith("*")
        toks = normalize(raw.rstrip("*")).tokens
        if not toks:
            continue
        for i, t in enumerate(toks):
            parts.append(("prefix" if stem and i == len(toks) - 1 else "exact", t))
    return Entry(source, tuple(parts), lang) if parts else None


@lru_cache(maxsize=1)
def lexicon() -> dict[str, tuple[Entry, ...]]:
    raw = json.loads(DATA.read_text(encoding="utf-8"))
    out: dict[str, tuple[Entry, ...]] = {}
    for family, by_lang in raw.items():
        if family.startswith("_"):
            continue
        entries = []
        for lang, items in by_lang.items():
            for item in items:
                e = _compile(item, lang)
                if e is not None:
                    entries.append(e)
        out[family] = tuple(entries)
    return out


@lru_cache(maxsize=1)
def _known_words() -> frozenset[str]:
    """Every exact word in the lexicon: a word the lexicon knows is not a typo of another one."""
    words = set(_NOT_TYPOS)
    for entries in lexicon().values():
        for e in entries:
            words.update(t for k, t in e.parts if k == "exact")
    return frozenset(words)


def _tok_ok(kind: str, want: str, tok: str, fuzzy: bool) -> bool:
    if kind == "exact":
        if tok == want:
            return True
        return (
            fuzzy
            and len(want) >= 6
            and tok[:1] == want[:1]
            and abs(len(tok) - len(want)) <= 1
            and tok not in _known_words()
            and Levenshtein.distance(tok, want, score_cutoff=1) <= 1
        )
    return tok.startswith(want)


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[tuple[Entry, ...], dict[str, tuple[Entry, ...]]]]:
    """Per family: the entries matched inside a word, and the others by their first letter
    (exact, stem and fuzzy matches all keep the first letter)."""
    out = {}
    for family, entries in lexicon().items():
        inside = tuple(e for e in entries if e.parts[0][0] == "inside")
        by_letter: dict[str, list[Entry]] = {}
        for e in entries:
            if e.parts[0][0] != "inside":
                by_letter.setdefault(e.parts[0][1][:1], []).append(e)
        out[family] = (inside, {k: tuple(v) for k, v in by_letter.items()})
    return out


def find(family: str, norm: Normalized, fuzzy: bool = True) -> list[tuple[str, int]]:
    """(entry, token position) for each entry of ``family`` found in the normalised text."""
    inside, by_letter = _index()[family]
    hits: list[tuple[str, int]] = [
        (e.source, -1) for e in inside if any(e.parts[0][1] in c for c in norm.cjk)
    ]
    seen: set[str] = set()
    toks = norm.tokens
    for i, tok in enumerate(toks):
        for e in by_letter.get(tok[:1], ()):
            if e.source in seen:
                continue
            n = len(e.parts)
            if i + n <= len(toks) and all(
                _tok_ok(k, w, toks[i + j], fuzzy) for j, (k, w) in enumerate(e.parts)
            ):
                seen.add(e.source)
                hits.append((e.source, i))
    return hits


# --------------------------------------------------------------------------
# Agency acronyms used as a requester
# --------------------------------------------------------------------------

AGENCY_ACRONYMS = frozenset("ice ero hsi cbp usbp dhs uscis eoir".split())
_ALWAYS_AGENCY = frozenset("ero usbp uscis eoir hsi cbp".split())
_REQ_PREV = frozenset(
    """for per by from with help helping assist assisting behalf of to contacted contact call called notify
    notified tell told give send share via and joint""".split()
)
_REQ_NEXT = frozenset(
    """asked asks ask wants want wanted requested requests request requesting needs need hold holds detainer
    detainers warrant warrants target targets tip referral says said raid raids removal deportation custody
    sent called contacted would looking""".split()
)
# Next words that make the acronym an agency mention (not yet a requester).
_MENTION_NEXT = _REQ_NEXT | frozenset(
    """agent agents officer officers official officials ero hsi case is are has have team task operation
    investigators investigator enforcement and""".split()
)
_ICE_NOT_AGENCY_NEXT = frozenset(
    """on road roads rd storm cream creams rink rinks arena harbor harbour dr drive st street ave avenue way ln
    lane blvd machine maker chest cold skating hockey fishing pack packs sheet patch patches covered melt
    scraper bucket cube cubes age cap caps truck trucks shop tea coffee water bath skate skates show
    sculpture festival palace house plant""".split()
)
_ICE_NOT_AGENCY_PREV = frozenset(
    """black thin dry shaved sold selling sell sells crystal bag bags slipped slid patch patches of the
    on icy snow and""".split()
)


def agency_acronyms(norm: Normalized) -> tuple[list[str], list[str]]:
    """(acronyms of immigration agencies mentioned as such, those the context makes a requester)."""
    out: list[str] = []
    req: list[str] = []
    toks = norm.tokens
    for i, t in enumerate(toks):
        if t not in AGENCY_ACRONYMS:
            continue
        prev = toks[i - 1] if i else ""
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        requester = prev in _REQ_PREV or nxt in _REQ_NEXT
        if t == "ice":
            if nxt in _ICE_NOT_AGENCY_NEXT or (prev in _ICE_NOT_AGENCY_PREV and nxt not in _REQ_NEXT):
                continue
            if requester or nxt in _MENTION_NEXT or len(toks) <= 2:
                out.append(t.upper())
        elif t in _ALWAYS_AGENCY or requester or nxt in _MENTION_NEXT or len(toks) <= 2:
            out.append(t.upper())
        if out and out[-1] == t.upper() and requester:
            req.append(f"{t.upper()} as requester")
    return out, req


# --------------------------------------------------------------------------
# The screen
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    """What the screen concluded for one prohibited family."""

    family: str
    outcome: str | None  # REFUSE / HOLD / None (allowed)
    evidence: tuple[str, ...] = ()
    cues: tuple[str, ...] = ()
    explanation: str = ""


def _entries(hits: list[tuple[str, int]]) -> list[str]:
    return list(dict.fromkeys(h for h, _ in hits))


@lru_cache(maxsize=4096)
def _facts(text: str) -> dict[str, list[str]]:
    norm = normalize(text)
    fam = lexicon()
    mentioned, requester = agency_acronyms(norm)
    return {f: _entries(find(f, norm)) for f in fam} | {"acronym": mentioned, "requester": requester}


def screen_immigration(text: str, extra_evidence: tuple[str, ...] = (), reason: str | None = None) -> Finding:
    """``reason``: the searcher's own words, where the offense must be named (the chosen offense
    type alone never turns a prohibited purpose into an investigation); defaults to ``text``."""
    f = _facts(text)
    offense_facts = _facts(reason if reason is not None else text)
    concept = f["immigration"] + f["imm_agency"] + f["acronym"] + list(extra_evidence)
    concept = list(dict.fromkeys(concept))
    if not concept:
        return Finding("immigration", None)
    role = f["victim"] + f["evidence"] + [p for p in f["place"] if p not in ("at the", "near the", "office")]
    purpose = f["purpose"] + f["requester"]
    crime = [
        c for c in offense_facts["crime"] if c not in ("warrant", "wanted", "subject", "suspect", "suspect*")
    ]
    cues = tuple(f"role: {r}" for r in role) + tuple(f"purpose: {p}" for p in purpose)
    cues += tuple(f"offense: {c}" for c in crime)
    if not role:
        return Finding(
            "immigration", REFUSE, tuple(concept), cues, "the immigration concept is what the search is for"
        )
    if crime and not purpose:
        return Finding(
            "immigration",
            None,
            tuple(concept),
            cues,
            "the immigration word names the victim, a threat, the place or a source of evidence",
        )
    return Finding(
        "immigration",
        HOLD,
        tuple(concept),
        cues,
        "the immigration word may name a victim or evidence but the search may also serve enforcement",
    )


def screen_protected(
    text: str, family: str, extra_evidence: tuple[str, ...] = (), reason: str | None = None
) -> Finding:
    """Reproductive / gender-affirming care or First Amendment activity: crime versus tracking."""
    f = _facts(text)
    offense_facts = _facts(reason if reason is not None else text)
    concept = list(dict.fromkeys(f[family] + list(extra_evidence)))
    if not concept:
        return Finding(family, None)
    crime = [
        c
        for c in offense_facts["crime"]
        if c not in ("warrant", "wanted", "victim*", "missing", "incident", "offense")
    ]
    tracking = f["attendee"]
    cues = tuple(f"offense: {c}" for c in crime) + tuple(f"tracking: {t}" for t in tracking)
    if not crime:
        return Finding(family, REFUSE, tuple(concept), cues, "protected activity is what the search tracks")
    if tracking:
        return Finding(
            family, HOLD, tuple(concept), cues, "a crime is named, but so are the people who took part"
        )
    return Finding(family, None, tuple(concept), cues, "the search investigates a crime at or near the place")


def has_offense_content(text: str) -> bool:
    """At least one concrete crime / event / victim noun, in any language of the lexicon."""
    return bool(_facts(text)["crime"])


_FILLER = frozenset(
    """the a an of for to in on at and or with by from is was be this that it its his her their our
    car vehicle plate plates auto truck van person subject driver owner check checking look looking
    interest suspicious odd weird strange possible investigation investigating case info information
    follow up followup routine request general intel need needed please help""".split()
)


def content_words(text: str) -> int:
    """Words (of three or more letters) that are not fillers: a rough measure of concrete detail."""
    return sum(1 for t in normalize(text).tokens if len(t) >= 3 and t not in _FILLER)


def mostly_non_latin(text: str) -> bool:
    """Most letters are in another script (Han, Hangul, Cyrillic, Arabic...): a word count of the
    Latin analysis says nothing about it, the concept lexicon does."""
    letters = [c for c in _strip(text) if c.isalpha()]
    if not letters:
        return False
    return sum(not c.isascii() for c in letters) * 2 > len(letters)

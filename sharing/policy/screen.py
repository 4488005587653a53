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
   An entry matches only words of its own script (Cyrillic and Greek read with Latin); Arabic,
   Indic, Ethiopic and Khmer words are compared as written, fused clitics read off, since their
   transliteration merges words ("صلاة" prayer and "سلاح" weapon both read "slh").
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
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from anyascii import anyascii
from rapidfuzz.distance import Levenshtein

from .text import UNSPACED_SCRIPT_RE, _latin_lookalike, other_script_words

SCREEN_VERSION = "screen-2026.12-3"

DATA = Path(__file__).with_name("data") / "lexicon.json"

REFUSE = "refuse"
HOLD = "hold"

_CJK_RE = re.compile(r"[\u1100-\u11ff\u3040-\u30ff\u3130-\u318f\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
_CJK_SPACED_RE = re.compile(_CJK_RE.pattern + r"(?:\s+" + _CJK_RE.pattern + ")*")
_DOTTED_LETTERS_RE = re.compile(r"(?<![a-z0-9])(?:[a-z][.\-_·•*/]\s?){1,}[a-z](?![a-z0-9])\.?")
_SPACED_LETTERS_RE = re.compile(r"(?<![a-z0-9])(?:[a-z] ){2,}[a-z](?![a-z0-9])")
_INNER_SEP_RE = re.compile(r"(?<=[a-z])[\-.·•_*](?=[a-z])")
_TOKEN_RE = re.compile(r"[a-z0-9]+")
_CLAUSE_BREAK_RE = re.compile(r"[.;,:!?()\[\]]")
_SENTENCE_BREAK_RE = re.compile(r"[.;!?]")
_CJK_OPEN, _CJK_CLOSE = "\x1e", "\x1f"  # mark where transliterated Han / Hangul runs sit
_HAN_CHAR_RE = re.compile(r"^[\u3400-\u9fff\uf900-\ufaff]$")
_WORD_OPEN, _WORD_CLOSE = "\x02", "\x03"  # mark a word of another script (Arabic, Devanagari...)
LATIN = "LATIN"
# Scripts whose transliteration keeps words apart: matched on the Latin view. In the others the
# transliteration merges words (Arabic "صلاة" prayer and "سلاح" weapon both read "slh"; Devanagari
# and Gurmukhi lose their vowel signs): their entries match the word as written.
_TRANSLITERATED_SCRIPTS = frozenset({LATIN})
# Cyrillic and Greek transliterate letter for letter: their words are read on the Latin view, with
# Latin ones (a Cyrillic look-alike inside a Latin word, spaced Cyrillic letters closed up)
_READ_AS_LATIN = frozenset({LATIN, "CJK", "CYRILLIC", "GREEK"})
# Clitics written fused to the next word, tried off a word matched as written: the Arabic article
# and prepositions ("بالسيارات", "المسجد"), the Amharic prepositions ("የቤተክርስቲያን", "በመኪና").
_FUSED_CLITICS = {
    "ARABIC": ("وبال", "بال", "وال", "فال", "كال", "لل", "ال", "و", "ب", "ل", "ف"),
    "ETHIOPIC": ("እንደ", "ስለ", "ወደ", "የ", "በ", "ለ", "ከ"),
}
# Scripts written without spaces between words (Khmer, Thai, Lao, Myanmar): an entry matches inside
# the run, as Han entries do.
_UNSPACED_SCRIPTS = frozenset({"KHMER", "THAI", "LAO", "MYANMAR"})
_WRITTEN_STEM = 4  # a word matched as written may carry a suffix after an entry this long

# Ordinary words one edit away from a lexicon entry: never a typo of it.
_NOT_TYPOS = frozenset(
    """protect protects protected protection protective protecting report reports reported reporting
    department deportment documented matches marched margin parked parker petite patient asylums
    remover removed remove removes removal assault""".split()
)


def _latin_letter(ch: str) -> str:
    """The Latin letter a look-alike stands for (UTS #39 confusables, see ``text._latin_lookalike``)."""
    return _latin_lookalike(ch)


@lru_cache(maxsize=65536)
def _char_script(ch: str) -> str | None:
    if not ch.isalpha():
        return None
    if _CJK_RE.match(ch):
        return "CJK"
    try:
        name = unicodedata.name(ch)
    except ValueError:
        return None
    return name.split(" ", 1)[0]


def word_script(word: str) -> str | None:
    """The script most of a word's letters are written in (``unicodedata`` names: LATIN, CYRILLIC,
    ARABIC, DEVANAGARI, GURMUKHI, ETHIOPIC, KHMER...; CJK for Han, Kana and Hangul)."""
    counts: dict[str, int] = {}
    for ch in word:
        sc = _char_script(ch)
        if sc is not None:
            counts[sc] = counts.get(sc, 0) + 1
    if not counts:
        return None
    if "CJK" in counts:
        return "CJK"
    return max(counts.items(), key=lambda kv: kv[1])[0]


def _written_form(word: str) -> str:
    return "".join(ch for ch in word if ch.isalpha() or unicodedata.category(ch) == "Mc").lower()


@lru_cache(maxsize=4096)
def _fold_mixed_word(word: str, latin_text: bool = True) -> str:
    """A Latin word with look-alike letters from another script: map them to Latin. A word wholly
    in look-alikes ("ІСЕ", "ᴅᴇᴘᴏʀᴛ") is folded only inside Latin text: in a Russian sentence
    "его" (his) is a Russian word, not "ero"."""
    if word.isascii():
        return word
    has_latin = any("a" <= c.lower() <= "z" for c in word)
    if not has_latin and not latin_text and not word.isupper():
        return word
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
    # clause number of each token (a new clause after . ; , : ! ? or a bracket): role cues reach
    # only the words of their own clause
    clauses: tuple[int, ...] = ()
    # sentence number of each token (a new sentence after . ; ! ? only): a reported threat
    # ("сказал, что добьётся её депортации") reaches across a comma
    sentences: tuple[int, ...] = ()
    # the Han / Hangul runs as written (spaces removed): a one-character Han entry matches the
    # character itself, not its toneless pinyin ("盗" dao is not "到" dao, arrive)
    cjk_raw: tuple[str, ...] = ()
    # positions of the tokens that are transliterated Han / Hangul: a Latin entry never matches
    # them ("对" dui is no DUI, "뒤" dwi no DWI)
    cjk_tokens: frozenset[int] = frozenset()
    # each token's script (LATIN for Latin words and Han / Hangul runs) and, for a word of a script
    # matched as written, the word's letters as written ("" otherwise)
    scripts: tuple[str, ...] = ()
    written: tuple[str, ...] = ()


@lru_cache(maxsize=8192)
def normalize(text: str) -> Normalized:
    s = _strip(text)
    letters = [c for c in s if c.isalpha()]
    latin_text = sum(c.isascii() for c in letters) * 2 >= len(letters)
    s = " ".join(_fold_mixed_word(w, latin_text) for w in s.split())
    # each word of another script is marked, so that its tokens keep their script and the word as
    # written: an entry matches only words of its own script ("سلاح" is no Latin "slh", and a
    # Latin "dan" no Vietnamese transliteration of Arabic); inside Latin text a Cyrillic or Greek
    # word is an obfuscated Latin one and stays Latin
    written: list[tuple[str, str]] = []
    marked = []
    for w in s.split():
        sc, form = word_script(w), _written_form(w)
        if sc is None or sc in _READ_AS_LATIN or len(form) < 2:
            marked.append(w)
        else:
            written.append((sc, form))
            marked.append(f"{_WORD_OPEN}{w}{_WORD_CLOSE}")
    s = " ".join(marked)
    # runs separated by a space only are read as one ("추 방", "불법 체류자"): a space is no
    # word boundary a Han / Hangul entry must respect
    runs = _CJK_SPACED_RE.findall(s)
    cjk = tuple(_syllables(run) for run in runs)
    cjk_raw = tuple(re.sub(r"\s+", "", run) for run in runs)
    s = _CJK_RE.sub(lambda m: f" {_CJK_OPEN}" + anyascii(m.group(0)) + f"{_CJK_CLOSE} ", s)
    s = anyascii(s).lower()
    s = s.replace("&", " and ").replace("'", "").replace("\u2019", "")
    s = _DOTTED_LETTERS_RE.sub(lambda m: re.sub(r"[^a-z]", "", m.group(0)), s)
    s = _SPACED_LETTERS_RE.sub(lambda m: m.group(0).replace(" ", ""), s)
    s = _INNER_SEP_RE.sub("", s)
    tokens: list[str] = []
    clauses: list[int] = []
    sentences: list[int] = []
    from_cjk: set[int] = set()
    word_of: list[int] = []  # index into ``written`` of each token's word, -1 for a Latin word
    clause = sentence = last = 0
    inside = False
    word, in_word = -1, False
    for m in _TOKEN_RE.finditer(s):
        between = s[last : m.start()]
        clause += len(_CLAUSE_BREAK_RE.findall(between))
        sentence += len(_SENTENCE_BREAK_RE.findall(between))
        if _CJK_OPEN in between or _CJK_CLOSE in between:
            inside = between.rfind(_CJK_OPEN) > between.rfind(_CJK_CLOSE)
        for ch in between:
            if ch == _WORD_OPEN:
                word, in_word = word + 1, True
            elif ch == _WORD_CLOSE:
                in_word = False
        last = m.end()
        if inside:
            from_cjk.add(len(tokens))
        word_of.append(word if in_word else -1)
        tokens.append(m.group(0))
        clauses.append(clause)
        sentences.append(sentence)
    per_word: dict[int, int] = {}
    for w_i in word_of:
        per_word[w_i] = per_word.get(w_i, 0) + 1
    scripts = tuple(written[w_i][0] if w_i >= 0 else LATIN for w_i in word_of)
    # the word as written, for a word that gave one token
    as_written = tuple(written[w_i][1] if w_i >= 0 and per_word[w_i] == 1 else "" for w_i in word_of)
    return Normalized(
        tuple(tokens),
        cjk,
        " ".join(tokens),
        tuple(clauses),
        tuple(sentences),
        cjk_raw,
        frozenset(from_cjk),
        scripts,
        as_written,
    )


@dataclass(frozen=True)
class Entry:
    source: str
    parts: tuple[tuple[str, str], ...]  # (kind, text): exact / prefix / inside
    lang: str
    script: str = LATIN
    written: tuple[str, ...] = ()  # per part, the word as written (scripts matched as written)


def _syllables(run: str) -> str:
    """A Han / Hangul run transliterated one character (syllable) at a time, " yi min " style:
    an entry then matches whole syllables only ("yi ming", one person, is not "yi min", immigrant),
    while simplified and traditional forms still read alike."""
    out = []
    for ch in run:
        if ch.isspace():
            continue
        t = re.sub(r"[^a-z0-9]", "", anyascii(ch).lower())
        if t:
            out.append(t)
    return " " + " ".join(out) + " "


def _compile(source: str, lang: str) -> Entry | None:
    if _CJK_RE.search(source):
        # stripped as the text is: a voiced kana loses its mark there ("だまし" reads "たまし")
        source_text = _strip(source)
        if _HAN_CHAR_RE.match(source_text.strip()):
            return Entry(source, (("raw", source_text.strip()),), lang)
        compact = " ".join(_syllables(run).strip() for run in _CJK_RE.findall(source_text))
        return Entry(source, (("inside", f" {compact} "),), lang) if compact.strip() else None
    parts: list[tuple[str, str]] = []
    written: list[str] = []
    script = word_script(source) or LATIN
    for raw in source.split():
        stem = raw.endswith("*")
        norm = normalize(raw.rstrip("*"))
        toks = norm.tokens
        if not toks:
            continue
        for i, t in enumerate(toks):
            parts.append(("prefix" if stem and i == len(toks) - 1 else "exact", t))
            written.append(norm.written[i] if len(toks) == 1 else "")
    if script in _READ_AS_LATIN:
        script = LATIN
    return Entry(source, tuple(parts), lang, script, tuple(written)) if parts else None


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


def _part_ok(e: Entry, j: int, norm: Normalized, at: int, fuzzy: bool) -> bool:
    """Part ``j`` of the entry against token ``at``: only within one script; a script whose
    transliteration merges words is compared as written."""
    kind, want = e.parts[j]
    script = norm.scripts[at] if norm.scripts else LATIN
    if script != e.script:
        return False
    if script not in _TRANSLITERATED_SCRIPTS:
        tok, target = norm.written[at], e.written[j] if j < len(e.written) else ""
        if tok and target and script in _UNSPACED_SCRIPTS:
            return target in tok
        if tok and target:
            forms = [tok] + [
                tok[len(c) :]
                for c in _FUSED_CLITICS.get(script, ())
                if tok.startswith(c) and len(tok) - len(c) >= 3
            ]
            if kind == "exact" and len(target) < _WRITTEN_STEM:
                return target in forms
            return any(f.startswith(target) for f in forms)
        return _tok_ok(kind, want, norm.tokens[at], False)
    return _tok_ok(kind, want, norm.tokens[at], fuzzy and script == LATIN)


@lru_cache(maxsize=1)
def _index() -> dict[str, tuple[tuple[Entry, ...], dict[str, tuple[Entry, ...]]]]:
    """Per family: the entries matched inside a word, and the others by their first letter
    (exact, stem and fuzzy matches all keep the first letter)."""
    out = {}
    for family, entries in lexicon().items():
        inside = tuple(e for e in entries if e.parts[0][0] in ("inside", "raw"))
        by_letter: dict[str, list[Entry]] = {}
        for e in entries:
            if e.parts[0][0] not in ("inside", "raw"):
                # Latin entries by their first letter (exact, stem and fuzzy matches all keep it);
                # those matched as written by their script (a fused clitic or an unspaced run puts
                # the entry's first letter anywhere in the word)
                key = e.parts[0][1][:1] if e.script in _TRANSLITERATED_SCRIPTS else e.script
                by_letter.setdefault(key, []).append(e)
        out[family] = (inside, {k: tuple(v) for k, v in by_letter.items()})
    return out


@lru_cache(maxsize=1)
def _verb_prefixes() -> tuple[str, ...]:
    raw = json.loads(DATA.read_text(encoding="utf-8")).get("_verb_prefixes", {})
    found = {p for lang, items in raw.items() if not lang.startswith("_") for p in items}
    return tuple(sorted(found, key=len, reverse=True))


_STEM_AFTER_PREFIX = 5


def _unprefixed(tok: str) -> tuple[str, ...]:
    """The token without a fused verbal prefix ("ipapadeport" -> "deport"), longest prefix first."""
    return tuple(
        tok[len(p) :]
        for p in _verb_prefixes()
        if tok.startswith(p) and len(tok) - len(p) >= _STEM_AFTER_PREFIX
    )


@lru_cache(maxsize=32768)
def find(family: str, norm: Normalized, fuzzy: bool = True) -> tuple[tuple[str, int], ...]:
    """(entry, token position) for each entry of ``family`` found in the normalised text. A
    one-word entry of five letters or more also matches after a fused verbal prefix
    ("ipapadeport", "nadeport": ``_verb_prefixes`` in the lexicon)."""
    inside, by_letter = _index()[family]
    hits: list[tuple[str, int]] = [
        (e.source, -1)
        for e in inside
        if any(e.parts[0][1] in c for c in (norm.cjk_raw if e.parts[0][0] == "raw" else norm.cjk))
    ]
    toks = norm.tokens
    for i, tok in enumerate(toks):
        if i in norm.cjk_tokens:
            continue
        matched = False
        script = norm.scripts[i] if norm.scripts else LATIN
        for e in by_letter.get(tok[:1] if script in _TRANSLITERATED_SCRIPTS else script, ()):
            n = len(e.parts)
            if i + n <= len(toks) and all(_part_ok(e, j, norm, i + j, fuzzy) for j in range(n)):
                # every occurrence: the role test needs each position; inside a run of an unspaced
                # script, as inside a Han run, a hit has no position of its own
                hits.append((e.source, -1 if script in _UNSPACED_SCRIPTS else i))
                matched = True
        if matched or script != LATIN:
            continue
        for rest in _unprefixed(tok):
            stem_hits = [
                e.source
                for e in by_letter.get(rest[:1], ())
                if len(e.parts) == 1
                and len(e.parts[0][1]) >= _STEM_AFTER_PREFIX
                and _tok_ok(*e.parts[0], rest, False)
            ]
            if stem_hits:
                hits.extend((h, i) for h in stem_hits)
                break
    return tuple(hits)


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
    investigators investigator enforcement and can could may will""".split()
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


def acronym_mentions(norm: Normalized) -> list[tuple[str, int, bool]]:
    """(acronym, token position, whether the context makes it a requester) for each immigration
    agency acronym the context makes an agency."""
    out: list[tuple[str, int, bool]] = []
    toks = norm.tokens
    for i, t in enumerate(toks):
        if t not in AGENCY_ACRONYMS:
            continue
        prev = toks[i - 1] if i else ""
        nxt = toks[i + 1] if i + 1 < len(toks) else ""
        requester = prev in _REQ_PREV or nxt in _REQ_NEXT
        if t == "ice" and nxt == "field" and i + 2 < len(toks) and toks[i + 2] in ("office", "offices"):
            out.append((t.upper(), i, requester))
        elif t == "ice":
            if nxt in _ICE_NOT_AGENCY_NEXT or (prev in _ICE_NOT_AGENCY_PREV and nxt not in _REQ_NEXT):
                continue
            if requester or nxt in _MENTION_NEXT or len(toks) <= 2:
                out.append((t.upper(), i, requester))
        elif t in _ALWAYS_AGENCY or requester or nxt in _MENTION_NEXT or len(toks) <= 2:
            out.append((t.upper(), i, requester))
    return out


def agency_acronyms(norm: Normalized) -> tuple[list[str], list[str]]:
    """(acronyms of immigration agencies mentioned as such, those the context makes a requester)."""
    found = acronym_mentions(norm)
    return [a for a, _, _ in found], [f"{a} as requester" for a, _, r in found if r]


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


def _entries(hits: tuple[tuple[str, int], ...]) -> list[str]:
    return list(dict.fromkeys(h for h, _ in hits))


# A crime word that is denied names no offense: "no specific threat has been made", "assault report
# was unfounded", "sin delito", "không có tội", "нет угрозы".
# (prepositions such as "without", "sin", "без", "walang" are left out: "workers without papers kept
# locked in" denies nothing)
_NEGATORS = frozenset(
    "no not non nothing never none nor ningun ninguna nada nunca khong chua chang net ni hindi wala aan".split()
)
_NEGATED_AFTER = frozenset("unfounded unsubstantiated cleared dismissed dropped recanted".split())


def _negated(norm: Normalized, i: int, n: int) -> bool:
    """The crime word at tokens ``i``..``i + n`` is denied by a negator one or two words before it
    in its clause ("no specific threat"), or declared unfounded just after it."""
    if i < 0:
        return False
    toks, clause = norm.tokens, norm.clauses
    same = (lambda j: clause[j] == clause[i]) if clause else (lambda j: True)
    before = [toks[j] for j in range(max(0, i - 2), i) if same(j)]
    after = [toks[j] for j in range(i + n, min(len(toks), i + n + 4)) if same(j)]
    return any(t in _NEGATORS for t in before) or any(t in _NEGATED_AFTER for t in after)


@lru_cache(maxsize=4096)
def _facts(text: str) -> dict[str, list[str]]:
    norm = normalize(text)
    fam = lexicon()
    mentioned, requester = agency_acronyms(norm)
    out = {f: _entries(find(f, norm)) for f in fam}
    crime = [
        (source, i)
        for source, i in find("crime", norm)
        if not _negated(norm, i, len(normalize(source.rstrip("*")).tokens) or 1)
    ]
    out["crime"] = _entries(tuple(crime))
    return out | {"acronym": mentioned, "requester": requester}


# --------------------------------------------------------------------------
# Whose role a mention plays, read from where it sits (a shallow dependency reading)
# --------------------------------------------------------------------------
#
# A mention of an immigration concept (status word, agency, acronym) is tied to the words around it
# in its own clause:
#   threat   the mention is the object of the suspect's threat: it follows a threat verb in the same
#            clause ("threatened them with ICE", "amenazó con llamar a inmigración"); a requester
#            cue there ("with ICE", "call ICE") is part of the threat, not a request;
#   place    it modifies a place noun next to it ("the Homeland Security building", "oficina de
#            inmigración", "здание миграционной службы");
#   evidence it modifies an evidence noun next to it ("CBP camera", "video from the Border Patrol");
#   victim   it follows a crime word of its clause with no agent between them ("kidnapping of an
#            asylum seeker", "robbed undocumented workers", "fraude contra inmigrantes"), or a
#            passive crime follows it ("asylum seeker was kidnapped", "người nhập cư bị cướp").
# A mention with none of these is the target: what the search is for.

_THREAT_BEFORE = 8  # tokens a threat verb reaches forward in its clause
_THREAT_AFTER = 3  # and back (verb-final languages: "ICE에 신고하겠다고 협박")
_NOUN_AFTER = 2  # place / evidence noun right after the mention (head-final: "ICE office")
_NOUN_BEFORE = 3  # or just before it, with a connector (head-first: "oficina de ICE")
_CRIME_BEFORE = 4
_PASSIVE_AFTER = 4


@dataclass(frozen=True)
class Mention:
    text: str
    start: int  # token positions (start < 0: matched inside a Han / Hangul word, no position)
    end: int
    requester: bool = False
    agency: bool = False  # an agency name or acronym (not a status or removal word)


@lru_cache(maxsize=32768)
def _positions(family: str, norm: Normalized) -> tuple[tuple[int, int], ...]:
    """(start, end) token spans of a family's hits (inside-word hits have no position)."""
    out = []
    for source, i in find(family, norm):
        if i < 0:
            continue
        n = len(normalize(source.rstrip("*")).tokens) or 1
        out.append((i, i + n))
    return tuple(out)


def _same_clause(norm: Normalized, a: int, b: int) -> bool:
    c = norm.clauses
    return 0 <= a < len(c) and 0 <= b < len(c) and c[a] == c[b]


def _near(norm: Normalized, spans: tuple[tuple[int, int], ...], m: Mention, before: int, after: int) -> bool:
    """A span ending at most ``before`` tokens before the mention or starting at most ``after``
    tokens after it, in the same clause."""
    for s0, e0 in spans:
        if e0 <= m.start and m.start - e0 < before and _same_clause(norm, s0, m.start):
            return True
        if s0 >= m.end and s0 - m.end < after and _same_clause(norm, s0, m.end - 1):
            return True
    return False


def mention_role(norm: Normalized, m: Mention) -> str | None:
    """threat / place / evidence / witness / victim, or None when the mention is what the search is
    for."""
    if m.start < 0:
        return None
    if (
        _near(norm, _positions("threat", norm), m, _THREAT_BEFORE, _THREAT_AFTER)
        or _threat_into_clause(norm, m)
        or _reported_threat(norm, m)
    ):
        return "threat"
    if _near(norm, _positions("place_noun", norm), m, _NOUN_BEFORE, _NOUN_AFTER + 1):
        return "place"
    if _near(norm, _positions("evidence_noun", norm), m, _NOUN_BEFORE, _NOUN_AFTER + 1):
        return "evidence"
    if _witness(norm, m):
        return "witness"
    if not m.agency and _near(norm, _positions("profession_noun", norm), m, _NOUN_BEFORE, _NOUN_AFTER + 1):
        return "service"
    if _impostor(norm, m):
        return "impostor"
    agents = {i for s0, e0 in _positions("agent_noun", norm) for i in range(s0, e0)}
    if _linked_victim(norm, m, agents):
        return "victim"
    # "robo de vehículo para la migra": the agency after "para" / "for" benefits, it is no victim
    agents |= {i for s0, e0 in _positions("benefit_link", norm) for i in range(s0, e0)}
    for s0, e0 in _positions("crime", norm):
        if (
            e0 <= m.start
            and m.start - e0 < _CRIME_BEFORE
            and _same_clause(norm, s0, m.start)
            and not any(e0 <= i < m.start for i in agents)
            and norm.tokens[s0] not in _NOT_VICTIM_CRIME
        ):
            return "victim"
    passive = _positions("passive", norm)
    crimes = _positions("crime", norm)
    toks = norm.tokens
    for c0, c1 in crimes:
        # "HSI agent carjacked at gunpoint": a participle right after the mention (and its noun)
        # followed by a preposition or the end of the clause, not by an object ("robbed a store")
        if (
            c0 >= m.end
            and c0 - m.end <= 1
            and _same_clause(norm, m.end - 1, c0)
            and toks[c1 - 1].endswith("ed")
            and (c1 >= len(toks) or not _same_clause(norm, c0, c1) or toks[c1] in _AFTER_PARTICIPLE)
        ):
            return "victim"
    for s0, e0 in passive:
        if s0 >= m.end and s0 - m.end < _PASSIVE_AFTER and _same_clause(norm, s0, m.end - 1):
            if any(c0 in (e0, e0 + 1) and _same_clause(norm, c0, e0 - 1) for c0, _ in crimes):
                return "victim"
    return None


_SPEECH_REACH = 10  # tokens from a speech verb to the removal word it reports, in its sentence
_CAUSATIVE_AFTER = 2  # a verb-final future marker right after the mention ("tarxiili doonaa")


def _same_sentence(norm: Normalized, a: int, b: int) -> bool:
    c = norm.sentences
    return 0 <= a < len(c) and 0 <= b < len(c) and c[a] == c[b]


def _reported_threat(norm: Normalized, m: Mention) -> bool:
    """The suspect's reported threat to have someone removed: a speech verb of the sentence, then a
    causative or future marker between it and the mention, or fused to the mention's own word
    ("said he would get her deported", "le dijo que la iba a hacer deportar", "sinabing ipapa-deport
    siya", "сказал, что добьётся её депортации", "nói sẽ cho cô ấy bị trục xuất"). Without the speech
    verb ("we want to get her deported", "ipapa-deport namin siya") the mention keeps no role."""
    causes = _positions("causative", norm)
    for s0, e0 in _positions("speech", norm):
        if not (e0 <= m.start and m.start - e0 < _SPEECH_REACH and _same_sentence(norm, s0, m.start)):
            continue
        for c0, _ in causes:
            if e0 <= c0 <= m.start and _same_sentence(norm, c0, m.start):
                return True
            if m.end <= c0 < m.end + _CAUSATIVE_AFTER and _same_clause(norm, m.end - 1, c0):
                return True
    return False


def _threat_into_clause(norm: Normalized, m: Mention) -> bool:
    """A threat verb whose "that" clause holds the mention ("погрожує, що «здасть її імміграційній
    службі»", "amenazó, que llamaría a inmigración"): the threat reaches across a comma when the
    next clause opens with a complementizer."""
    toks, clauses = norm.tokens, norm.clauses
    opens = {s0 for s0, _ in _positions("complementizer", norm)}
    for s0, e0 in _positions("threat", norm):
        if not (e0 <= m.start and m.start - e0 < _THREAT_BEFORE and _same_sentence(norm, s0, m.start)):
            continue
        breaks = [k for k in range(e0, m.start + 1) if k and clauses[k] != clauses[k - 1]]
        if breaks and all(k in opens for k in breaks) and len(toks) > m.start:
            return True
    return False


_IMPOSTOR_BEFORE = 5  # "fè tankou li se ajan imigrasyon": he acts as if he is an immigration agent


def _impostor(norm: Normalized, m: Mention) -> bool:
    """A fake immigration lawyer or officer ("fake ICE agent", "supuesto abogado de inmigración",
    "pekeng ahente ng imigrasyon", "ਨਕਲੀ ਇਮੀਗ੍ਰੇਸ਼ਨ ਏਜੰਟ"): an impostor word shortly before the
    mention and a person noun (officer, lawyer) next to it. "fake immigration papers" names no
    person and keeps no role."""
    if not any(
        e0 <= m.start and m.start - e0 < _IMPOSTOR_BEFORE and _same_clause(norm, s0, m.start)
        for s0, e0 in _positions("impostor", norm)
    ):
        return False
    people = _positions("officer_noun", norm) + _positions("profession_noun", norm)
    return _near(norm, people, m, _NOUN_BEFORE, _NOUN_AFTER + 1)


_WITNESS_AFTER = 7  # from the agency to its verb ("a Border Patrol agent on patrol near Lynden found")
_WITNESS_BEFORE = 3  # or the verb first with an agent marker ("nakita ng Border Patrol", "spotted by CBP")
_WITNESS_OBJECT = 6  # from the verb to the crime it reports ("encontró el carro robado")


def _witness(norm: Normalized, m: Mention) -> bool:
    """The agency found, saw or reported the crime under investigation ("la Patrulla Fronteriza
    encontró el carro robado", "a CBP officer spotted the stolen truck", "the stolen trailer was
    recovered by Border Patrol"): the mention is the subject (or, after an agent marker, the agent)
    of a witness verb, and a crime word is the verb's object or subject in the same clause. Finding
    a person or an address ("ICE found his address") names no crime and gives no role."""
    crimes = [(c0, c1) for c0, c1 in _positions("crime", norm) if norm.tokens[c0] not in _NOT_VICTIM_CRIME]
    agents = {i for s0, e0 in _positions("agent_noun", norm) for i in range(s0, e0)}
    # Tagalog "ng" (the doer), or the agency's person ("обнаружил сотрудник Пограничной службы")
    markers = {e0 - 1 for _, e0 in _positions("victim_link", norm)}
    markers |= {i for s0, e0 in _positions("officer_noun", norm) for i in range(s0, e0)}
    for w0, w1 in _positions("witness", norm):
        # the subject and its verb may sit on either side of an aside ("прикордонник (Border Patrol)
        # знайшов"): same sentence, a few words apart
        after = m.end <= w0 < m.end + _WITNESS_AFTER and _same_sentence(norm, m.end - 1, w0)
        before = (
            w1 <= m.start
            and m.start - w1 <= _WITNESS_BEFORE
            and _same_clause(norm, w0, m.start)
            and any(w1 <= i < m.start for i in agents | markers)
        )
        if not (after or before):
            continue
        for c0, c1 in crimes:
            if c0 >= w1 and c0 - w1 < _WITNESS_OBJECT and _same_clause(norm, w1 - 1, c0):
                return True
            if before and c1 <= w0 and w0 - c1 < _WITNESS_OBJECT and _same_clause(norm, c0, w0):
                return True
    return False


_LINK_REACH = 7  # a crime word reaches the mention across a victim link
_LINK_SKIP = 3  # determiners / person words between the link and the mention


def _linked_victim(norm: Normalized, m: Mention, agents: set[int]) -> bool:
    """The mention is the victim, or the owner of what was harmed, through a link word: a crime
    word of the clause, then "on / against / of / contra / de / của / sa / ng / на / у" right before
    the mention (a few determiners or person words between), no agent and no benefit link ("para",
    "for", "để") between: "assault on a Border Patrol agent", "agresión contra un agente de la
    Patrulla Fronteriza", "cướp tiệm phở của người tị nạn", "pananakit sa isang ahente ng Border
    Patrol", "smashed the windows of the refugee's van"."""
    fillers = {i for s0, e0 in _positions("determiner", norm) for i in range(s0, e0)}
    links = {e0 - 1 for _, e0 in _positions("victim_link", norm)}
    blockers = {i for s0, e0 in _positions("benefit_link", norm) for i in range(s0, e0)}
    j = m.start - 1
    skipped = 0
    while j >= 0 and j in fillers and j not in links and skipped < _LINK_SKIP:
        j -= 1
        skipped += 1
    if j < 0 or j not in links or not _same_clause(norm, j, m.start):
        return False
    for s0, e0 in _positions("crime", norm):
        if (
            e0 <= j
            and m.start - e0 <= _LINK_REACH
            and _same_clause(norm, s0, m.start)
            and norm.tokens[s0] not in _NOT_VICTIM_CRIME
            and not any(e0 <= i < m.start for i in agents | blockers)
        ):
            return True
    return False


_AFTER_PARTICIPLE = frozenset("at by in on near outside inside while during after and from with".split())

# Crime-family words that name a suspect's status or a paper, not an act done to someone.
# Adjectives of the crime family describe a paper or the suspect ("fake immigration papers"), never
# an act done to the word after them.
_NOT_VICTIM_CRIME = frozenset(
    """warrant wanted subject suspect suspects fake bogus sham counterfeit phony forged falso falsa
    falsos falsas pekeng""".split()
)


def _locate(norm: Normalized, phrase: str) -> tuple[int, int] | None:
    """The token span of ``phrase``; a one-word phrase also inside an affixed word (Tagalog
    "ipapa-deport", "pinadeport": the older finder reads the stem inside it)."""
    want = normalize(phrase).tokens
    if not want:
        return None
    toks = norm.tokens
    for i in range(len(toks) - len(want) + 1):
        if toks[i : i + len(want)] == want:
            return i, i + len(want)
    if len(want) == 1 and len(want[0]) >= 4:
        for i, t in enumerate(toks):
            if want[0] in t:
                return i, i + 1
    return None


def immigration_mentions(norm: Normalized, extra: tuple[str, ...] = ()) -> list[Mention]:
    """Every immigration concept mention with its position."""
    out: list[Mention] = []
    for family in ("immigration", "imm_agency"):
        for source, i in find(family, norm):
            n = len(normalize(source.rstrip("*")).tokens) or 1
            out.append(Mention(source, i, i + n if i >= 0 else i, agency=family == "imm_agency"))
    for acro, i, req in acronym_mentions(norm):
        out.append(Mention(acro, i, i + 1, req, agency=True))
    known = {(m.start, m.end) for m in out}
    for ev in extra:
        span = _locate(norm, ev)
        if span is None:
            out.append(Mention(ev, -1, -1))  # a form, a statute, another script's stem
        elif span not in known and not any(m.start <= span[0] < m.end for m in out):
            out.append(Mention(ev, span[0], span[1]))
    return out


# Verbs that make the agency just before them the one asking ("USCIS fraud detection asked",
# "Ice field office wants", "Border Patrol agents requested").
_ASK_VERBS = frozenset(
    """asked asks ask asking wants want requested requests requesting needs sent called contacted told
    pidio pide solicito quiere quieren yeu cau muon hiling gusto prosil prosili prosit khochet""".split()
)
_ASK_REACH = 3


def _asks(norm: Normalized, m: Mention) -> bool:
    """An agency mention followed by an asking verb ("USCIS fraud detection asked"); a status or
    removal word is never the one asking ("said he would get her deported if she called")."""
    if m.start < 0 or not m.agency:
        return False
    toks = norm.tokens
    for j in range(m.end, min(len(toks), m.end + _ASK_REACH)):
        if not _same_clause(norm, m.end - 1, j):
            return False
        if toks[j] in _ASK_VERBS:
            return True
    return False


_BENEFIT_REACH = 3


def _benefits(norm: Normalized, m: Mention) -> bool:
    """An agency the search is done for: a benefit link right before it ("so ICE can pick him up",
    "para que la migra lo detenga", "so that Border Patrol")."""
    if m.start < 0 or not m.agency:
        return False
    return any(
        e0 <= m.start and m.start - e0 < _BENEFIT_REACH and _same_clause(norm, s0, m.start)
        for s0, e0 in _positions("benefit_link", norm)
    )


_SUBJECT_REACH = 2


def _subject_is_party(norm: Normalized, i: int) -> bool:
    """A purpose phrase whose subject is the victim or the suspect names what they did or are, not
    what the search is for ("the victim is undocumented", "víctima ... su estatus", "suspect picked
    up merchandise")."""
    for family in ("victim_person", "suspect_noun"):
        for s0, e0 in _positions(family, norm):
            if e0 <= i and i - e0 < _SUBJECT_REACH and _same_clause(norm, s0, i):
                return True
    return False


def _in_threat_scope(norm: Normalized, start: int, end: int) -> bool:
    return _near(norm, _positions("threat", norm), Mention("", start, end), _THREAT_BEFORE, _THREAT_AFTER)


@lru_cache(maxsize=4096)
def _roles(text: str, extra: tuple[str, ...]) -> tuple[tuple[tuple[str, str | None], ...], tuple[str, ...]]:
    """((mention, role) for each mention, purpose cues outside the suspect's threat)."""
    norm = normalize(text)
    mentions = [
        replace(m, requester=True) if not m.requester and (_asks(norm, m) or _benefits(norm, m)) else m
        for m in immigration_mentions(norm, extra)
    ]
    roles = tuple((m.text, None if m.requester else mention_role(norm, m)) for m in mentions)
    purpose: list[str] = []
    for source, i in find("purpose", norm):
        n = len(normalize(source).tokens) or 1
        if i >= 0 and (_in_threat_scope(norm, i, i + n) or _subject_is_party(norm, i)):
            continue
        purpose.append(source)
    for m in mentions:
        if m.requester and not _in_threat_scope(norm, m.start, m.end):
            purpose.append(f"{m.text} as requester")
    return roles, tuple(dict.fromkeys(purpose))


def screen_immigration(text: str, extra_evidence: tuple[str, ...] = (), reason: str | None = None) -> Finding:
    """``reason``: the searcher's own words, where the offense must be named (the chosen offense
    type alone never turns a prohibited purpose into an investigation); defaults to ``text``.

    Decision: no role for any mention (neither from where it sits nor from a role cue of the
    request) refuses; a named offense, every purpose cue absent (a requester inside the suspect's
    threat does not count) and a role allows; anything else is held for a supervisor.
    """
    f = _facts(text)
    offense_facts = _facts(reason if reason is not None else text)
    concept = f["immigration"] + f["imm_agency"] + f["acronym"] + list(extra_evidence)
    concept = list(dict.fromkeys(concept))
    if not concept:
        return Finding("immigration", None)
    roles, purpose_t = _roles(text, tuple(extra_evidence))
    placed = [f"{r}: {m}" for m, r in roles if r]
    # Han / Hangul words have no position: an agency that found or reported the crime counts
    # from anywhere in the request ("边境巡逻队员在公路边发现了...车辆", "국경순찰대 요원이 ... 발견")
    norm = normalize(text)
    witnessed = [f"witness: {w}" for w, i in find("witness", norm) if i < 0]
    # a request-wide cue inside the concept's own words is no role: "sent home" names no place
    spans = [(m.start, m.end) for m in immigration_mentions(norm, tuple(extra_evidence)) if m.start >= 0]
    role = (
        placed
        + witnessed
        + _outside(norm, "victim", spans)
        + _outside(norm, "evidence", spans)
        + [p for p in _outside(norm, "place", spans) if p not in ("at the", "near the", "office")]
    )
    purpose = list(purpose_t)
    crime = [
        c for c in offense_facts["crime"] if c not in ("warrant", "wanted", "subject", "suspect", "suspect*")
    ]
    cues = tuple(f"role: {r}" for r in dict.fromkeys(role)) + tuple(f"purpose: {p}" for p in purpose)
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


def _outside(norm: Normalized, family: str, spans: list[tuple[int, int]]) -> list[str]:
    """The family's entries found at least once outside every mention span (Han / Hangul hits,
    which have no position, always count)."""
    out: list[str] = []
    for source, i in find(family, norm):
        n = len(normalize(source.rstrip("*")).tokens) or 1
        if i < 0 or not any(a < i + n and i < b for a, b in spans):
            out.append(source)
    return list(dict.fromkeys(out))


# Crime-family words that name a person or a paper, not what was done: "bringing a child for
# treatment" is no crime at the clinic.
_NOT_AN_OFFENSE = frozenset(
    "warrant wanted victim* missing incident offense offence crime criminal child elder bolo".split()
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
    crime = [c for c in offense_facts["crime"] if c not in _NOT_AN_OFFENSE]
    tracking = _tracking_not_victim(normalize(text))
    cues = tuple(f"offense: {c}" for c in crime) + tuple(f"tracking: {t}" for t in tracking)
    if not crime:
        picked = [c for c in f["crime"] if c not in _NOT_AN_OFFENSE]
        if picked and not tracking:
            # the offense type picked names a crime the reason does not describe in words the lexicon
            # knows ("broke the clinic's windows", offense: vandalism): the rules cannot tell, the
            # trained reading settles it, and nothing runs until it or a supervisor does
            return Finding(
                family,
                HOLD,
                tuple(concept),
                tuple(f"offense type: {c}" for c in picked),
                "the offense type names a crime, but the reason names no offense the screen knows",
            )
        return Finding(family, REFUSE, tuple(concept), cues, "protected activity is what the search tracks")
    if tracking:
        return Finding(
            family, HOLD, tuple(concept), cues, "a crime is named, but so are the people who took part"
        )
    return Finding(family, None, tuple(concept), cues, "the search investigates a crime at or near the place")


def _tracking_not_victim(norm: Normalized) -> list[str]:
    """Attendee / visitor words, less those that name the victim of the crime ("rally attendee
    stabbed by a passing driver": the attendee is the victim, no one is being tracked)."""
    out: list[str] = []
    for source, i in find("attendee", norm):
        if i >= 0:
            n = len(normalize(source.rstrip("*")).tokens) or 1
            if mention_role(norm, Mention(source, i, i + n)) == "victim":
                continue
        out.append(source)
    return list(dict.fromkeys(out))


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
    """Words (of three or more letters) that are not fillers: a rough measure of concrete detail.
    Chinese, Japanese and Korean write no spaces between words: there every two characters count
    as a word."""
    letters = [c for c in text if c.isalpha()]
    if letters and sum(1 for c in letters if UNSPACED_SCRIPT_RE.match(c)) * 2 > len(letters):
        # Thai, Lao, Myanmar, Khmer: no spaces between words, so their transliteration is a few
        # very long tokens; count words as the text analysis does (one per six letters)
        return other_script_words(text)
    norm = normalize(text)
    latin = sum(1 for t in norm.tokens if len(t) >= 3 and t not in _FILLER and not _in_cjk(t, norm))
    cjk_chars = sum(len(run.split()) for run in norm.cjk)
    return latin + cjk_chars // 2


def _in_cjk(token: str, norm: Normalized) -> bool:
    return any(token in run.replace(" ", "") for run in norm.cjk)


def mostly_non_latin(text: str) -> bool:
    """Most letters are in another script (Han, Hangul, Cyrillic, Arabic...): a word count of the
    Latin analysis says nothing about it, the concept lexicon does."""
    letters = [c for c in _strip(text) if c.isalpha()]
    if not letters:
        return False
    return sum(not c.isascii() for c in letters) * 2 > len(letters)

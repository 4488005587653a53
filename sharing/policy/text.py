"""Reason-text analysis: what is a search *for*?

The analysis works on features, not on lists of known bad strings:

* normalisation: NFKC, format/zero-width characters dropped, Cyrillic/Greek
  look-alike letters folded to Latin inside Latin-looking words, diacritics
  stripped (``inmigración`` -> ``inmigracion``), leetspeak undone inside words
  (``d3p0rt`` -> ``deport``, ``1CE`` -> ``ICE``, ``imm!gration``);
* tokenisation that re-joins spelled-out / dotted acronyms and words
  (``I.C.E``, ``I C E``, ``i-c-e``, ``U.S.B.P``, ``d e p o r t``);
* a stem lexicon matched exactly, by prefix (``deport*``, ``immigr*``) and by
  edit distance (Damerau, scaled to word length, with an exclusion list of
  ordinary English neighbours such as *report*, *department*, *documented*),
  which absorbs misspellings (``imigration``, ``deportaton``);
* phrase matching with per-token fuzziness (``boarder patrol``);
* context rules for ambiguous tokens: ``ice`` is the agency only as an acronym
  in context (dotted/spelled, upper-case, or next to ERO/HSI/warrant/detainer/
  agent/hold/request/removal/...), never before a street suffix or a
  venue/business/food noun (``Ice Harbor Dr``, ``ice rink``, ``ice cream``),
  after a weather/drug cue (``black ice``, ``selling ice``);
  ``removal``/``targeting``/``alien``/``DHS`` are weak: they decide only next
  to another weak cue or when the reason says nothing else;
* raw-script stems for other languages (Russian, Ukrainian, Chinese, Korean,
  Japanese, Arabic, Hindi) and folded Latin terms for Spanish, Portuguese,
  French, German, Vietnamese and Tagalog;
* for reproductive care and First Amendment activity a crime-versus-tracking
  test: "arson at the clinic" or "assault at the protest" is an investigation
  of a crime; "clinic visit", "rally attendees" or a bare "protest" is tracking
  protected activity.

Public helpers: :func:`analyze`, :func:`find_immigration`,
:func:`find_reproductive`, :func:`find_first_amendment`, :func:`is_vague`,
:func:`looks_like_immigration_agency`, :func:`normalize_name`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from anyascii import anyascii
from confusable_homoglyphs import confusables
from rapidfuzz.distance import OSA

_DATA = Path(__file__).resolve().parent / "data"


def _words(name: str) -> frozenset[str]:
    """A word list from ``sharing/policy/data/<name>.txt`` (one word a line, # comments)."""
    text = (_DATA / f"{name}.txt").read_text(encoding="utf-8")
    return frozenset(w for line in text.splitlines() if not line.startswith("#") for w in line.split())


# --------------------------------------------------------------------------
# Normalisation
# --------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _latin_lookalike(ch: str) -> str:
    """The ASCII letter a non-Latin look-alike stands for (UTS #39 confusables via
    ``confusable-homoglyphs``; small capitals and the like via ``anyascii``), or ``ch``."""
    if ch.isascii() or not ch.isalpha():
        return ch
    found = confusables.is_confusable(ch, preferred_aliases=["latin"], greedy=True) or []
    for entry in found:
        for glyph in entry.get("homoglyphs", ()):
            c: str = glyph.get("c", "")
            if len(c) == 1 and c.isascii() and c.isalpha():
                # the skeleton maps capital I to "l"; keep the case the writer meant
                if ch.isupper() and c.islower():
                    t = anyascii(ch)
                    return t if len(t) == 1 and t.isalpha() else c.upper()
                return c
    if "LATIN" not in unicodedata.name(ch, ""):
        return ch  # a letter of another script with no Latin look-alike: the word is not Latin
    t = anyascii(ch)
    return t if len(t) == 1 and t.isascii() and t.isalpha() else ch


_LEET = {
    "0": "o",
    "1": "i",
    "3": "e",
    "4": "a",
    "5": "s",
    "7": "t",
    "8": "b",
    "9": "g",
    "@": "a",
    "$": "s",
    "!": "i",
    "|": "i",
}
_LEET_SYMBOL_RE = re.compile(
    r"(?<=[^\W_])[@$!|](?=[^\W_])|(?<![^\W_])[@$](?=[^\W\d_])|(?<![^\W_])[!|](?=[A-Z]{2})"
)


def _strip_marks(s: str) -> str:
    out = []
    for ch in unicodedata.normalize("NFKD", s):
        if unicodedata.category(ch) in ("Mn", "Me"):
            continue
        if not ch.isascii() and "LATIN" in unicodedata.name(ch, ""):
            ch = anyascii(ch) or ch  # đ -> d, ß -> ss, æ -> ae, ł -> l
        out.append(ch)
    return unicodedata.normalize("NFC", "".join(out))


def _drop_format(s: str) -> str:
    return "".join(ch for ch in s if unicodedata.category(ch) != "Cf")


def _fold_word(word: str) -> str:
    word = _strip_marks(word)
    folded = "".join(_latin_lookalike(ch) for ch in word)
    if folded.isascii():
        return folded
    if any("a" <= c.lower() <= "z" for c in word):
        # mixed script: a Latin word with look-alikes; fold what we can
        return folded
    return word  # a genuinely non-Latin word (Russian, Chinese...): keep


_STRAY_COMBINING_RE = re.compile(
    "[\u0300-\u036f\u0483-\u0489\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]"
)


def base_normalize(text: str) -> str:
    """NFKC + format characters removed (used for raw-script matching); "&" reads as "and"."""
    s = _drop_format(unicodedata.normalize("NFKC", text or ""))
    # combining marks NFKC could not compose ("d\u0301eport", Zalgo text) break words apart
    s = _STRAY_COMBINING_RE.sub("", s)
    return s.replace("&", " and ").replace("＆", " and ")


def latin_view(text: str) -> str:
    """Case-preserving Latin rendering: look-alikes folded, marks stripped, leet symbols undone.
    A word wholly in another script is folded only in mostly-Latin text ("ІСЕ wants him") or when
    written in capitals like an acronym; in a Russian sentence "его" (his) stays Russian rather
    than reading "ero"."""
    s = base_normalize(text)
    s = _LEET_SYMBOL_RE.sub(lambda m: _LEET[m.group(0)], s)
    letters = [c for c in s if c.isalpha()]
    latin_text = sum(c.isascii() for c in letters) * 2 >= len(letters)

    def fold(m: re.Match[str]) -> str:
        w = m.group(0)
        if not latin_text and not w.isupper() and not any("a" <= c.lower() <= "z" for c in w):
            return _strip_marks(w)
        return _fold_word(w)

    return re.sub(r"[^\W_]+", fold, s)


# --------------------------------------------------------------------------
# Tokens
# --------------------------------------------------------------------------


@dataclass
class Token:
    orig: str  # case preserved, after folding/leet
    low: str  # lower-case, leet undone (1 -> i)
    start: int
    end: int
    spelled: bool = False  # re-joined from dotted / spaced letters
    alts: frozenset[str] = frozenset()  # other readings (1 -> l)
    raw: str = ""  # the text as typed (after folding)

    @property
    def upper(self) -> bool:
        letters = [c for c in self.orig if c.isalpha()]
        return bool(letters) and all(c.isupper() for c in letters)

    @property
    def is_alpha(self) -> bool:
        return self.low.isalpha()

    def readings(self) -> set[str]:
        return {self.low, *self.alts}


def _unleet(tok: str) -> tuple[str, frozenset[str]]:
    if tok.isdigit() or tok.isalpha():
        return tok, frozenset()
    if not any(c.isalpha() for c in tok):
        return tok, frozenset()
    a = "".join(_LEET.get(c, c) for c in tok)
    b = "".join(("l" if c == "1" else _LEET.get(c, c)) for c in tok)
    return a, frozenset({b} - {a})


_SEP_RE = re.compile(r"[\s.\-_*/\\·•'+:~]{1,3}")
_SEP_NOSPACE_RE = re.compile(r"[.\-_*/\\·•'+:~]+\s?")
_SPELLABLE_ACRONYMS = {"ice", "hsi", "cbp", "usbp", "ero", "dhs", "uscis", "iceero", "bortac"}


def tokenize(text: str) -> list[Token]:
    s = latin_view(text)
    raw_tokens: list[Token] = []
    for m in re.finditer(r"[A-Za-z0-9]+", s):
        orig = m.group(0)
        low, alts = _unleet(orig.lower())
        # case is judged on the leet-undone form ("1CE" reads as upper-case "ICE")
        cased = "".join(_LEET.get(c, c).upper() if c.isdigit() and orig.upper() == orig else c for c in orig)
        raw_tokens.append(Token(cased, low, m.start(), m.end(), alts=alts, raw=orig))

    def gap(a: Token, b: Token) -> str:
        return s[a.end : b.start]

    # Pass A: short pieces separated by punctuation/space that spell a known acronym.
    out: list[Token] = []
    i = 0
    while i < len(raw_tokens):
        merged = None
        for n in (5, 4, 3, 2):
            win = raw_tokens[i : i + n]
            if len(win) < n:
                continue
            pieces = [_LEET.get(t.low, t.low) if len(t.low) == 1 else t.low for t in win]
            if any(len(p) > 3 or not p.isalpha() for p in pieces):
                continue
            if not all(_SEP_RE.fullmatch(gap(a, b)) for a, b in zip(win, win[1:], strict=False)):
                continue
            cat = "".join(pieces)
            if cat in _SPELLABLE_ACRONYMS:
                merged = Token(
                    "".join(t.orig for t in win),
                    cat,
                    win[0].start,
                    win[-1].end,
                    spelled=True,
                    raw=s[win[0].start : win[-1].end],
                )
                i += n
                break
        if merged is None:
            out.append(raw_tokens[i])
            i += 1
        else:
            out.append(merged)

    # Pass B: runs of single letters ("d e p o r t", "U.S.") become one spelled word.
    final: list[Token] = []
    i = 0
    while i < len(out):
        j = i
        while (
            j + 1 < len(out)
            and len(out[j].low) == 1
            and out[j].low.isalpha()
            and not out[j].spelled
            and len(out[j + 1].low) == 1
            and out[j + 1].low.isalpha()
            and _SEP_RE.fullmatch(gap(out[j], out[j + 1]))
        ):
            j += 1
        run = out[i : j + 1]
        punct = all(_SEP_NOSPACE_RE.fullmatch(gap(a, b)) for a, b in zip(run, run[1:], strict=False))
        if len(run) >= 3 or (len(run) == 2 and punct):
            final.append(
                Token(
                    "".join(t.orig for t in run),
                    "".join(t.low for t in run),
                    run[0].start,
                    run[-1].end,
                    spelled=True,
                    raw=s[run[0].start : run[-1].end],
                )
            )
            i = j + 1
        else:
            final.append(out[i])
            i += 1
    return _close_split_words(final, s)


@lru_cache(maxsize=1)
def _closing_lexicon() -> frozenset[str]:
    return IMM_STRONG_WORDS | REPRO_WORDS | FA_WORDS


def _closes_to_trigger(word: str) -> bool:
    if word in _closing_lexicon():
        return True
    return fuzzy_match(word, IMM_STRONG_WORDS) is not None


def _close_split_words(tokens: list[Token], s: str) -> list[Token]:
    """Pass C: a trigger word split by a separator ("im-migration", "de.port", "abor tion") is
    closed up; pieces that are words of their own ("de portland") are left alone."""
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        merged = None
        for n in (3, 2):
            win = tokens[i : i + n]
            if len(win) < n or not all(t.low.isalpha() for t in win):
                continue
            if not all(_SEP_RE.fullmatch(s[a.end : b.start]) for a, b in zip(win, win[1:], strict=False)):
                continue
            cat = "".join(t.low for t in win)
            if _closes_to_trigger(cat) and not any(_closes_to_trigger(t.low) for t in win):
                merged = Token(
                    "".join(t.orig for t in win),
                    cat,
                    win[0].start,
                    win[-1].end,
                    spelled=True,
                    raw=s[win[0].start : win[-1].end],
                )
                i += n
                break
        if merged is None:
            out.append(tokens[i])
            i += 1
        else:
            out.append(merged)
    return out


# --------------------------------------------------------------------------
# Fuzzy matching
# --------------------------------------------------------------------------


def edit_distance(a: str, b: str, limit: int = 3) -> int:
    """Optimal-string-alignment (Damerau) distance, capped at ``limit + 1`` (``rapidfuzz``)."""
    return OSA.distance(a, b, score_cutoff=limit)


def _allowed_edits(word: str) -> int:
    n = len(word)
    if n >= 10:
        return 2
    if n >= 7:
        return 1
    return 0


# Ordinary words that sit within a typo of a trigger stem.
_ENGLISH_NEIGHBOURS = _words("english_neighbours")

# Strong words matched exactly only (short slang / acronyms, or too close to ordinary words).
_EXACT_ONLY = frozenset(
    "illegals wetback wetbacks migra uscis bortac eoir ero hsi cbp usbp iceero immig "
    "immigr deport deports tnt".split()
)


def fuzzy_match(
    word: str, lexicon: frozenset[str], max_edits: int = 2, prefix: int = 2, min_len: int = 7
) -> str | None:
    """Return the lexicon entry ``word`` matches: exactly, or within a length-scaled edit distance
    (1 edit from 7 letters, 2 from 10, capped by ``max_edits``) sharing the first ``prefix`` letters."""
    if word in lexicon:
        return word
    if len(word) < min_len or word in _ENGLISH_NEIGHBOURS:
        return None
    for entry in lexicon:
        if len(entry) < min_len or entry in _EXACT_ONLY or entry[:prefix] != word[:prefix]:
            continue
        k = min(_allowed_edits(word), _allowed_edits(entry), max_edits)
        if k and edit_distance(word, entry, k) <= k:
            return entry
    return None


def _phrase_token_ok(word: str, target: str) -> bool:
    if word == target:
        return True
    k = 2 if len(target) >= 9 else 1 if len(target) >= 5 else 0
    return k > 0 and len(word) >= 4 and edit_distance(word, target, k) <= k


# --------------------------------------------------------------------------
# Lexicons
# --------------------------------------------------------------------------

STOPWORDS = _words("stopwords")

# Words that carry no incident content by themselves.
VAGUE_FILLER = _words("vague_filler")

KEYBOARD_MASH = _words("keyboard_mash")

SHORT_MEANINGFUL = frozenset({"dv", "dui", "dwi", "tmv", "mvt", "atl", "bolo", "gsw", "mva", "mvc"})

STREET_AND_VENUE_NOUNS = _words("street_and_venue_nouns")

STREET_SUFFIXES = _words("street_suffixes")
IMM_PLACE_NEXT = STREET_SUFFIXES | frozenset(
    "market store shop restaurant cafe grill bakery deli tire tires auto motors salon".split()
)

ICE_NEG_NEXT = STREET_AND_VENUE_NOUNS | frozenset(
    """
cream creams creamery skating skate skates skater hockey machine machines maker makers chest chests box boxes
cube cubes pick picks house storm storms age cold bucket buckets bag bags truck trucks sheet sheets fishing
climbing tea coffee water cap caps melt pop pops bath sculpture scraper axe ax auger dancing dance show shows
capades queen palace pack packs bin cooler coolers chips maker dispenser vending pond patch patches jam dam
""".split()
)
ICE_NEG_PREV = _words("ice_neg_prev")
ICE_POS_CONTEXT = _words("ice_pos_context")
ICE_POS_PREV = frozenset(
    {
        "per",
        "via",
        "help",
        "helping",
        "assist",
        "assisting",
        "notify",
        "contact",
        "contacted",
        "for",
        "from",
        "with",
        "by",
        "to",
        "call",
        "called",
    }
)
DRUG_CONTEXT = _words("drug_context")
WEATHER_CONTEXT = _words("weather_context")

# ---- immigration
IMM_STRONG_WORDS = _words("imm_strong_words")
IMM_PREFIXES = (
    "immigr",
    "imigr",
    "inmigr",
    "deport",
    "undocument",
    "indocument",
    "overstay",
    "abschieb",
    "einwander",
    "imigras",
)
IMM_WEAK_WORDS = _words("imm_weak_words")
IMM_STRONG_PHRASES = [
    ("border", "patrol"),
    ("border", "protection"),
    ("border", "agent"),
    ("border", "agents"),
    ("border", "enforcement"),
    ("customs", "enforcement"),
    ("customs", "and", "border"),
    ("homeland", "security", "investigations"),
    ("permission", "to", "stay"),
    ("visa", "expired"),
    ("expired", "visa"),
    ("visa", "overstay"),
    ("flown", "home"),
    ("immigration", "judge"),
    ("removal", "proceedings"),
    ("enforcement", "and", "removal"),
    ("removal", "operations"),
    ("removal", "order"),
    ("removal", "orders"),
    ("order", "of", "removal"),
    ("removal", "proceedings"),
    ("removal", "proceeding"),
    ("removal", "warrant"),
    ("warrant", "of", "removal"),
    ("final", "order"),
    ("illegal", "alien"),
    ("illegal", "aliens"),
    ("illegal", "immigrant"),
    ("illegal", "immigrants"),
    ("illegal", "entry"),
    ("illegal", "reentry"),
    ("illegal", "re", "entry"),
    ("illegal", "crosser"),
    ("illegal", "crossers"),
    ("illegal", "crossing"),
    ("illegal", "border"),
    ("criminal", "alien"),
    ("criminal", "aliens"),
    ("removable", "alien"),
    ("deportable", "alien"),
    ("undocumented", "alien"),
    ("visa", "overstay"),
    ("visa", "violation"),
    ("visa", "violator"),
    ("visa", "status"),
    ("expired", "visa"),
    ("immigration", "status"),
    ("citizenship", "status"),
    ("legal", "status"),
    ("residency", "status"),
    ("unlawful", "presence"),
    ("unlawfully", "present"),
    ("illegally", "present"),
    ("out", "of", "status"),
    ("administrative", "warrant"),
    ("admin", "warrant"),
    ("administrative", "warrants"),
    ("immigration", "hold"),
    ("alien", "registration"),
    ("green", "card", "holder"),
    ("no", "papers"),
    ("without", "papers"),
    ("sin", "papeles"),
    ("patrulla", "fronteriza"),
    ("la", "migra"),
    ("sans", "papiers"),
    ("police", "aux", "frontieres"),
    ("reconduite", "a", "la", "frontiere"),
    ("nhap", "cu"),
    ("di", "tru"),
    ("truc", "xuat"),
    ("khong", "giay", "to"),
    ("walang", "papeles"),
    ("sem", "documentos"),
    ("patrulha", "de", "fronteira"),
    ("migration", "enforcement"),
    ("alien", "smuggling"),
    ("tago", "ng", "tago"),
]
IMM_RAW_STEMS = (
    "иммигр",
    "имигр",
    "эмигр",
    "депорт",
    "нелегал",
    "мигрант",
    "миграц",
    "выдвор",
    "імміг",
    "депорту",
    "移民",
    "遣返",
    "驱逐出境",
    "驅逐出境",
    "非法移民",
    "无证",
    "無證",
    "边境巡逻",
    "邊境巡邏",
    "偷渡",
    "移民局",
    "이민",
    "추방",
    "불법체류",
    "입국관리",
    "入管",
    "強制送還",
    "不法滞在",
    "入国管理",
    "不法移民",
    "ترحيل",
    "هجرة",
    "مهاجر",
    "الهجرة",
    "निर्वासन",
    "आप्रवासन",
)
_IMM_FORM_RE = re.compile(r"(?<![a-z0-9])i[\s\-_.#]*(200|203|213|247[adnx]?|286|862|205)(?![0-9])")
_IMM_287G_RE = re.compile(r"(?<![0-9])287\s*[\(\[\-_.]?\s*g(?![a-z])")
_IMM_USC_RE = re.compile(r"8\s*u\.?\s*s\.?\s*c\.?\s*(?:§+\s*)?(1182|1227|1229|1231|1325|1326|1357)")
_I205_CONTEXT = frozenset(
    "warrant form removal deport deportation admin administrative detainer order ice ero "
    "service served serve immigration alien".split()
)

# ---- reproductive / protected health care (WA shield law also covers gender-affirming care)
REPRO_WORDS = _words("repro_words")
REPRO_PHRASES = [
    ("planned", "parenthood"),
    ("family", "planning"),
    ("pregnancy", "termination"),
    ("terminate", "pregnancy"),
    ("terminated", "pregnancy"),
    ("termination", "of", "pregnancy"),
    ("terminate", "a", "pregnancy"),
    ("end", "pregnancy"),
    ("ended", "pregnancy"),
    ("abortion", "pill"),
    ("womens", "clinic"),
    ("women", "s", "clinic"),
    ("womens", "health"),
    ("women", "s", "health"),
    ("pha", "thai"),
    ("interrupcion", "del", "embarazo"),
    ("interrupcao", "da", "gravidez"),
    ("birth", "control"),
    ("morning", "after", "pill"),
    ("plan", "b", "pill"),
    ("end", "a", "pregnancy"),
    ("ended", "a", "pregnancy"),
    ("ending", "a", "pregnancy"),
    ("ending", "pregnancy"),
    ("terminating", "a", "pregnancy"),
    ("terminated", "a", "pregnancy"),
]
# Gender-affirming care: a family of its own, so that a city that turns
# ``protect_gender_affirming_care`` off screens reproductive care only.
GENDER_CARE_PHRASES = [
    ("gender", "affirming"),
    ("transgender", "care"),
    ("transition", "care"),
    ("transition", "related"),
    ("gender", "transition"),
    ("puberty", "blockers"),
    ("hormone", "therapy"),
    ("gender", "clinic"),
    ("trans", "patients"),
    ("transgender", "patients"),
    ("transgender", "clinic"),
]
REPRO_RAW_STEMS = ("аборт", "堕胎", "墮胎", "人工流产", "人工流產", "낙태", "中絶", "إجهاض", "गर्भपात")
REPRO_TRACKING = _words("repro_tracking")

# ---- First Amendment activity
FA_WORDS = _words("fa_words")
FA_PHRASES = [
    ("sit", "in"),
    ("town", "hall"),
    ("political", "meeting"),
    ("political", "event"),
    ("political", "rally"),
    ("political", "gathering"),
    ("campaign", "event"),
    ("campaign", "rally"),
    ("religious", "service"),
    ("worship", "service"),
    ("church", "service"),
    ("prayer", "service"),
    ("prayer", "meeting"),
    ("union", "meeting"),
    ("union", "organizing"),
    ("press", "conference"),
    ("bieu", "tinh"),
    ("counter", "protest"),
    ("counter", "protesters"),
    ("no", "kings"),
    ("march", "participants"),
    ("marcha", "de"),
    ("council", "meeting"),
    ("council", "meetings"),
    ("board", "meeting"),
    ("public", "hearing"),
    ("public", "comment"),
    ("petition", "drive"),
    ("signature", "gathering"),
    ("voter", "registration"),
    ("tent", "city"),
    ("teach", "in"),
    ("die", "in"),
    ("walk", "out"),
]
FA_VENUES = frozenset(
    "church mosque synagogue temple gurdwara congregation worship journalist journalists "
    "union newsroom march marching".split()
)
FA_RAW_STEMS = (
    "протест",
    "митинг",
    "демонстрац",
    "抗议",
    "抗議",
    "示威",
    "游行",
    "遊行",
    "集会",
    "集會",
    "시위",
    "집회",
    "デモ",
    "مظاهرة",
    "احتجاج",
)
FA_TRACKING = _words("fa_tracking")
_MONTH_CONTEXT = frozenset("in since early late mid of last next this until till by on from through".split())

# Words that describe a vehicle or a person but name no incident.
GENERIC_DESCRIPTORS = _words("generic_descriptors")

_CJK_RE = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]+")
_OTHER_SCRIPT_WORD_RE = re.compile(r"[^\W\d_A-Za-z]{3,}")


# Scripts written without spaces between words (Thai, Lao, Myanmar, Khmer): about one word per
# six letters of a run (a conservative count: their words are four to five letters long).
UNSPACED_SCRIPT_RE = re.compile(r"[\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff]")


def other_script_words(text: str) -> int:
    """Content words in non-Latin scripts: runs of letters in Cyrillic, Arabic, Hangul, Devanagari,
    Gurmukhi... words, and for Chinese / Japanese (no spaces) about one word per two characters.
    A word's vowel signs and viramas (combining marks in Indic scripts) belong to it: they are
    counted from the text before marks are stripped."""
    s = _drop_format(unicodedata.normalize("NFKC", text or ""))
    count = 0
    for run in _CJK_RE.findall(s):
        count += len(run) // 2
    s = _CJK_RE.sub(" ", s)
    word: list[str] = []
    for ch in s + " ":
        if unicodedata.category(ch)[0] in "LM":
            word.append(ch)
            continue
        letters = [c for c in word if unicodedata.category(c)[0] == "L"]
        if len(word) >= 3 and letters and not all("LATIN" in unicodedata.name(c, "") for c in letters):
            unspaced = sum(1 for c in word if UNSPACED_SCRIPT_RE.match(c))
            count += max(1, unspaced // 6) if unspaced * 2 > len(word) else 1
        word = []
    return count


CRIME_WORDS = _words("crime_words")


# --------------------------------------------------------------------------
# Analysis
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    category: str  # "immigration" | "reproductive" | "first_amendment"
    strength: str  # "strong" | "weak"
    evidence: str  # the matched text
    feature: str  # which feature fired (for audit / tests)


@dataclass
class TextAnalysis:
    text: str
    tokens: list[Token]
    immigration: list[Finding] = field(default_factory=list)
    reproductive: list[Finding] = field(default_factory=list)
    gender_care: list[Finding] = field(default_factory=list)
    first_amendment: list[Finding] = field(default_factory=list)
    meaningful_words: list[str] = field(default_factory=list)
    crime_words: list[str] = field(default_factory=list)
    # immigration words that name the victim, the threat or the place of a crime (not the purpose)
    role_mentions: list[str] = field(default_factory=list)
    # content in scripts the Latin tokeniser does not read (Chinese, Cyrillic, Korean...)
    other_script_words: int = 0

    @property
    def is_immigration(self) -> bool:
        return _decide(self.immigration, self)

    @property
    def is_reproductive(self) -> bool:
        return bool(self.reproductive) and _protected_activity_targeted(self, REPRO_TRACKING)

    @property
    def is_gender_care(self) -> bool:
        # the same crime-versus-tracking test as reproductive care (same tracking words)
        return bool(self.gender_care) and _protected_activity_targeted(self, REPRO_TRACKING, self.gender_care)

    @property
    def is_first_amendment(self) -> bool:
        return bool(self.first_amendment) and _protected_activity_targeted(self, FA_TRACKING)

    @property
    def is_vague(self) -> bool:
        """Vague: fewer than two content words, or only generic descriptors ("odd car",
        "plate of interest", "suspicious vehicle") that name no incident."""
        count = len(self.meaningful_words) + self.other_script_words
        if count < 2:
            return True
        if self.other_script_words:
            return False
        return all(w in GENERIC_DESCRIPTORS for w in self.meaningful_words)

    def evidence(self, category: str) -> tuple[str, ...]:
        findings = getattr(self, category)
        strong = [f.evidence for f in findings if f.strength == "strong"]
        return tuple(dict.fromkeys(strong or [f.evidence for f in findings]))


def _is_meaningful(tok: Token) -> bool:
    w = tok.low
    if not w.isalpha():
        return False
    if w in STOPWORDS or w in VAGUE_FILLER or w in KEYBOARD_MASH:
        return False
    if len(w) < 3 and w not in SHORT_MEANINGFUL:
        return False
    if re.fullmatch(r"(.)\1{2,}", w):
        return False
    if not re.search(r"[aeiouy]", w) and w not in SHORT_MEANINGFUL and not tok.spelled and len(w) > 3:
        return False
    return True


def _neighbors(tokens: list[Token], i: int, step: int, count: int = 1) -> list[Token]:
    out: list[Token] = []
    j = i + step
    while 0 <= j < len(tokens) and len(out) < count:
        if tokens[j].low != "s":  # skip possessive "'s"
            out.append(tokens[j])
        j += step
    return out


def _others_content_free(tokens: list[Token], skip: set[int]) -> bool:
    return not any(
        _is_meaningful(t)
        for k, t in enumerate(tokens)
        if k not in skip and t.low not in ICE_POS_CONTEXT - {"immigration"}
    )


def _ice_is_agency(tokens: list[Token], i: int, words: set[str]) -> bool:
    t = tokens[i]
    if t.spelled:
        return True
    nxt = _neighbors(tokens, i, +1, 2)
    prv = _neighbors(tokens, i, -1, 2)
    if nxt and nxt[0].low in ICE_NEG_NEXT:
        return False
    if any(n.low in ICE_POS_CONTEXT for n in nxt) or any(p.low in ICE_POS_CONTEXT for p in prv):
        return True
    if nxt and nxt[0].low in {"ero", "hsi"}:
        return True
    if prv and prv[0].low in ICE_NEG_PREV:
        return False
    if words & (DRUG_CONTEXT | WEATHER_CONTEXT):
        return False
    if t.upper:
        return True
    if prv and prv[0].low in ICE_POS_PREV and prv[0].low not in {"for", "from", "with", "by", "to"}:
        return True
    if prv and prv[0].low in ICE_POS_PREV and not nxt:
        # "... for ice", "request from ice": the agency as the beneficiary at the end of a request
        return True
    return _others_content_free(tokens, {i})


def _match_phrases(
    lows: list[str], phrases: Iterable[tuple[str, ...]]
) -> list[tuple[int, int, tuple[str, ...]]]:
    hits = []
    for ph in phrases:
        n = len(ph)
        for i in range(len(lows) - n + 1):
            if all(_phrase_token_ok(lows[i + k], ph[k]) for k in range(n)):
                if sum(lows[i + k] != ph[k] for k in range(n)) <= 1 or all(len(p) >= 5 for p in ph):
                    hits.append((i, i + n, ph))
    return hits


def _word_feature(w: str, strong: frozenset[str], prefixes: tuple[str, ...], prefix: int = 2) -> str | None:
    if w in strong:
        return "lexicon"
    if any(w.startswith(p) for p in prefixes) and w not in _ENGLISH_NEIGHBOURS:
        return "prefix"
    if fuzzy_match(w, strong, prefix=prefix):
        return "fuzzy"
    return None


@lru_cache(maxsize=4096)
def analyze(text: str) -> TextAnalysis:
    """Analyse a reason / offense / case text. Cached: treat the result as read-only."""
    text = text or ""
    tokens = tokenize(text)
    lows = [t.low for t in tokens]
    words = set(lows)
    for t in tokens:
        words |= t.alts
    a = TextAnalysis(text=text, tokens=tokens)
    a.meaningful_words = [t.low for t in tokens if _is_meaningful(t)]
    a.other_script_words = other_script_words(text)
    a.crime_words = [w for w in lows if w in CRIME_WORDS]
    raw = base_normalize(text).casefold()
    raw_stripped = _strip_marks(raw)
    latin_low = latin_view(text).lower()

    imm = a.immigration
    cue_at: dict[int, int] = {}  # finding number -> token index (for the role test)
    # -- acronyms and words
    for i, t in enumerate(tokens):
        cue_at[len(imm)] = i
        for w in t.readings():
            if w == "ice":
                if _ice_is_agency(tokens, i, words):
                    imm.append(Finding("immigration", "strong", t.raw or t.orig, "ice_acronym"))
                break
            if w in IMM_WEAK_WORDS:
                if w == "papers" or w == "target":
                    continue  # only meaningful inside phrases / with other cues
                if (
                    w == "alien"
                    and _neighbors(tokens, i, -1)
                    and _neighbors(tokens, i, -1)[0].low
                    in {"illegal", "criminal", "removable", "deportable", "undocumented"}
                ):
                    continue  # the phrase rule reports it
                imm.append(Finding("immigration", "weak", t.raw or t.orig, "weak_word"))
                break
            feat = _word_feature(w, IMM_STRONG_WORDS, IMM_PREFIXES)
            nxt = _neighbors(tokens, i, +1)
            if feat and nxt and nxt[0].low in IMM_PLACE_NEXT:
                break  # a place or business name ("Deport St", "Immigrant Market")
            if feat:
                imm.append(Finding("immigration", "strong", t.raw or t.orig, feat))
                break
    cue_at = {k: v for k, v in cue_at.items() if k < len(imm)}
    for s_, _e, _ph in _match_phrases(lows, _DEPARTMENT_PHRASES):
        cue_at[len(imm)] = s_
        imm.append(Finding("immigration", "weak", "Homeland Security", "department"))
    for s, e, _ph in _match_phrases(lows, IMM_STRONG_PHRASES):
        cue_at[len(imm)] = s
        imm.append(Finding("immigration", "strong", " ".join(t.orig for t in tokens[s:e]), "phrase"))
    # -- forms, statutes
    for m in _IMM_FORM_RE.finditer(latin_low):
        if m.group(1) == "205":
            window = set(re.findall(r"[a-z]+", latin_low[max(0, m.start() - 40) : m.end() + 40]))
            if not (window & _I205_CONTEXT):
                continue  # Interstate 205 (Vancouver / Portland), not the removal warrant form
        imm.append(Finding("immigration", "strong", m.group(0), "form"))
    for rx, feat in ((_IMM_287G_RE, "287g"), (_IMM_USC_RE, "usc")):
        for m in rx.finditer(latin_low):
            imm.append(Finding("immigration", "strong", m.group(0), feat))
    if re.search(r"(?<![a-z0-9])a\s?[#\-]\s?\d{8,9}(?![0-9])", latin_low):
        imm.append(Finding("immigration", "weak", "A-number", "a_number"))
    # -- other scripts
    for stem in IMM_RAW_STEMS:
        if stem in raw or stem in raw_stripped:
            imm.append(Finding("immigration", "strong", stem, "script"))

    _apply_role_test(a, cue_at)

    # -- reproductive care
    rep = a.reproductive
    for t in tokens:
        if _word_feature(t.low, REPRO_WORDS, ("abortion", "reproductive"), prefix=3):
            rep.append(Finding("reproductive", "strong", t.orig, "lexicon"))
    for s, e, _ph in _match_phrases(lows, REPRO_PHRASES):
        rep.append(Finding("reproductive", "strong", " ".join(t.orig for t in tokens[s:e]), "phrase"))
    for stem in REPRO_RAW_STEMS:
        if stem in raw:
            rep.append(Finding("reproductive", "strong", stem, "script"))
    for s, e, _ph in _match_phrases(lows, GENDER_CARE_PHRASES):
        a.gender_care.append(
            Finding("gender_care", "strong", " ".join(t.orig for t in tokens[s:e]), "phrase")
        )

    # -- First Amendment activity
    fa = a.first_amendment
    for i, t in enumerate(tokens):
        w = t.low
        nxt = _neighbors(tokens, i, +1)
        prv = _neighbors(tokens, i, -1)
        if nxt and nxt[0].low in STREET_AND_VENUE_NOUNS:
            continue  # "Rally Rd", "Rally's burgers", "Protest Hill"
        if len(nxt) == 1 and nxt[0].low == "s" or any(n.low == "s" for n in tokens[i + 1 : i + 2]):
            continue  # possessive business name ("Rally's")
        if fuzzy_match(w, FA_WORDS, max_edits=1, prefix=3, min_len=8) or w in FA_WORDS:
            fa.append(Finding("first_amendment", "strong", t.orig, "lexicon"))
        elif w in {"march", "marcha", "marching"}:
            near = [n.low for n in nxt + prv]
            if any(x.isdigit() or re.fullmatch(r"\d+(st|nd|rd|th)", x) for x in near):
                continue  # a date
            if prv and prv[0].low in _MONTH_CONTEXT and w == "march":
                continue
            fa.append(Finding("first_amendment", "weak", t.orig, "march"))
        elif w in FA_VENUES:
            fa.append(Finding("first_amendment", "weak", t.orig, "venue"))
    for s, e, _ph in _match_phrases(lows, FA_PHRASES):
        fa.append(Finding("first_amendment", "strong", " ".join(t.orig for t in tokens[s:e]), "phrase"))
    for stem in FA_RAW_STEMS:
        if stem in raw:
            fa.append(Finding("first_amendment", "strong", stem, "script"))
    return a


# Whose role an immigration word plays. The search is for a crime (a crime word is present) and every
# immigration cue sits where it names the victim ("fraud against immigrants", "workers without
# papers"), the suspect's threat ("threatened to have her deported", "threatened them with ICE") or a
# place ("robbery at the immigration law office"): then the cue is not the purpose of the search.
ROLE_VICTIM_CRIMES = _words("role_victim_crimes")
ROLE_BEFORE = _words("role_before")
ROLE_PLACE_AFTER = _words("role_place_after")
# Cues that the agency or the status is what the search serves: never neutralised.
REQUESTER_CUES = frozenset(
    """
assist assisting assistance help helping behalf detainer detainers removal removals liaison
locate locating whereabouts hold holds detain status""".split()
)


def _apply_role_test(a: TextAnalysis, cue_at: dict[int, int]) -> None:
    imm = a.immigration
    if not imm or not (set(a.crime_words) | ({t.low for t in a.tokens} & ROLE_VICTIM_CRIMES)):
        return
    lows = [t.low for t in a.tokens]
    if set(lows) & REQUESTER_CUES:
        return
    for k, f in enumerate(imm):
        i = cue_at.get(k)
        if i is None:
            return  # a form, a statute or another script's stem: no role test
        before = set(lows[max(0, i - 5) : i])
        if "of" in before and before & ROLE_VICTIM_CRIMES:
            before.add("victim")  # "trafficking of workers without papers", "wages of undocumented"
        after = set(lows[i + 1 : i + 3])
        if f.feature == "ice_acronym" and not (before & ROLE_BEFORE):
            return
        if not (before & ROLE_BEFORE or after & ROLE_PLACE_AFTER):
            return
    a.role_mentions = [f.evidence for f in imm]
    imm.clear()


def _decide(findings: list[Finding], a: TextAnalysis) -> bool:
    if any(f.strength == "strong" for f in findings):
        return True
    weak = {f.evidence.lower() for f in findings if f.strength == "weak"}
    if len(weak) >= 2:
        return True
    if weak:
        # a weak cue decides when the reason says nothing else ("removal", "targeting", "DHS request")
        weak_tokens = {w for e in weak for w in re.findall(r"[a-z0-9]+", e)}
        others = [w for w in a.meaningful_words if w not in weak_tokens]
        return not others
    return False


def _protected_activity_targeted(
    a: TextAnalysis, tracking: frozenset[str], findings: list[Finding] | None = None
) -> bool:
    """Protected activity named: prohibited unless the search is about a crime and not about who took part."""
    if findings is None:
        findings = a.reproductive if tracking is REPRO_TRACKING else a.first_amendment
    strong = any(f.strength == "strong" for f in findings)
    lows = {t.low for t in a.tokens}
    tracks = (
        bool(lows & tracking)
        or " all vehicles" in " " + " ".join(t.low for t in a.tokens)
        or " all plates" in " " + " ".join(t.low for t in a.tokens)
    )
    if not strong:
        # venues / "march": only with explicit tracking of participants
        return tracks
    if a.crime_words and not tracks:
        return False
    return True


# Convenience wrappers -------------------------------------------------------


def find_immigration(text: str) -> tuple[str, ...]:
    """Evidence strings if ``text`` points at civil immigration enforcement, else ()."""
    a = analyze(text or "")
    return a.evidence("immigration") if a.is_immigration else ()


def find_reproductive(text: str) -> tuple[str, ...]:
    a = analyze(text or "")
    return a.evidence("reproductive") if a.is_reproductive else ()


def find_gender_care(text: str) -> tuple[str, ...]:
    """Evidence strings if ``text`` targets gender-affirming care, else ()."""
    a = analyze(text or "")
    return a.evidence("gender_care") if a.is_gender_care else ()


def find_first_amendment(text: str) -> tuple[str, ...]:
    a = analyze(text or "")
    return a.evidence("first_amendment") if a.is_first_amendment else ()


def is_vague(text: str) -> bool:
    """True when the text names no specific incident (fewer than two content words)."""
    return analyze(text or "").is_vague


_AGENCY_NAME_PHRASES = [
    ("immigration", "and", "customs"),
    ("customs", "and", "border"),
    ("border", "patrol"),
    ("homeland", "security", "investigations"),
    ("enforcement", "and", "removal"),
    ("citizenship", "and", "immigration"),
    ("office", "of", "field", "operations"),
    ("air", "and", "marine", "operations"),
]
# The department itself, named bare, is the immigration agencies' parent; as someone else's parent
# (the Secret Service, the Coast Guard, FEMA) it says nothing about that unit.
_DEPARTMENT_PHRASES = [("homeland", "security")]


def looks_like_immigration_agency(name: str, *, as_parent: bool = False) -> bool:
    """Whether an agency name denotes an immigration-enforcement body (ICE, CBP, Border Patrol, HSI,
    a bare "Department of Homeland Security"...). ``as_parent``: the name is a parent organisation."""
    if not name:
        return False
    a = analyze(name)
    lows = [t.low for t in a.tokens]
    if _match_phrases(lows, _AGENCY_NAME_PHRASES):
        return True
    if not as_parent and _match_phrases(lows, _DEPARTMENT_PHRASES):
        return True
    if not as_parent and set(lows) & {"dhs"}:
        return True
    return any(f.strength == "strong" for f in a.immigration)


def normalize_name(name: str) -> str:
    """Agency names for block-list comparison: folded, lower-case, no punctuation, no leading 'the'/'U.S.'."""
    words = [t.low for t in tokenize(name or "")]
    while words and words[0] in {"the", "us", "u", "united", "states"}:
        words = words[1:]
    return " ".join(words)

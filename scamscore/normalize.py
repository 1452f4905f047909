"""Normalise post text for matching, keeping a map back to the original text.

Scammers write "𝗳𝗿𝗲𝗲 𝗵𝗼𝘂𝘀𝗶𝗻𝗴", "g u a r a n t e e d", "wh@tsapp", "frееееe" (with Cyrillic е)
to get past keyword filters. `normalise()` undoes that in a fixed order of passes:

1. NFKC (styled and full-width letters, ligatures)
2. invisible characters removed (zero-width, bidi controls, soft hyphen)
3. lower-casing; accents stripped from Latin, Greek and Cyrillic letters (é→e, ё→е, й→и);
   typographic apostrophes and dashes folded to ASCII; Arabic short vowels and tatweel
   dropped and alef/yeh/teh-marbuta variants folded
4. homoglyphs folded inside mixed-script words, towards the word's main script
5. leetspeak inside Latin or Cyrillic words (fr33 → free, v1sa → visa, раб0та → работа),
   but not in amounts after a currency letter (N5,000 naira, R15000, Ksh500, R$150) nor in
   multipliers (x10)
7. spaced-out letters joined (g u a r a n t e e d → guaranteed)
8. runs of 3+ identical letters collapsed to one (freeeee → fre; lexicon phrases accept it)

Every normalised character remembers the span of original text it came from, so evidence
found in the normalised text is quoted from the original. Passes that find deliberate
hiding (invisible characters inside words, mixed scripts, spaced letters) record the
original spans as obfuscation evidence.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cached_property, lru_cache
from itertools import count

import numpy as np
import re2

from scamscore import compiled
from scamscore.re2_budget import compile_re2

Span = tuple[int, int]

# invisible characters (first, last): soft hyphen, joiners, bidi controls, variation selectors...
_INVISIBLE_RANGES = ((0xAD, 0xAD), (0x34F, 0x34F), (0x61C, 0x61C), (0x115F, 0x1160), (0x17B4, 0x17B5),
                     (0x180E, 0x180E), (0x200B, 0x200F), (0x202A, 0x202E), (0x2060, 0x2064),
                     (0x2066, 0x206F), (0xFEFF, 0xFEFF), (0xFE00, 0xFE0F))
_INVISIBLE = re.compile("[" + "".join(f"{re.escape(chr(a))}-{re.escape(chr(b))}"
                                      for a, b in _INVISIBLE_RANGES) + "]")
_INVISIBLE_TABLE = np.array(_INVISIBLE_RANGES, dtype=np.int32)
_WORD = re.compile(r"[^\W_]+")
_LATIN = re.compile(r"[a-zA-Z\u00c0-\u024f]")
_CYRILLIC = re.compile(r"[\u0400-\u04ff]")
_GREEK = re.compile(r"[\u0370-\u03ff]")
_MIXED_HINT = re.compile(
    r"[a-zA-Z\u00c0-\u024f][0-9]*[\u0370-\u04ff]|[\u0370-\u04ff][0-9]*[a-zA-Z\u00c0-\u024f]"
)
# a whole run of word characters (and @ $) that contains a leetspeak character
_LEET_TOKEN = re.compile(r"(?<![\w@$])[\w@$]*[0134578@$][\w@$]*(?![\w@$])")
_LEET_CHARS = re.compile(r"[0134578@$]")
_PREFIXED_AMOUNT = re.compile(r"[a-z]{1,3}(\$?)(\d+)")
_THOUSANDS = re.compile(r"[.,]\d")
_SEP = r"[ .\-_*|/·•,~+:\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\ufe0f]{1,3}"
_SPACED = re.compile(rf"(?<!\w)(?:[^\W\d_]{_SEP}){{3,}}[^\W\d_](?!\w)")


def _precheck(pattern: str) -> re2._Regexp:
    return compile_re2(pattern, 8 << 20)


# Quick RE2 pre-checks, each matching wherever its pass could change something (a superset
# of the pass's own pattern): Python's re tries every alternative at every position, RE2
# reads the text once, so the passes below cost 5x less on the ~95% of posts they leave alone.
_LETTER_NOT_DIGIT = r"[\pL\p{Nl}\p{No}]"  # Python's [^\W\d_]
_MIXED_HINT_RE2 = _precheck(r"[a-zA-Z\x{c0}-\x{24f}][0-9]*[\x{370}-\x{4ff}]"
                       r"|[\x{370}-\x{4ff}][0-9]*[a-zA-Z\x{c0}-\x{24f}]")
_LEET_AFTER_LETTER = _precheck(r"\pL[\pL\pN_@$]*[0134578@$]")
_SPACED_RE2 = _precheck(
    rf"(?:^|[^\pL\pN_]){_LETTER_NOT_DIGIT}(?:[ .\-_*|/·•,~+:\x{{1F000}}-\x{{1FAFF}}\x{{2600}}-\x{{27BF}}"
    rf"\x{{2B00}}-\x{{2BFF}}\x{{fe0f}}]{{1,3}}{_LETTER_NOT_DIGIT}){{3,}}(?:$|[^\pL\pN_])"
)
_NON_LETTERS = re.compile(r"[\W\d_]+")
_COMBINING = re.compile("[\u0300-\u036f]")
_STRETCH = re.compile(r"([^\W\d_])\1{2,}")
_LETTER = re.compile(r"[^\W\d_]")
# Arabic: short-vowel marks and the stretching tatweel are dropped, letter variants folded.
_ARABIC_MARKS = re.compile("[\u0640\u064b-\u065f\u0670\u06d6-\u06ed]")
_ARABIC_FOLD = str.maketrans("أإآٱىة", "اااايه")

# Look-alike letters, by the script they pretend to be.
_CYR_TO_LAT = dict(zip("аАвВеЕкКмМнНоОрРсСтТуУхХіІјЈѕЅԁ", "aABBeEKKMMHHoOpPcCTTyYxXiIjJsSd", strict=True))
_GRK_TO_LAT = dict(zip("αΑβΒεΕηΗιΙκΚμΜνΝοΟρΡτΤυΥχΧζΖ", "aABBeEnHiIkKuMvNoOpPtTuYxXzZ", strict=True))
_LAT_TO_CYR = dict(zip("aAbBeEkKmMHoOpPcCTyYxX", "аАвВеЕкКмМНоОрРсСТуУхХ", strict=True))
_LEET_LATIN = str.maketrans("0134578@$", "oieastbas")
_PUNCT_FOLD = str.maketrans(
    "\u2019\u2018\u02bc\u00b4\u0060\u2010\u2011\u2012\u2013\u2014\u2212", "'" * 5 + "-" * 6
)
_LEET_CYRILLIC = str.maketrans("0134@$", "оизча$")


@dataclass
class Normalised:
    """Normalised text plus, for each of its characters, the original span it came from.

    `starts` and `ends` are None while the text is the original one character for one
    character (nothing inserted or removed), and compact int arrays otherwise: a batch
    keeps thousands of these alive at once.
    """

    original: str
    text: str
    starts: Sequence[int] | None = None
    ends: Sequence[int] | None = None
    obfuscation: list[Span] = field(default_factory=list)

    @cached_property
    def utf8(self) -> bytes:
        """The normalised text in UTF-8, which RE2 matches (encoded once per post)."""
        return self.text.encode("utf-8")

    @cached_property
    def char_at_byte(self) -> Callable[[int], int]:
        """Maps a byte offset of `utf8` to a character offset of `text`."""
        return byte_to_char(self.text, self.utf8)

    def to_original(self, start: int, end: int) -> Span:
        """Map a [start, end) span of the normalised text to the original text."""
        if self.starts is None or self.ends is None:
            start = min(start, len(self.original))
            return start, max(start, min(end, len(self.original)))
        if end <= start:
            pos = self.starts[start] if start < len(self.starts) else len(self.original)
            return pos, pos
        return self.starts[start], self.ends[end - 1]


def code_points(text: str) -> np.ndarray:
    """The text's code points as uint32, one per character (lone surrogates included), for
    table lookups in numpy."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)


def byte_to_char(text: str, data: bytes) -> Callable[[int], int]:
    """Map UTF-8 byte offsets of `data` (= text encoded) to character offsets of `text`."""
    if len(data) == len(text):
        return lambda pos: pos
    cache: dict[int, int] = {}

    def convert(pos: int) -> int:
        if pos not in cache:
            cache[pos] = len(data[:pos].decode("utf-8", errors="ignore"))
        return cache[pos]

    return convert


class _Builder:
    """Applies non-overlapping edits to text while keeping the original-span map (which
    stays implicit until the first edit that changes a length)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.starts: Sequence[int] | None = None
        self.ends: Sequence[int] | None = None

    def _maps(self) -> tuple[Sequence[int], Sequence[int]]:
        if self.starts is None or self.ends is None:
            self.starts = list(range(len(self.text)))
            self.ends = list(range(1, len(self.text) + 1))
        return self.starts, self.ends

    def apply(self, edits: list[tuple[int, int, str]]) -> None:
        """Replace text[i:j] with each replacement (edits sorted, non-overlapping)."""
        if not edits:
            return
        if compiled.FAST is not None:  # the same text and maps, in int32 arrays
            self.text, starts, ends = compiled.FAST.splice(self.text, self.starts, self.ends, edits)
            if starts is not None:
                self.starts, self.ends = array("i", starts), array("i", ends)
            return
        if self.starts is None and all(len(new) == j - i for i, j, new in edits):
            self.text = "".join(_spliced(self.text, edits))
            return
        old_starts, old_ends = self._maps()
        parts: list[str] = []
        starts: list[int] = []
        ends: list[int] = []
        pos = 0
        for i, j, new in edits:
            parts.append(self.text[pos:i])
            starts.extend(old_starts[pos:i])
            ends.extend(old_ends[pos:i])
            if new:
                if len(new) == j - i:
                    starts.extend(old_starts[i:j])
                    ends.extend(old_ends[i:j])
                else:
                    lo, hi = old_starts[i], old_ends[j - 1]
                    starts.extend([lo] * len(new))
                    ends.extend([hi] * len(new))
                parts.append(new)
            pos = j
        parts.append(self.text[pos:])
        starts.extend(old_starts[pos:])
        ends.extend(old_ends[pos:])
        self.text = "".join(parts)
        self.starts, self.ends = starts, ends

    def span(self, i: int, j: int) -> Span:
        if self.starts is None or self.ends is None:
            return i, j
        return self.starts[i], self.ends[j - 1]

    def result(self, original: str, evidence: list[Span]) -> Normalised:
        return Normalised(original, self.text, _int_array(self.starts), _int_array(self.ends),
                          sorted(set(evidence)))


def _int_array(values: Sequence[int] | None) -> Sequence[int] | None:
    """A span map as a compact int array (the compiled splice already gives one)."""
    return values if values is None or isinstance(values, array) else array("i", values)


def _spliced(text: str, edits: list[tuple[int, int, str]]) -> Iterator[str]:
    pos = 0
    for i, j, new in edits:
        yield text[pos:i]
        yield new
        pos = j
    yield text[pos:]


@lru_cache(maxsize=1)
def _accent_table() -> dict[int, str]:
    """Map each accented Latin/Greek/Cyrillic letter to its base letter (1:1, keeps offsets)."""
    table = {}
    for lo, hi in ((0xC0, 0x250), (0x370, 0x500), (0x1E00, 0x1F00)):
        for cp in range(lo, hi):
            decomposed = unicodedata.normalize("NFD", chr(cp))
            if len(decomposed) > 1 and _script_of(decomposed[0]) != "other":
                table[cp] = decomposed[0]
    return table


@lru_cache(maxsize=1)
def _fold_table() -> dict[int, str | int]:
    """Accents, typographic punctuation and Arabic letter variants in one table (their keys
    and values are disjoint, so one pass equals the three in turn)."""
    return {**_accent_table(), **_PUNCT_FOLD, **_ARABIC_FOLD}


@lru_cache(maxsize=1)
def _fold_pattern() -> tuple[re.Pattern[str], dict[str, str]]:
    """The fold table as a character class and a str -> str map: substituting only the
    characters that change is several times quicker than str.translate over the whole post
    (which looks every non-ASCII character up in a Python dict)."""
    folded = {chr(k): chr(v) if isinstance(v, int) else v for k, v in _fold_table().items()}
    return re.compile("[" + "".join(map(re.escape, sorted(folded))) + "]"), folded


@lru_cache(maxsize=1)
def _fold_codes() -> np.ndarray:
    """The fold table as int32 code points indexed by code point (for the compiled pass)."""
    folded = {k: ord(v) if isinstance(v, str) else v for k, v in _fold_table().items()}
    codes = np.arange(max(folded) + 1, dtype=np.int32)
    codes[list(folded)] = list(folded.values())
    return codes


@lru_cache(maxsize=1)
def _nfkc_changes() -> re.Pattern[str]:
    """A class of every character that NFKC changes on its own (~4,900 of them), built once
    from this Python's Unicode tables (~80 ms)."""
    ranges: list[list[int]] = []
    for code in range(0x110000):
        if not 0xD800 <= code < 0xE000 and not unicodedata.is_normalized("NFKC", chr(code)):
            if ranges and ranges[-1][1] == code - 1:
                ranges[-1][1] = code
            else:
                ranges.append([code, code])
    return re.compile("[" + "".join(f"{re.escape(chr(lo))}-{re.escape(chr(hi))}" for lo, hi in ranges) + "]")


@lru_cache(maxsize=1)
def _nfkc_tables() -> tuple[np.ndarray, np.ndarray]:
    """Each character's own NFKC form, for the compiled pass: the one-for-one changes as
    int32 code points indexed by code point (~3,600 of them; 0.8 MB), and a mask of the
    characters NFKC turns into several (~1,200: ligatures, fractions, squared units), which
    are spliced in. The mask's last entry is False, for every code point past it (found in
    numpy: 14x quicker than `re` finding a class of 1,200 scattered characters). Built from
    this Python's Unicode tables once (~0.2 s)."""
    single: dict[int, int] = {}
    several: list[int] = []
    for code in range(0x110000):
        if 0xD800 <= code < 0xE000 or unicodedata.is_normalized("NFKC", chr(code)):
            continue
        new = unicodedata.normalize("NFKC", chr(code))
        if len(new) == 1:
            single[code] = ord(new)
        else:
            several.append(code)
    codes = np.arange(max(single) + 1, dtype=np.int32)
    codes[list(single)] = list(single.values())
    mask = np.zeros(max(several) + 2, dtype=bool)
    mask[several] = True
    return codes, mask


# Long posts that are not NFKC-normal seen so far: the class pays for its ~80 ms only over
# many of them (a batch), so a single `check` never builds it; nor the compiled pass's
# tables, built after _TABLES_AFTER posts that are not NFKC-normal.
_LONG_NOT_NFKC = count()
_CLASS_AFTER = 64
_NOT_NFKC = count()
_TABLES_AFTER = 64


def _nfkc_candidates(text: str, by_class: bool) -> Iterable[tuple[int, str]]:
    """(position, character) of the characters NFKC may change: all of them, or only those
    in `_nfkc_changes` (the same edits follow either way; tested)."""
    if by_class:
        return ((m.start(), m.group()) for m in _nfkc_changes().finditer(text))
    return enumerate(text)


def _nfkc(b: _Builder) -> None:
    """Each character replaced by its own NFKC form (so every piece maps back to one)."""
    if b.text.isascii() or unicodedata.is_normalized("NFKC", b.text):  # ASCII: a flag read
        return
    if compiled.FAST is not None and (_nfkc_tables.cache_info().currsize
                                      or next(_NOT_NFKC) >= _TABLES_AFTER):
        # one compiled translate for the one-for-one changes (styled letters, full-width
        # forms: ~6x quicker than testing each character), then splices for the rest
        codes, several = _nfkc_tables()
        b.text = compiled.FAST.translate(b.text, codes)  # offsets do not move
        at = np.flatnonzero(several[np.minimum(code_points(b.text), len(several) - 1)]).tolist()
        b.apply([(i, i + 1, unicodedata.normalize("NFKC", b.text[i])) for i in at])
        return
    by_class = len(b.text) >= 256 and next(_LONG_NOT_NFKC) >= _CLASS_AFTER
    edits = []
    for i, ch in _nfkc_candidates(b.text, by_class):
        new = unicodedata.normalize("NFKC", ch)
        if new != ch:
            edits.append((i, i + 1, new))
    b.apply(edits)


def _invisible(b: _Builder, evidence: list[Span]) -> None:
    if compiled.FAST is not None:  # the same edits and spans from one compiled scan
        edits, inside_words = compiled.FAST.removals(b.text, _INVISIBLE_TABLE)
    else:
        edits = [(m.start(), m.end(), "") for m in _INVISIBLE.finditer(b.text)]
        inside_words = [(i - 1, j + 1) for i, j, _ in edits
                        if i > 0 and j < len(b.text) and b.text[i - 1].isalpha() and b.text[j].isalpha()]
    evidence.extend(b.span(i, j) for i, j in inside_words)
    b.apply(edits)


@lru_cache(maxsize=8192)
def _script_of(ch: str) -> str:
    if _CYRILLIC.match(ch):
        return "cyrillic"
    if _GREEK.match(ch):
        return "greek"
    if _LATIN.match(ch):
        return "latin"
    return "other"


def _mixed_words(text: str) -> list[tuple[int, int]]:
    """Spans of the words with a Latin letter next to a Greek or Cyrillic one (digits
    between them aside): only those are checked for look-alike letters."""
    spans: list[tuple[int, int]] = []
    if not _MIXED_HINT_RE2.search(text):
        return spans
    for hint in _MIXED_HINT.finditer(text):
        if spans and hint.start() < spans[-1][1]:
            continue
        start = hint.start()
        while start > 0 and _WORD.match(text, start - 1):
            start -= 1
        spans.append((start, _WORD.match(text, hint.start()).end()))
    return spans


def _homoglyphs(b: _Builder, evidence: list[Span]) -> None:
    text = b.text
    words = _mixed_words(text)
    if not words:
        return
    for_latin = {**_CYR_TO_LAT, **_GRK_TO_LAT}
    overall = ""
    edits = []
    for start, end in words:
        word = text[start:end]
        scripts = {_script_of(ch) for ch in word} - {"other"}
        if len(scripts) < 2:
            continue
        # Letters with no look-alike in another script decide the word's script.
        definitive: dict[str, int] = {}
        for ch in word:
            s = _script_of(ch)
            if s != "other" and ch not in for_latin and ch not in _LAT_TO_CYR:
                definitive[s] = definitive.get(s, 0) + 1
        if not definitive and not overall:
            cyrillic = len(_CYRILLIC.findall(text)) > len(_LATIN.findall(text))
            overall = "cyrillic" if cyrillic else "latin"
        target = max(definitive, key=definitive.__getitem__) if definitive else overall
        table = for_latin if target == "latin" else _LAT_TO_CYR if target == "cyrillic" else {}
        new = "".join(table.get(ch, ch).lower() if _script_of(ch) != target else ch for ch in word)
        if new != word:
            edits.append((start, end, new))
            evidence.append(b.span(start, end))
    b.apply(edits)


def _lower_and_fold(b: _Builder) -> None:
    lowered = b.text.lower()
    if len(lowered) != len(b.text):
        b.apply([(i, i + 1, ch.lower()) for i, ch in enumerate(b.text) if len(ch.lower()) != 1])
        lowered = b.text.lower()
    b.text = lowered
    if b.text.isascii():
        return
    if compiled.FAST is not None:
        b.text = compiled.FAST.translate(b.text, _fold_codes())
    else:
        foldable, folded = _fold_pattern()
        b.text = foldable.sub(lambda m: folded[m.group()], b.text)
    if _ARABIC_MARKS.search(b.text):
        b.apply([(m.start(), m.end(), "") for m in _ARABIC_MARKS.finditer(b.text)])
    if _COMBINING.search(b.text):
        marks = [(m.start(), m.end(), "") for m in _COMBINING.finditer(b.text)
                 if m.start() > 0 and _script_of(b.text[m.start() - 1]) != "other"]
        b.apply(marks)


def _leetspeak(b: _Builder) -> None:
    if compiled.FAST is not None:  # the compiled scan is quicker than the pre-check
        tokens: Iterable[tuple[int, int]] = compiled.FAST.leet_tokens(b.text)
    elif _LEET_AFTER_LETTER.search(b.text):  # an edit needs a leet character after a letter
        tokens = (m.span() for m in _LEET_TOKEN.finditer(b.text))
    else:
        return
    edits = []
    for start, end in tokens:
        token = b.text[start:end]
        if token.isdigit():  # a number, not a word
            continue
        token = token.rstrip("$")  # "R$", "US$": a currency, not leet
        if len(token) < 2 or token.startswith("@") or not _LEET_CHARS.search(token):
            continue
        amount = _PREFIXED_AMOUNT.fullmatch(token)
        if amount and (amount.group(1) or len(amount.group(2)) >= 3 or token[: amount.start(2)] == "x"
                       or _THOUSANDS.match(b.text, end)):
            # a currency before an amount: N5,000 (naira), R15000, Ksh500, R$150, US$80;
            # or a multiplier: "earn x10", "x2 bonus"
            continue
        if _CYRILLIC.search(token):
            table = _LEET_CYRILLIC
        elif all(ch.isascii() for ch in token if ch.isalpha()):
            table = _LEET_LATIN
        else:  # Greek, Arabic, Devanagari...: digits there are digits
            continue
        # Leading digits are a number with a unit ("18ans", "3mois", "1st") unless the word
        # also hides a digit after a letter ("3v3ry", "fr33", "v1sa"): then all of it is leet.
        first_letter = next((i for i, ch in enumerate(token) if ch.isalpha()), None)
        if first_letter is None:  # \w "letters" that are not alphabetic, e.g. numerals
            continue
        tail = token[first_letter:]
        if not _LEET_CHARS.search(tail):
            continue
        new = token.translate(table) if first_letter else tail.translate(table)
        if new != token:
            edits.append((start, end, new))
    b.apply(edits)


def _spaced_letters(b: _Builder, evidence: list[Span]) -> None:
    if not _SPACED_RE2.search(b.text):
        return
    edits = []
    for m in _SPACED.finditer(b.text):
        letters = [ch for ch in m.group() if ch.isalpha()]
        if len(letters) >= 4:
            evidence.append(b.span(m.start(), m.end()))
        # One separator character joins letters; a wider gap with a space ("  ", " / ")
        # separates words: "g u a r a n t e e d  h.o.u.s.i.n.g" -> "guaranteed housing".
        for s in _NON_LETTERS.finditer(m.group()):
            wide = len(s.group()) > 1 and any(ch.isspace() for ch in s.group())
            edits.append((m.start() + s.start(), m.start() + s.end(), " " if wide else ""))
    b.apply(edits)


def _stretched(b: _Builder) -> None:
    if compiled.FAST is not None:  # the same runs, found in one compiled pass
        b.apply([(i, j, "") for i, j in compiled.FAST.letter_runs(b.text)])
        return
    # Quick exact pre-check: three equal characters in a row, one of them a letter.
    codes = np.frombuffer(b.text.encode("utf-32-le"), dtype=np.uint32)
    runs = np.flatnonzero((codes[:-2] == codes[1:-1]) & (codes[1:-1] == codes[2:]))
    if not any(_LETTER.match(b.text, i) for i in runs.tolist()):
        return
    edits = [(m.start() + 1, m.end(), "") for m in _STRETCH.finditer(b.text)]
    b.apply(edits)


def normalise(text: str) -> Normalised:
    """Normalise `text` for matching; see the module docstring for the passes."""
    b = _Builder(text)
    evidence: list[Span] = []
    _nfkc(b)
    _invisible(b, evidence)
    _lower_and_fold(b)
    _homoglyphs(b, evidence)
    _leetspeak(b)
    _spaced_letters(b, evidence)
    _stretched(b)
    return b.result(text, evidence)


def normalise_phrase(phrase: str) -> str:
    """Normalise a lexicon phrase the way post text is normalised."""
    return normalise(phrase).text

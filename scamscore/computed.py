"""Signals that need a little logic rather than a phrase list, one small function each.

Each function takes the original text and its normalisation and returns a `Computed`
(feature value and evidence spans in the original text) or None when it does not fire.
With `evidence=False` (batch scoring) it returns the same value without evidence, and may
stop at the first match that decides it. All patterns are RE2, so matching time is linear
in the text length.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import islice
from typing import Protocol

import numpy as np
import re2

from scamscore import compiled
from scamscore.normalize import Normalised, Span, code_points
from scamscore.quotes import MIN_QUOTED_CHARS, quoted_passages
from scamscore.re2_budget import compile_re2

_DIGIT_WORDS = (
    "zero|oh|one|two|three|four|five|six|seven|eight|nine|"
    "cero|uno|dos|tres|cuatro|cinco|seis|siete|ocho|nueve|"
    "um|dois|quatro|sete|oito|nove|"
    "un|deux|trois|quatre|cinq|sept|huit|neuf|"
    "ноль|один|два|три|четыре|пять|шесть|семь|восемь|девять|"
    "sifuri|moja|mbili|tatu|nne|tano|sita|saba|nane|tisa"
)


_PHONE = compile_re2(r"(?:^|[^\d\w])(\+?\d(?:[\s().\-]{0,2}\d){7,15})")
_SPOKEN_PHONE = compile_re2(
    rf"(?i)(?:^|[^\pL])((?:(?:plus|\+)[\s,.\-]{{0,3}})?(?:(?:{_DIGIT_WORDS}|\d)[\s,.\-]{{1,3}}){{6,20}}(?:{_DIGIT_WORDS}|\d))(?:$|[^\pL])"
)
_HANDLE = compile_re2(
    r"(?i)((?:https?://)?(?:t\.me|telegram\.me|wa\.me|api\.whatsapp\.com|chat\.whatsapp\.com)/\S{2,64}"
    r"|(?:^|[\s(:,])@[a-z0-9_.]{4,32}"
    r"|\b[a-z0-9._-]{2,40}\s*[\[(]?\s*(?:at|arroba|собака)\s*[\])]?\s*[a-z0-9-]{2,30}\s*[\[(]?\s*(?:dot|punto|ponto|point|точка)\s*[\])]?\s*(?:com|net|org|ru|fr|br))"
)
_CURRENCY = (
    r"usd|us\$|dollars?|dolares|dólares|dolar|euros?|eur|€|\$|£|₦|₹|₽|₱|r\$|"
    r"rub|руб\pL*|тыс\pL*|naira|ksh|kes|tsh|tzs|ugx|shilingi|rs\.?|rupees?|रुपये|रुपए|"
    r"aed|sar|qar|dirhams?|riyals?|reais|real|fcfa|cfa|xof|درهم|ريال|دولار|جنيه|"
    # Ghanaian cedi, Mozambican metical, Angolan kwanza, Central Asian som/somoni/tenge,
    # hryvnia, and the Indian lakh (an amount of rupees in job posts: "1 लाख एडवांस")
    r"gh₵|₵|ghs|cedis?|mt|meticais|mzn|kz|kwanzas?|сум|сом|сомони|тенге|₸|грн|"
    r"лакх|lakhs?|लाख"
)
_MONEY = compile_re2(
    rf"(?i)((?:{_CURRENCY})\s?\d[\d\s.,]{{0,12}}\d?(?:\s?(?:k|к|тыс))?"
    rf"|\d[\d\s.,]{{0,12}}(?:\s?(?:k|к|mil))?\s?(?:{_CURRENCY})"
    # naira, rand, kwacha written as one letter glued to a sizeable amount: N5,000, R15000
    rf"|\b[nrk]\d{{1,3}}(?:[.,]\d{{3}})+|\b[nrk]\d{{3,}}"
    # CFA francs written "25 000 F": a sizeable amount, then a lone F
    rf"|\d{{1,3}}(?:[\s.]\d{{3}})+\s?f\b|\d{{4,}}\s?f\b)"
)
_URL = compile_re2(r"(?i)((?:https?://|www\.)[^\s<>\"]{2,200}|\b[a-z0-9-]{2,30}\.(?:com|net|org|ru|ly|gl|me|link|site|online|xyz|top|info|io)/[^\s<>\"]{1,200})")
_SHORTENER = compile_re2(
    r"(?i)\b(?:bit\.ly|tinyurl\.com|cutt\.ly|t\.co|goo\.gl|is\.gd|shorturl\.at|rb\.gy|tiny\.cc|ow\.ly)/"
)
_EMOJI_RANGES = "[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF]"
_EMOJI_CLASS = re.compile(_EMOJI_RANGES)  # a single class: linear in Python's re too


@dataclass(frozen=True)
class Computed:
    """A computed signal's feature value and where in the original text it was seen."""

    value: float
    evidence: tuple[Span, ...] = ()


class ComputedFn(Protocol):
    def __call__(self, text: str, norm: Normalised, evidence: bool = True) -> Computed | None: ...


COMPUTED: dict[str, ComputedFn] = {}
MAX_SPANS = 8


def register(name: str) -> Callable[[ComputedFn], ComputedFn]:
    """Register a function under its catalogue name."""

    def wrap(fn: ComputedFn) -> ComputedFn:
        COMPUTED[name] = fn
        return fn

    return wrap


def _matches(regex: re2._Regexp, norm: Normalised, group: int = 1) -> Iterator[Span]:
    """The first MAX_SPANS non-overlapping matches of `regex` in the normalised text
    (character offsets), found as they are read; RE2 searches the UTF-8 bytes, encoded once
    per post."""
    data, to_char = norm.utf8, norm.char_at_byte
    pos = 0
    for _ in range(MAX_SPANS):
        m = regex.search(data, pos)
        if m is None:
            return
        start, end = m.span(group)
        yield to_char(start), to_char(end)
        pos = end if end > start else _next_char(data, start)


def _spans(regex: re2._Regexp, norm: Normalised, group: int = 1) -> list[Span]:
    """All of `_matches`."""
    return list(_matches(regex, norm, group))


def _next_char(data: bytes, pos: int) -> int:
    """The byte offset of the character after the one starting at `pos`."""
    pos += 1
    while pos < len(data) and data[pos] & 0xC0 == 0x80:  # UTF-8 continuation byte
        pos += 1
    return pos


# These run on the normalised text (invisible characters gone, styled digits plain) and
# map their spans back to the original.


def _trim(norm: Normalised, spans: Iterable[Span], chars: str) -> Iterator[Span]:
    """The spans without `chars` at either end (a span of nothing else is dropped)."""
    for a, b in spans:
        while a < b and norm.text[a] in chars:
            a += 1
        while b > a and norm.text[b - 1] in chars:
            b -= 1
        if a < b:
            yield a, b


def _found(norm: Normalised, spans: Iterable[Span], evidence: bool) -> Computed | None:
    """Value 1.0 where there are spans, with their evidence if asked for (otherwise the
    first span decides: `spans` is read no further)."""
    if not evidence:
        return Computed(1.0) if next(iter(spans), None) is not None else None
    spans = list(spans)
    return Computed(1.0, tuple(norm.to_original(*s) for s in spans)) if spans else None


def _eight_digits(norm: Normalised, span: Span) -> bool:
    """Whether the span holds at least eight digits (a phone number, not a year or a price)."""
    return sum(c.isdigit() for c in norm.text[span[0]:span[1]]) >= 8


@register("PHONE_NUMBER")
def phone_number(text: str, norm: Normalised, evidence: bool = True) -> Computed | None:
    written = (s for s in _matches(_PHONE, norm) if _eight_digits(norm, s))
    if not evidence:
        return _found(norm, written, evidence) or _found(norm, _matches(_SPOKEN_PHONE, norm), evidence)
    spans = list(written)
    spoken = _spans(_SPOKEN_PHONE, norm)
    spans += [s for s in spoken if not any(a <= s[0] < b for a, b in spans)]
    return _found(norm, spans, evidence)


@register("MESSENGER_HANDLE")
def messenger_handle(text: str, norm: Normalised, evidence: bool = True) -> Computed | None:
    return _found(norm, _trim(norm, _matches(_HANDLE, norm), " \t\n(:,"), evidence)


@register("MONEY_AMOUNT")
def money_amount(text: str, norm: Normalised, evidence: bool = True) -> Computed | None:
    spans = ((a, b) for a, b in _matches(_MONEY, norm) if any(c.isdigit() for c in norm.text[a:b]))
    return _found(norm, _trim(norm, spans, " .,"), evidence)


@register("LINK")
def link(text: str, norm: Normalised, evidence: bool = True) -> Computed | None:
    spans = _spans(_URL, norm)
    if not spans:
        return None
    short = any(_SHORTENER.search(norm.text[a:b]) for a, b in spans)
    return Computed(2.0 if short else 1.0,
                    tuple(norm.to_original(*s) for s in spans) if evidence else ())


@register("EMOJI_DENSITY")
def emoji_density(text: str, norm: Normalised, evidence: bool = True) -> Computed | None:
    # one character class: Python's re finds it in linear time, in character offsets, with no
    # call per match into RE2; counting by deletion stays in C
    spans = [m.span() for m in islice(_EMOJI_CLASS.finditer(norm.text), MAX_SPANS)]
    count = len(norm.text) - len(_EMOJI_CLASS.sub("", norm.text)) if len(spans) == MAX_SPANS \
        else len(spans)
    per_100 = 100.0 * count / max(len(norm.text), 1)
    if count < 3 or per_100 < 1.0:
        return None
    value = round(min(1.0, per_100 / 5.0), 6)
    if not evidence:
        return Computed(value)
    return Computed(value, _whole_flags(text, [norm.to_original(*s) for s in spans[:3]]))


_FLAG_LETTER = re.compile("[\U0001F1E6-\U0001F1FF]")


def _whole_flags(text: str, spans: list[Span]) -> tuple[Span, ...]:
    """Widen evidence spans so that a flag (two regional-indicator letters, which the emoji
    class counts one by one) is quoted whole instead of as half a flag."""
    out: list[Span] = []
    for start, end in spans:
        if end - start == 1 and _FLAG_LETTER.match(text, start):
            run = start
            while run > 0 and _FLAG_LETTER.match(text, run - 1):
                run -= 1
            if (start - run) % 2:
                start -= 1
            elif end < len(text) and _FLAG_LETTER.match(text, end):
                end += 1
        if (start, end) not in out:
            out.append((start, end))
    return tuple(out)


@lru_cache(maxsize=1)
def _case_of_bmp() -> np.ndarray:
    """1 for each upper-case and 2 for each lower-case character of the Basic Multilingual
    Plane, 0 for the rest (built once, ~10 ms)."""
    return np.array([1 if ch.isupper() else 2 if ch.islower() else 0
                     for ch in map(chr, range(0x10000))], dtype=np.uint8)


def case_counts(text: str) -> tuple[int, int]:
    """(upper-case, lower-case) characters in `text`, as str.isupper / str.islower count
    them one by one, but in numpy for posts long enough to pay for the table (5x quicker),
    or compiled."""
    if compiled.FAST is not None:
        return compiled.FAST.case_counts(text)
    if len(text) < 256:
        return sum(map(str.isupper, text)), sum(map(str.islower, text))
    codes = code_points(text)
    kinds = _case_of_bmp()[np.minimum(codes, 0xFFFF)]  # U+FFFF is not a letter
    upper, lower = np.bincount(kinds, minlength=3)[1:].tolist()
    for code in codes[codes > 0xFFFF].tolist():  # emoji, styled letters (𝗙𝗥𝗘𝗘)...
        upper += chr(code).isupper()
        lower += chr(code).islower()
    return upper, lower


@register("CAPS_DENSITY")
def caps_density(text: str, norm: Normalised, evidence: bool = True) -> Computed | None:
    upper, lower = case_counts(text)
    cased = upper + lower
    if cased < 20:
        return None
    ratio = upper / cased
    if ratio < 0.3:
        return None
    return Computed(round(ratio, 6))


@register("OBFUSCATED_TEXT")
def obfuscated_text(text: str, norm: Normalised, evidence: bool = True) -> Computed | None:
    if not norm.obfuscation:
        return None
    return Computed(1.0, tuple(norm.obfuscation[:MAX_SPANS]) if evidence else ())


@register("QUOTED_TEXT")
def quoted_text(text: str, norm: Normalised, evidence: bool = True) -> Computed | None:
    """The share of the post inside quotation marks (its marks counted): warnings and worried
    questions quote the offer they are about; a recruiter states it. Evidence: the quoted
    words, without their marks."""
    passages = [(a, b) for a, b in quoted_passages(text) if b - a > 2]
    quoted = sum(b - a for a, b in passages)
    if quoted < MIN_QUOTED_CHARS:
        return None
    return Computed(round(min(1.0, quoted / len(text)), 6),
                    tuple((a + 1, b - 1) for a, b in passages[:MAX_SPANS]) if evidence else ())

"""Load, validate and compile the signal catalogue and the per-language lexicons.

Lexicons are data (scamscore/lexicons/<lang>.yaml). Each entry lists literal `phrases`
(normalised like post text, so accents, case and stretched letters do not matter) and
`patterns` (RE2 syntax, matched against normalised text), plus `examples` that prove them.
Everything compiles to RE2, which matches in time linear in the input: no lexicon entry can
backtrack catastrophically. Errors name the file and the key.

A language file may also list `negation` cues, and an entry its own (which replace the
language's for that signal: "we never ask for your passport" needs other cues than "no
registration fee"). For a signal the catalogue marks `negatable` (UPFRONT_FEE,
DOCUMENT_REQUEST), a match with a cue right before it ("no registration fee", "sin cuota de
inscripción") or after it ("registration fee: waived") in the same clause, or a `within`
cue inside the match itself (French "demande ni argent ni copie de passeport", Hindi
"पासपोर्ट की कॉपी मत भेजें": the request verb is part of the match), does not count;
the signal fires only if some match is not negated. A match is read in
the language of every lexicon whose match overlaps it (lexicons share phrases: "registration
fee" is in several), and any of those languages' cues can negate it.
"""

from __future__ import annotations

import hashlib
import heapq
import json
import re
import unicodedata
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import re2
import yaml

from scamscore.normalize import _accent_table, byte_to_char, code_points, normalise_phrase
from scamscore.re2_budget import options

PACKAGE_DIR = Path(__file__).parent
CATALOGUE_PATH = PACKAGE_DIR / "signals.yaml"
LEXICON_DIR = PACKAGE_DIR / "lexicons"
SIGNAL_KINDS = ("lexicon", "computed")

# Matching runs on a view of the normalised text in which every character that is not a
# letter, mark, number, ASCII or currency sign is a space (same length, same offsets). Word
# boundaries and gaps are then small ASCII classes: a large Unicode class repeated in every
# phrase would make the compiled automaton explode. (re2's \b is ASCII-only, so it is not used.)
_CURRENCY = "€£₦₹₽₱"
_EDGE = rf"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f{_CURRENCY}]"
_GAP = r"[\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f]{0,4}"


class LexiconError(ValueError):
    """A catalogue or lexicon file is malformed; the message names file and key."""


@dataclass(frozen=True)
class SignalSpec:
    """One catalogue entry."""

    name: str
    kind: str
    describe: str
    authority: str
    enabled: bool = True
    direction: str = "raises"
    negatable: bool = False
    requires: str = ""  # fires only in posts where this other signal fires too


@dataclass(frozen=True)
class NegationCues:
    """Words that negate a negatable signal's match: `before` or `after` it within
    NEGATION_WORDS words, or `within` the matched words."""

    before: tuple[str, ...] = ()
    after: tuple[str, ...] = ()
    within: tuple[str, ...] = ()


NEGATION_WORDS = 1  # words allowed between a cue and the match it negates


@dataclass(frozen=True)
class LexiconEntry:
    """One signal's phrases, patterns and examples in one language (and, for a negatable
    signal, the language's negation cues)."""

    language: str
    signal: str
    describe: str
    phrases: tuple[str, ...]
    patterns: tuple[str, ...]
    hits: tuple[str, ...]
    misses: tuple[str, ...]
    negation: NegationCues | None = None


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise LexiconError(f"{path.name}: cannot read: {exc}".splitlines()[0]) from exc


def load_catalogue(path: Path = CATALOGUE_PATH) -> dict[str, SignalSpec]:
    """Read signals.yaml; every signal needs kind, describe and authority."""
    raw = _read_yaml(path)
    if not isinstance(raw, dict):
        raise LexiconError(f"{path.name}: expected a mapping of signal names")
    catalogue = {}
    for name, spec in raw.items():
        where = f"{path.name}: {name}"
        if not isinstance(name, str) or not name.isupper() or " " in name:
            raise LexiconError(f"{where}: names are UPPER_SNAKE")
        if not isinstance(spec, dict):
            raise LexiconError(f"{where}: expected a mapping")
        unknown = set(spec) - {"kind", "describe", "authority", "enabled", "direction", "negatable",
                               "requires"}
        if unknown:
            raise LexiconError(f"{where}: unknown keys {sorted(unknown)}")
        if spec.get("kind") not in SIGNAL_KINDS:
            raise LexiconError(f"{where}: kind must be one of {SIGNAL_KINDS}")
        for key in ("describe", "authority"):
            if not isinstance(spec.get(key), str) or not spec[key].strip():
                raise LexiconError(f"{where}: '{key}' is required")
        if spec.get("direction", "raises") not in ("raises", "lowers"):
            raise LexiconError(f"{where}: direction must be 'raises' or 'lowers'")
        negatable = spec.get("negatable", False)
        if not isinstance(negatable, bool) or (negatable and spec["kind"] != "lexicon"):
            raise LexiconError(f"{where}: negatable must be true or false, and only for lexicon signals")
        catalogue[name] = SignalSpec(
            name, spec["kind"], spec["describe"], spec["authority"],
            bool(spec.get("enabled", True)), spec.get("direction", "raises"), negatable,
            str(spec.get("requires", "")),
        )
    for spec in catalogue.values():
        needed = catalogue.get(spec.requires)
        if spec.requires and (needed is None or not needed.enabled or needed.requires or needed is spec):
            raise LexiconError(f"{path.name}: {spec.name}: requires names an enabled signal "
                               f"that requires none ({spec.requires!r} is not one)")
    return catalogue


def signal_signs(catalogue: dict[str, SignalSpec]) -> list[int]:
    """+1 / -1 per enabled signal, in catalogue order: the side of zero its weight must keep."""
    return [1 if s.direction == "raises" else -1 for s in catalogue.values() if s.enabled]


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise LexiconError(f"{where}: expected a list of non-empty strings")
    return tuple(value)


def _negation_cues(raw: Any, where: str) -> NegationCues | None:
    if raw is None:
        return None
    if not isinstance(raw, dict) or set(raw) - {"before", "after", "within"}:
        raise LexiconError(f"{where}: expected a mapping with 'before', 'after' and/or 'within' lists")
    cues = NegationCues(*(_strings(raw.get(side), f"{where}.{side}")
                          for side in ("before", "after", "within")))
    return cues if cues.before or cues.after or cues.within else None


def load_lexicon_file(path: Path, catalogue: dict[str, SignalSpec]) -> dict[str, LexiconEntry]:
    """Read and validate one language file; compile each entry to catch bad patterns."""
    raw = _read_yaml(path)
    lang = path.stem
    if not isinstance(raw, dict) or raw.get("language") != lang:
        raise LexiconError(f"{path.name}: needs 'language: {lang}' and a 'signals' mapping")
    unknown_top = set(raw) - {"language", "signals", "negation"}
    if unknown_top:
        raise LexiconError(f"{path.name}: unknown keys {sorted(unknown_top)}")
    negation = _negation_cues(raw.get("negation"), f"{path.name}: negation")
    signals = raw.get("signals")
    if not isinstance(signals, dict):
        raise LexiconError(f"{path.name}: 'signals' must be a mapping")
    entries = {}
    for name, spec in signals.items():
        where = f"{path.name}: {name}"
        if name not in catalogue:
            raise LexiconError(f"{where}: not in the signal catalogue (signals.yaml)")
        if catalogue[name].kind != "lexicon":
            raise LexiconError(f"{where}: is a computed signal; it takes no lexicon")
        if not isinstance(spec, dict):
            raise LexiconError(f"{where}: expected a mapping")
        unknown = set(spec) - {"describe", "phrases", "patterns", "examples", "negation"}
        if unknown:
            raise LexiconError(f"{where}: unknown keys {sorted(unknown)}")
        own_negation = _negation_cues(spec.get("negation"), f"{where}.negation")
        if own_negation and not catalogue[name].negatable:
            raise LexiconError(f"{where}.negation: {name} is not negatable in signals.yaml")
        examples = spec.get("examples") or {}
        if not isinstance(examples, dict):
            raise LexiconError(f"{where}.examples: expected 'hit' and 'miss' lists")
        entry = LexiconEntry(
            language=lang,
            signal=name,
            describe=str(spec.get("describe") or catalogue[name].describe),
            phrases=_strings(spec.get("phrases"), f"{where}.phrases"),
            patterns=_strings(spec.get("patterns"), f"{where}.patterns"),
            hits=_strings(examples.get("hit"), f"{where}.examples.hit"),
            misses=_strings(examples.get("miss"), f"{where}.examples.miss"),
            negation=(own_negation or negation) if catalogue[name].negatable else None,
        )
        if not entry.phrases and not entry.patterns:
            raise LexiconError(f"{where}: needs at least one phrase or pattern")
        if not entry.hits or not entry.misses:
            raise LexiconError(f"{where}: needs at least one 'hit' and one 'miss' example")
        for pattern in entry.patterns:
            try:
                re2.compile(_wrap(_pattern_body(pattern)), options())
            except re2.error as exc:
                raise LexiconError(f"{where}: pattern {pattern!r} is not valid RE2: {exc}") from exc
        entries[name] = entry
    return entries


def load_lexicons(
    directory: Path = LEXICON_DIR, catalogue: dict[str, SignalSpec] | None = None
) -> dict[str, dict[str, LexiconEntry]]:
    """Every language file in `directory`, keyed by language code."""
    catalogue = catalogue if catalogue is not None else load_catalogue()
    paths = sorted(Path(directory).glob("*.yaml"))
    return {p.stem: load_lexicon_file(p, catalogue) for p in paths}


def _phrase_body(phrase: str) -> str:
    """RE2 for a literal phrase: normalised, gaps between words, doubled letters optional."""
    words = normalise_phrase(phrase).split()
    parts = []
    for word in words:
        out = []
        i = 0
        while i < len(word):
            ch = word[i]
            if i + 1 < len(word) and word[i + 1] == ch and ch.isalpha():
                out.append(re2.escape(ch) + re2.escape(ch) + "?")
                i += 2
            else:
                out.append(re2.escape(ch))
                i += 1
        parts.append("".join(out))
    return _GAP.join(parts)


# In the matching view every non-ASCII character is a letter, mark or number (or a currency
# sign), so \pL can be a few byte ranges instead of Unicode's hundreds of letter ranges.
_LETTER_RANGES = r"a-zA-Z\x{aa}\x{b5}\x{ba}\x{c0}-\x{209f}\x{20d0}-\x{10ffff}"
_NONLETTER_RANGES = r"\x00-\x40\x5b-\x60\x7b-\x{a9}\x{ab}-\x{b4}\x{b6}-\x{b9}\x{bb}-\x{bf}\x{20a0}-\x{20cf}"


def _pattern_body(pattern: str) -> str:
    """A lexicon pattern as matched: accents folded, lower-cased, cheap letter classes.

    Matching is on lower-cased text, so literal characters are lower-cased (escapes are
    kept as written) and no case-insensitive flag is needed.
    """
    src = pattern.translate(_accent_table())
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(src):
        ch = src[i]
        if ch == "\\" and i + 1 < len(src):
            nxt = src[i + 1]
            if nxt in "pP":
                end = src.index("}", i) + 1 if src[i + 2 : i + 3] == "{" else i + 3
                name = src[i + 2 : end].strip("{}")
                if name == "L":
                    ranges = _LETTER_RANGES if nxt == "p" else _NONLETTER_RANGES
                    out.append(ranges if in_class else f"[{ranges}]")
                else:
                    out.append(src[i:end])
                i = end
                continue
            if nxt == "x" and src[i + 2 : i + 3] == "{":
                end = src.index("}", i) + 1
                out.append(src[i:end])
                i = end
                continue
            out.append(src[i : i + 2])
            i += 2
            continue
        if ch == "[" and not in_class:
            in_class = True
        elif ch == "]" and in_class and out and out[-1] not in ("[", "[^"):
            in_class = False
        out.append(ch.lower())
        i += 1
    return "".join(out)


def _wrap(body: str) -> str:
    return f"(?:^|{_EDGE})({body})(?:$|{_EDGE})"


class _ViewTable(dict):
    """str.translate table, filled on first sight of each character: keep letters, marks,
    numbers, ASCII and currency signs; everything else becomes a space."""

    def __missing__(self, codepoint: int) -> int | str:
        ch = chr(codepoint)
        keep = codepoint < 128 or unicodedata.category(ch)[0] in "LMN" or ch in _CURRENCY
        self[codepoint] = codepoint if keep else " "
        return self[codepoint]


_VIEW_TABLE = _ViewTable()


_NUMPY_VIEW_CHARS = 256  # from this length on, a post's view is computed in numpy


@lru_cache(maxsize=1)
def _view_of_bmp() -> np.ndarray:
    """The matching-view code of every character of the Basic Multilingual Plane (~20 ms)."""
    return np.fromiter((_view_code(code) for code in range(0x10000)), dtype=np.uint32, count=0x10000)


def _view_code(code: int) -> int:
    return code if _VIEW_TABLE[code] == code else 32


def matching_view(text: str) -> str:
    """`text` with symbols, emoji and other punctuation turned into spaces (same offsets)."""
    if text.isascii():
        return text
    if len(text) < _NUMPY_VIEW_CHARS:
        return text.translate(_VIEW_TABLE)
    # a table lookup in numpy is 4x quicker than str.translate's dictionary lookups
    codes = code_points(text)
    view = _view_of_bmp()[np.minimum(codes, 0xFFFF)]
    for i in np.flatnonzero(codes > 0xFFFF).tolist():  # emoji, styled letters...
        view[i] = _view_code(int(codes[i]))
    return view.tobytes().decode("utf-32-le", "surrogatepass")


def entry_regex(entry: LexiconEntry) -> str:
    """One RE2 pattern for a whole entry; group 1 is the evidence span."""
    bodies = [_phrase_body(p) for p in entry.phrases] + [_pattern_body(p) for p in entry.patterns]
    return _wrap("|".join(f"(?:{b})" for b in bodies if b))


_WORD_CHAR = rf"[^\x00-\x2f\x3a-\x40\x5b-\x60\x7b-\x7f{_CURRENCY}]"
# A cue negates a match only within its clause: "No experience needed, registration fee
# 5000" is not negated. (Found in the normalised text: the matching view has no Arabic or
# Devanagari punctuation.)
_CLAUSE_BREAK = re.compile(r"[.!?;,\n\u060c\u061b\u061f\u0964\u0965\u2026]")
_CONTEXT_CHARS = 80  # how far before / after a match its negation cues are looked for


@dataclass(frozen=True)
class NegationRegexes:
    """RE2 sources for one lexicon entry's cues ("" where it has none): `before` reads the
    clause text before a match, `after` the clause text after it, `within` the match, and
    `anywhere` (any cue as a whole word) the whole post: where it finds nothing, no match in
    the post can be negated and the clauses are not cut at all."""

    before: str = ""
    after: str = ""
    within: str = ""
    anywhere: str = ""


def negation_regexes(cues: NegationCues) -> NegationRegexes:
    """RE2 for a cue ending at most NEGATION_WORDS words before the end of the text before
    a match, one starting at most that many words into the text after it, one anywhere
    inside the match, and the pre-check for any of them."""
    def any_of(words: tuple[str, ...]) -> str:
        return "|".join(f"(?:{_phrase_body(w)})" for w in words)

    words = f"(?:{_WORD_CHAR}+{_EDGE}+){{0,{NEGATION_WORDS}}}"
    return NegationRegexes(
        before=f"(?:^|{_EDGE})(?:{any_of(cues.before)}){_EDGE}+{words}$" if cues.before else "",
        after=f"^{_EDGE}*{words}(?:{any_of(cues.after)})(?:$|{_EDGE})" if cues.after else "",
        within=f"(?:^|{_EDGE})(?:{any_of(cues.within)})(?:$|{_EDGE})" if cues.within else "",
        anywhere=f"(?:^|{_EDGE})(?:{any_of(cues.before + cues.after + cues.within)})(?:$|{_EDGE})",
    )


_VIEW_EDGE = re.compile(_EDGE)


def _mid_word(text: str, i: int) -> bool:
    """Whether text[i - 1] and text[i] are both word characters of the matching view."""
    return 0 < i < len(text) and not _VIEW_EDGE.search(matching_view(text[i - 1 : i + 1]))


def _clause_before(text: str, start: int) -> bytes:
    """The matching view of the clause text before text[start], as RE2 reads it (a window
    cut in the middle of a word starts after that word: its tail is no cue)."""
    low = max(0, start - _CONTEXT_CHARS)
    window = text[low:start]
    cut = 0
    for m in _CLAUSE_BREAK.finditer(window):
        cut = m.end()
    view = matching_view(window)  # one character for each of the window's
    if cut == 0 and _mid_word(text, low):
        edge = _VIEW_EDGE.search(view)
        cut = edge.start() if edge else len(view)
    return view[cut:].encode("utf-8")


def _clause_after(text: str, end: int) -> bytes:
    """The same for the clause text after text[end] (a window cut in the middle of a word
    ends before that word)."""
    high = min(len(text), end + _CONTEXT_CHARS)
    window = text[end:high]
    m = _CLAUSE_BREAK.search(window)
    view = matching_view(window[: m.start()] if m else window)
    if not m and _mid_word(text, high):
        edges = [e.end() for e in _VIEW_EDGE.finditer(view)]
        view = view[: edges[-1]] if edges else ""
    return view.encode("utf-8")


def lexicon_fingerprint(lexicons: dict[str, dict[str, LexiconEntry]]) -> str:
    """A stable hash of everything the matcher compiles (not the examples)."""
    data = {
        lang: {name: [e.phrases, e.patterns]
               + ([e.negation.before, e.negation.after] if e.negation else [])
               + ([e.negation.within] if e.negation and e.negation.within else [])
               for name, e in sorted(entries.items())}
        for lang, entries in sorted(lexicons.items())
    }
    return hashlib.sha256(json.dumps(data, ensure_ascii=False).encode()).hexdigest()


_BOUNDED_REPEAT = re.compile(r"\{\d*,(\d+)\}")
LONG_GAP = 20  # a bounded repeat this long or longer ("[^\n]{0,60}") makes an entry long-gap


def has_long_gap(regex: str) -> bool:
    """Whether `regex` has a bounded repeat of LONG_GAP or more (a gap between words)."""
    return any(int(most) >= LONG_GAP for most in _BOUNDED_REPEAT.findall(regex))


class LexiconMatcher:
    """Finds every lexicon signal in normalised text in linear time, with evidence spans.

    RE2 sets say which signals occur; only those signals' regexes are then run again for
    their spans. Each language's entries have their sets, and the entries with a long gap
    between words (of all languages) theirs: a gap's counter multiplies the DFA states of
    every other pattern in its set, so apart they need less memory and match twice as fast
    (measured on the bench export: es and pt sets 0.07 -> 0.016 ms per post; one long-gap
    set instead of one per language: 0.015 -> 0.007). A single set over all languages has too many DFA
    states: its cache thrashes and matching becomes 40x slower (so does one for ar+hi+ru).
    The largest entries (SCAM_WARNING_CONTEXT: 5-14k RE2 instructions each, the others at
    most 6k) have sets of their own, two languages to a set: inside the language sets they
    made all set matching 1.6x slower (0.19 -> 0.32 ms per post over the first 40,000 bench
    posts), apart it is as quick as before they grew.
    Compiled state is built lazily and rebuilt after unpickling.
    """

    max_spans = 8
    # Each language's entries (and the long-gap entries) are dealt into `set_parts` sets:
    # a DFA state is a combination of the set's partial matches, so two half sets need far
    # less memory than one whole (es: 28 -> 18 MB over 30,000 bench posts) for an extra
    # pass of ~0.002 ms per post each.
    set_parts = 2
    # RE2 memory budget of each such set (its compiled program and DFA cache). Below what a
    # set needs its cache thrashes and matching gets 5-30x slower (the matches stay the
    # same); above, it grows towards the budget over a long run. Measured on the bench
    # export (40,000 posts, then 20,000 timed), half sets thrash below: es and pt 20 MB,
    # hi, ru and the long-gap entries 16, en and fr 12, ar and sw 8. The budgets are 1.6-2x
    # those. (Whole sets thrashed below 24-40 MB: at 16 MB, after its lexicon grew, the
    # Arabic set cost 0.19 ms per post, a quarter of scoring.) `make bench` prints each
    # set's time.
    set_memory: ClassVar[dict[str, int]] = {
        "es": 32 << 20, "pt": 32 << 20,
        "ru": 32 << 20, "hi": 32 << 20,
        "en": 24 << 20, "fr": 24 << 20,
        "sw": 16 << 20, "ar": 16 << 20,
    }
    default_set_memory = 32 << 20
    long_gap_set_memory = 32 << 20
    # signals whose entries are matched in sets of their own, these languages together (a
    # language not listed alone); pairs measured on the bench export, like the budgets
    own_set_signals: ClassVar[tuple[str, ...]] = ("SCAM_WARNING_CONTEXT",)
    own_set_languages: ClassVar[tuple[tuple[str, ...], ...]] = (
        ("en", "sw"), ("es", "pt"), ("fr", "ru"), ("ar", "hi"))
    own_set_memory = 24 << 20  # they thrash below 12 MB
    regex_memory = 8 << 20
    # After this many posts every compiled set and regex is dropped and rebuilt as it is
    # used again. DFA caches keep growing with the rare states new posts reach (one process
    # over the bench export: 460 MB at 25,000 posts, 502 at 100,000, 536 at 200,000, 560 at
    # 325,000, most of it the sets), so a long batch run grew until joblib's leak check
    # restarted its workers (at 300 MB over their size after the first chunk). Refreshed
    # every 100,000 posts, a process stayed at 503 MB. Refilling the caches costs ~2 s each
    # time (the matcher alone over 150,000 bench posts: 42.0-42.9 s refreshed every 50,000,
    # 38.0-38.1 s never), ~5% of a worker's time; every 200,000 posts would halve that and
    # let a process reach ~540 MB on the bench export, whose posts are less varied than
    # real ones (more variety, more states).
    refresh_posts = 100_000

    def __init__(self, regexes: dict[tuple[str, str], str],
                 negations: dict[tuple[str, str], NegationRegexes] | None = None) -> None:
        self.regexes = dict(sorted(regexes.items()))
        # (language, negatable signal) -> RE2 for that language's cues
        self.negations = dict(sorted((negations or {}).items()))
        self.negatable = {name for _, name in self.negations}
        self._sets: list[tuple[Any, list[tuple[str, str]]]] | None = None
        self._compiled: dict[tuple[str, str], Any] = {}
        self._negation_compiled: dict[tuple[str, str], dict[str, Any]] = {}
        self._posts_since_compiled = 0

    def _refresh(self) -> None:
        """Drop every compiled set and regex (and re2's own cache of compiled patterns, which
        would keep them alive), so their DFA caches start empty."""
        self._sets = None
        self._compiled.clear()
        self._negation_compiled.clear()
        re2.purge()
        self._posts_since_compiled = 0

    @classmethod
    def from_lexicons(cls, lexicons: dict[str, dict[str, LexiconEntry]]) -> LexiconMatcher:
        entries = [e for by_name in lexicons.values() for e in by_name.values()]
        return cls({(e.language, e.signal): entry_regex(e) for e in entries},
                   {(e.language, e.signal): negation_regexes(e.negation) for e in entries if e.negation})

    def __getstate__(self) -> dict[str, Any]:
        return {"regexes": self.regexes, "negations": self.negations}

    def __setstate__(self, state: dict[str, Any]) -> None:
        # pickles written before NegationRegexes hold (before, after) tuples
        negations = {key: cues if isinstance(cues, NegationRegexes) else NegationRegexes(*cues)
                     for key, cues in (state.get("negations") or {}).items()}
        self.__init__(state["regexes"], negations)

    def set_groups(self) -> list[tuple[list[tuple[str, str]], int]]:
        """The keys of each RE2 set, with its memory budget: each language's entries without
        a long gap, then all the long-gap entries (both dealt into `set_parts` sets), then
        the own-set signals' entries."""
        def dealt(keys: list[tuple[str, str]], budget: int) -> list[tuple[list[tuple[str, str]], int]]:
            return [(keys[part :: self.set_parts], budget) for part in range(self.set_parts)]

        own = {key for key in self.regexes if key[1] in self.own_set_signals}
        gapped = {key for key in self.regexes if key not in own and has_long_gap(self.regexes[key])}
        groups = []
        for lang in sorted({lang for lang, _ in self.regexes}):
            plain = [key for key in self.regexes if key[0] == lang and key not in gapped and key not in own]
            groups += dealt(plain, self.set_memory.get(lang, self.default_set_memory))
        groups += dealt([key for key in self.regexes if key in gapped], self.long_gap_set_memory)
        listed = {lang for together in self.own_set_languages for lang in together}
        together = [*self.own_set_languages, *([lang] for lang in sorted({lang for lang, _ in own} - listed))]
        for name in self.own_set_signals:
            for langs in together:
                keys = [key for key in self.regexes if key in own and key[1] == name and key[0] in langs]
                groups.append((keys, self.own_set_memory))
        return [(keys, budget) for keys, budget in groups if keys]

    def _compile_sets(self) -> list[tuple[Any, list[tuple[str, str]]]]:
        sets = []
        for keys, budget in self.set_groups():
            searcher = re2.Set.SearchSet(options(budget))
            for key in keys:
                searcher.Add(self.regexes[key])
            searcher.Compile()
            sets.append((searcher, keys))
        return sets

    def _regex(self, key: tuple[str, str]) -> Any:
        # read once: another thread's refresh may empty the dict in between
        regex = self._compiled.get(key)
        if regex is None:
            regex = self._compiled[key] = re2.compile(self.regexes[key], options(self.regex_memory))
        return regex

    def _fired_keys(self, datas: Sequence[bytes]) -> list[list[tuple[str, str]]]:
        """The sorted keys that fire in each text. Set by set over all the texts: one set's
        DFA cache stays in the CPU cache (twice as quick as each text through every set)."""
        if self._posts_since_compiled >= self.refresh_posts:
            self._refresh()
        self._posts_since_compiled += len(datas)
        sets = self._sets
        if sets is None:
            sets = self._sets = self._compile_sets()
        fired: list[list[tuple[str, str]]] = [[] for _ in datas]
        for searcher, keys in sets:
            match = searcher.Match
            for found, data in zip(fired, datas, strict=True):
                hits = match(data)
                if hits:  # most sets match nothing in most posts
                    found += [keys[i] for i in hits]
        return [sorted(found) for found in fired]

    def _cue(self, key: tuple[str, str], side: str) -> Any:
        """The compiled RE2 of the key's cues on one side (a NegationRegexes field), or None."""
        cues = self._negation_compiled.get(key)
        if cues is None:
            cues = self._negation_compiled[key] = {
                field: re2.compile(source, options(self.regex_memory)) if source else None
                for field, source in vars(self.negations[key]).items()}
        return cues[side]

    def _may_negate(self, key: tuple[str, str], data: bytes) -> bool:
        """Whether any of the key's cues occurs anywhere in the post (a superset check; True
        when the key has no pre-check, as in scoring files written before it existed)."""
        if key not in self.negations:
            return False
        anywhere = self._cue(key, "anywhere")
        return anywhere is None or anywhere.search(data) is not None

    def _negated(self, key: tuple[str, str], before: bytes, after: bytes, inside: bytes) -> bool:
        """Whether one of the key's language's cues ends the clause text `before` a match,
        starts the clause text `after` it (both as `_clause_before` / `_clause_after` give)
        or occurs `inside` it (its matching view)."""
        return any(cue is not None and cue.search(text) is not None
                   for cue, text in ((self._cue(key, "before"), before), (self._cue(key, "after"), after),
                                     (self._cue(key, "within"), inside)))

    def _negated_in_context(self, name: str, speakers: list[str], text: str, start: int,
                            end: int) -> bool:
        """Whether any speaker language's cues negate the match text[start:end]: its clause
        is cut once and read in each speaker's cues."""
        before, after = _clause_before(text, start), _clause_after(text, end)
        inside = matching_view(text[start:end]).encode("utf-8")
        return any(self._negated((speaker, name), before, after, inside) for speaker in speakers)

    def _spans(self, key: tuple[str, str], data: bytes, to_char: Callable[[int], int]
               ) -> Iterator[tuple[int, int]]:
        """Character spans of the key's matches (`data` is the matching view in UTF-8)."""
        for m in self._regex(key).finditer(data):
            start, end = m.span(1)
            yield to_char(start), to_char(end)

    def _tagged_spans(self, lang: str, name: str, data: bytes, to_char: Callable[[int], int]
                      ) -> Iterator[tuple[int, int, str]]:
        for start, end in self._spans((lang, name), data, to_char):
            yield start, end, lang

    def _affirmed(self, name: str, langs: list[str], text: str, data: bytes,
                  to_char: Callable[[int], int], cued: set[str] | None = None,
                  first_only: bool = False) -> list[tuple[str, int, int]]:
        """(language, start, end) of a negatable signal's matches that no cue negates, in
        text order (with `first_only`, only each language's first). Overlapping matches are
        read in all their lexicons' languages."""
        # every language's matches merged in text order, found only as far as they are read
        matches = heapq.merge(*(self._tagged_spans(lang, name, data, to_char) for lang in langs))
        if cued is None:  # the languages whose cues occur somewhere in the post
            cued = {lang for lang in langs if self._may_negate((lang, name), data)}
        kept: list[tuple[str, int, int]] = []
        done: set[str] = set()  # with first_only, the languages with a match kept
        following = next(matches, None)
        while following is not None and len(done) < len(langs):
            group, reach = [following], following[1]  # a match and those overlapping it
            following = next(matches, None)
            while following is not None and following[0] < reach:
                group.append(following)
                reach = max(reach, following[1])
                following = next(matches, None)
            # only the languages whose cues occur somewhere in the post can negate
            speakers = sorted({lang for _, _, lang in group} & cued)
            for start, end, lang in group:
                if lang in done:
                    continue
                if speakers and self._negated_in_context(name, speakers, text, start, end):
                    continue
                kept.append((lang, start, end))
                if first_only:
                    done.add(lang)
        return kept

    def _affirmed_languages(self, name: str, langs: list[str], text: str, data: bytes,
                            to_char: Callable[[int], int], cued: set[str],
                            any_one: bool = False) -> list[str]:
        """The languages with a match of a negatable signal that no cue negates (what
        `_affirmed` finds, sooner). Each language's first match is read in the cues of every
        language in `cued`: a match none of them negates is affirmed whichever matches
        overlap it (`_affirmed` reads it in at most those cues), and no later match has to
        be looked for. Only when a first match might be negated does `_affirmed` walk the
        matches (measured on bench posts: 6% of posts with the signal).
        With `any_one`, only the first language found affirmed (whether the signal fires is
        all batch scoring needs: each language's first match is a search of its own)."""
        settled: list[str] = []
        negated_at: dict[tuple[int, int], bool] = {}  # languages often match the same words
        speakers = sorted(cued)
        for lang in langs:
            span = next(self._spans((lang, name), data, to_char), None)
            if span is None:
                break
            if span not in negated_at:
                negated_at[span] = self._negated_in_context(name, speakers, text, *span)
            if negated_at[span]:
                if any_one:
                    continue  # another language's first match may stand
                break
            if any_one:
                return [lang]
            settled.append(lang)
        else:
            if not any_one:
                return settled
        affirmed = self._affirmed(name, langs, text, data, to_char, cued, first_only=True)
        return sorted({lang for lang, _, _ in affirmed})

    @staticmethod
    def _by_signal(keys: list[tuple[str, str]]) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for lang, name in keys:
            found.setdefault(name, []).append(lang)
        return found

    def fired(self, text: str) -> dict[str, list[str]]:
        """Signal name -> languages whose lexicon fired it in `text` (normalised); no spans
        (except for negatable signals, whose matches are checked for a negation)."""
        return self.fired_many([text])[0]

    def fired_many(self, texts: Sequence[str], all_languages: bool = True
                   ) -> list[dict[str, list[str]]]:
        """`fired` for many normalised texts. Without `all_languages`, a negatable signal
        lists at least one of the languages that fired it, not necessarily all: the same
        signals fire, 1.1x quicker (batch scoring needs only which signals fired)."""
        views = [matching_view(text) for text in texts]
        datas = [view.encode("utf-8") for view in views]
        results = []
        for text, view, data, keys in zip(texts, views, datas, self._fired_keys(datas), strict=True):
            found = self._by_signal(keys)
            for name in self.negatable & set(found):
                cued = {lang for lang in found[name] if self._may_negate((lang, name), data)}
                if not cued:
                    continue  # no cue anywhere in the post: every match stands
                affirmed = self._affirmed_languages(name, found[name], text, data,
                                                    byte_to_char(view, data), cued,
                                                    any_one=not all_languages)
                if affirmed:
                    found[name] = affirmed
                else:
                    del found[name]
            results.append(found)
        return results

    def match(self, text: str) -> dict[str, list[tuple[str, int, int]]]:
        """Signal name -> [(language, start, end)] spans in `text` (normalised): up to
        `max_spans`, and at least one for each language that fired the signal."""
        view = matching_view(text)
        data = view.encode("utf-8")
        to_char = byte_to_char(view, data)
        found: dict[str, list[tuple[str, int, int]]] = {}
        for name, langs in self._by_signal(self._fired_keys([data])[0]).items():
            if name in self.negatable:
                affirmed = self._affirmed(name, langs, text, data, to_char)
                firsts = {}
                for lang, start, end in affirmed:
                    firsts.setdefault(lang, (lang, start, end))
                spans = affirmed[: self.max_spans]
                spans += [first for lang, first in firsts.items() if first not in spans]
            else:
                spans = []
                for lang in langs:
                    for start, end in self._spans((lang, name), data, to_char):
                        spans.append((lang, start, end))
                        if len(spans) >= self.max_spans:
                            break
            if spans:
                found[name] = spans
        return found


@lru_cache(maxsize=1)
def default_lexicons() -> dict[str, dict[str, LexiconEntry]]:
    """The lexicons shipped in the package."""
    return load_lexicons()


def example_failures(entry: LexiconEntry) -> list[str]:
    """Examples of `entry` that do not behave: a `hit` that does not fire, a `miss` that does."""
    from scamscore.normalize import normalise

    matcher = LexiconMatcher.from_lexicons({entry.language: {entry.signal: entry}})
    failures = []
    for expected, examples in ((True, entry.hits), (False, entry.misses)):
        for text in examples:
            fired = entry.signal in matcher.match(normalise(text).text)
            if fired != expected:
                word = "hit does not fire" if expected else "miss fires"
                failures.append(f"{entry.language} {entry.signal}: {word}: {text!r}")
    return failures


def main(argv: list[str] | None = None) -> int:
    """`python -m scamscore.lexicon [LANG ...]`: validate lexicons and run their examples."""
    import sys

    langs = argv if argv is not None else sys.argv[1:]
    try:
        catalogue = load_catalogue()
        paths = [LEXICON_DIR / f"{lang}.yaml" for lang in langs] or sorted(LEXICON_DIR.glob("*.yaml"))
        failures = []
        for path in paths:
            entries = load_lexicon_file(path, catalogue)
            for entry in entries.values():
                failures += example_failures(entry)
            missing = sorted(n for n, s in catalogue.items() if s.kind == "lexicon" and n not in entries)
            print(f"{path.name}: {len(entries)} signals, "
                  f"{sum(len(e.hits) + len(e.misses) for e in entries.values())} examples"
                  + (f"; no entry for {', '.join(missing)}" if missing else ""))
    except LexiconError as exc:
        print(f"error: {exc}")
        return 1
    for failure in failures:
        print(failure)
    print(f"{len(failures)} failing examples")
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())

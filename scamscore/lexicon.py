"""Load, validate and compile the signal catalogue and the per-language lexicons.

Lexicons are data (scamscore/lexicons/<lang>.yaml). Each entry lists literal `phrases`
(normalised like post text, so accents, case and stretched letters do not matter) and
`patterns` (RE2 syntax, matched against normalised text), plus `examples` that prove them.
Everything compiles to RE2, which matches in time linear in the input: no lexicon entry can
backtrack catastrophically. Errors name the file and the key.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, ClassVar

import re2
import yaml

from scamscore.normalize import _accent_table, byte_to_char, normalise_phrase

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


@dataclass(frozen=True)
class LexiconEntry:
    """One signal's phrases, patterns and examples in one language."""

    language: str
    signal: str
    describe: str
    phrases: tuple[str, ...]
    patterns: tuple[str, ...]
    hits: tuple[str, ...]
    misses: tuple[str, ...]


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
        unknown = set(spec) - {"kind", "describe", "authority", "enabled", "direction"}
        if unknown:
            raise LexiconError(f"{where}: unknown keys {sorted(unknown)}")
        if spec.get("kind") not in SIGNAL_KINDS:
            raise LexiconError(f"{where}: kind must be one of {SIGNAL_KINDS}")
        for key in ("describe", "authority"):
            if not isinstance(spec.get(key), str) or not spec[key].strip():
                raise LexiconError(f"{where}: '{key}' is required")
        if spec.get("direction", "raises") not in ("raises", "lowers"):
            raise LexiconError(f"{where}: direction must be 'raises' or 'lowers'")
        catalogue[name] = SignalSpec(
            name, spec["kind"], spec["describe"], spec["authority"],
            bool(spec.get("enabled", True)), spec.get("direction", "raises"),
        )
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


def load_lexicon_file(path: Path, catalogue: dict[str, SignalSpec]) -> dict[str, LexiconEntry]:
    """Read and validate one language file; compile each entry to catch bad patterns."""
    raw = _read_yaml(path)
    lang = path.stem
    if not isinstance(raw, dict) or raw.get("language") != lang:
        raise LexiconError(f"{path.name}: needs 'language: {lang}' and a 'signals' mapping")
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
        unknown = set(spec) - {"describe", "phrases", "patterns", "examples"}
        if unknown:
            raise LexiconError(f"{where}: unknown keys {sorted(unknown)}")
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
        )
        if not entry.phrases and not entry.patterns:
            raise LexiconError(f"{where}: needs at least one phrase or pattern")
        if not entry.hits or not entry.misses:
            raise LexiconError(f"{where}: needs at least one 'hit' and one 'miss' example")
        for pattern in entry.patterns:
            try:
                re2.compile(_wrap(_pattern_body(pattern)), _options())
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


def matching_view(text: str) -> str:
    """`text` with symbols, emoji and other punctuation turned into spaces (same offsets)."""
    if text.isascii():
        return text
    return text.translate(_VIEW_TABLE)


def _options(max_mem: int = 64 << 20) -> re2.Options:
    options = re2.Options()
    options.max_mem = max_mem
    return options


def entry_regex(entry: LexiconEntry) -> str:
    """One RE2 pattern for a whole entry; group 1 is the evidence span."""
    bodies = [_phrase_body(p) for p in entry.phrases] + [_pattern_body(p) for p in entry.patterns]
    return _wrap("|".join(f"(?:{b})" for b in bodies if b))


def lexicon_fingerprint(lexicons: dict[str, dict[str, LexiconEntry]]) -> str:
    """A stable hash of everything the matcher compiles (not the examples)."""
    data = {
        lang: {name: [e.phrases, e.patterns] for name, e in sorted(entries.items())}
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
    their spans. Each language has one set, plus a second one for its entries with a long
    gap between words: a gap's counter multiplies the DFA states of every other pattern in
    its set, so apart they need less memory and match twice as fast (measured on the bench
    export: es and pt sets 0.07 -> 0.016 ms per post). A single set over all languages has
    too many DFA states: its cache thrashes and matching becomes 40x slower. Compiled state
    is built lazily and rebuilt after unpickling.
    """

    max_spans = 8
    # RE2 memory budget of each language's set (its DFA cache). Below what a set needs its
    # cache thrashes and matching gets 10-40x slower; above, a long run grows towards the
    # budget. Measured on the bench export: es, pt and ru thrash below 48 MB, en/fr/hi are
    # fine from 32 MB, sw/ar from 16 MB; the long-gap sets from 16 MB.
    set_memory: ClassVar[dict[str, int]] = {
        "es": 48 << 20, "pt": 48 << 20, "ru": 48 << 20,
        "en": 32 << 20, "fr": 32 << 20, "hi": 32 << 20,
        "sw": 16 << 20, "ar": 16 << 20,
    }
    default_set_memory = 48 << 20
    long_gap_set_memory = 16 << 20
    regex_memory = 8 << 20

    def __init__(self, regexes: dict[tuple[str, str], str]) -> None:
        self.regexes = dict(sorted(regexes.items()))
        self._sets: list[tuple[Any, list[tuple[str, str]]]] | None = None
        self._compiled: dict[tuple[str, str], Any] = {}

    @classmethod
    def from_lexicons(cls, lexicons: dict[str, dict[str, LexiconEntry]]) -> LexiconMatcher:
        return cls({(lang, name): entry_regex(e)
                    for lang, entries in lexicons.items() for name, e in entries.items()})

    def __getstate__(self) -> dict[str, Any]:
        return {"regexes": self.regexes}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__init__(state["regexes"])

    def set_groups(self) -> list[tuple[list[tuple[str, str]], int]]:
        """The keys of each RE2 set, with its memory budget: per language, plain then long-gap."""
        groups = []
        for lang in sorted({lang for lang, _ in self.regexes}):
            keys = [key for key in self.regexes if key[0] == lang]
            plain = [key for key in keys if not has_long_gap(self.regexes[key])]
            gapped = [key for key in keys if has_long_gap(self.regexes[key])]
            groups.append((plain, self.set_memory.get(lang, self.default_set_memory)))
            groups.append((gapped, self.long_gap_set_memory))
        return [(keys, budget) for keys, budget in groups if keys]

    def _compile_sets(self) -> list[tuple[Any, list[tuple[str, str]]]]:
        sets = []
        for keys, budget in self.set_groups():
            searcher = re2.Set.SearchSet(_options(budget))
            for key in keys:
                searcher.Add(self.regexes[key])
            searcher.Compile()
            sets.append((searcher, keys))
        return sets

    def _regex(self, key: tuple[str, str]) -> Any:
        if key not in self._compiled:
            self._compiled[key] = re2.compile(self.regexes[key], _options(self.regex_memory))
        return self._compiled[key]

    def _fired_keys(self, data: bytes) -> list[tuple[str, str]]:
        if self._sets is None:
            self._sets = self._compile_sets()
        return sorted(keys[i] for searcher, keys in self._sets for i in searcher.Match(data) or ())

    def fired(self, text: str) -> dict[str, list[str]]:
        """Signal name -> languages whose lexicon fired it in `text` (normalised); no spans."""
        found: dict[str, list[str]] = {}
        for lang, name in self._fired_keys(matching_view(text).encode("utf-8")):
            found.setdefault(name, []).append(lang)
        return found

    def match(self, text: str) -> dict[str, list[tuple[str, int, int]]]:
        """Signal name -> [(language, start, end)] spans in `text` (normalised)."""
        view = matching_view(text)
        data = view.encode("utf-8")
        to_char = byte_to_char(view, data)
        found: dict[str, list[tuple[str, int, int]]] = {}
        for lang, name in self._fired_keys(data):
            spans = found.setdefault(name, [])
            for m in self._regex((lang, name)).finditer(data):
                start, end = m.span(1)
                spans.append((lang, to_char(start), to_char(end)))
                if len(spans) >= self.max_spans:
                    break
        return found


@lru_cache(maxsize=1)
def default_lexicons() -> dict[str, dict[str, LexiconEntry]]:
    """The lexicons shipped in the package."""
    return load_lexicons()


def example_failures(entry: LexiconEntry) -> list[str]:
    """Examples of `entry` that do not behave: a `hit` that does not fire, a `miss` that does."""
    from scamscore.normalize import normalise

    matcher = LexiconMatcher({(entry.language, entry.signal): entry_regex(entry)})
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

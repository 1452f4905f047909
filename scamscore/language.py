"""Deterministic language detection for posts.

Two backends: `py3langid` (default: fast, deterministic, covers our languages) and
`langdetect` (seeded, so it is deterministic too). Both see the post with links, handles,
e-mail addresses, numbers and emoji removed, and both are restricted to the languages
recruitment posts in our scope are written in, so that short Russian posts are not read as
Bulgarian. Text too short to tell gets "und".
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import sparse

from scamscore import compiled
from scamscore.ngrams import count_keys, in_batches

SUPPORTED = ("en", "es", "fr", "pt", "ru", "sw", "ar", "hi")
# Languages we report but have no lexicon for: neighbours of the supported ones and the
# languages of the regions the documented campaigns recruit from.
REPORTED = (
    *SUPPORTED,
    "uk", "kk", "ky", "uz", "tg", "tr", "az", "id", "ms", "tl", "th", "vi", "my", "km", "lo",
    "am", "ha", "yo", "ig", "zu", "so", "ur", "bn", "ne", "fa", "zh", "de", "it", "pl", "ro", "nl",
)
BACKENDS = ("py3langid", "langdetect")
UNDETERMINED = "und"
MIN_LETTERS = 8
# Batches of at least this many posts are counted in numpy, smaller ones byte by byte.
BATCH_MIN_POSTS = 8
_BATCH_BYTES = 1 << 18

_NOISE = re.compile(
    r"https?://\S+|www\.\S+|\S+@\S+|@\w+|#|\d+|[\U0001F000-\U0001FAFF\u2600-\u27BF]"
)
# The same without its two "@" alternatives, which cannot match text without an "@":
# trying them at every position was half the cost of cleaning a post. The look-ahead (the
# first characters the alternatives can start with) lets re skip other positions at once.
_NOISE_WITHOUT_AT = re.compile(r"(?=[hw#\d\U0001F000-\U0001FAFF\u2600-\u27BF])"
                               r"(?:https?://\S+|www\.\S+|#|\d+|[\U0001F000-\U0001FAFF\u2600-\u27BF])")
_LETTER_LIKE = re.compile(r"[^\W\d_]")  # every alphabetic character, and a few numerals


def _clean(text: str) -> str:
    if compiled.FAST is not None:  # the same substitution in one compiled pass
        return compiled.FAST.noise_to_spaces(text)
    return (_NOISE if "@" in text else _NOISE_WITHOUT_AT).sub(" ", text)


def _too_short(cleaned: str) -> bool:
    """Fewer than MIN_LETTERS alphabetic characters (counting stops at MIN_LETTERS)."""
    letters = 0
    for m in _LETTER_LIKE.finditer(cleaned):
        if m.group().isalpha():
            letters += 1
            if letters >= MIN_LETTERS:
                return False
    return True


def _py3langid():
    """py3langid's identifier restricted to REPORTED (loads the whole model: ~0.6 s)."""
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(REPORTED))
    return identifier


@dataclass(frozen=True)
class _Model:
    """The parts of py3langid's model that scoring reads; the identifier itself (which keeps
    a copy of the full 97-language model, ~36 MB) is not kept."""

    nextmove: Any  # array('I'): the automaton's transitions
    rowbase: list[int]
    output: Any  # feature id emitted in each state, or -1
    classes: tuple[str, ...]
    prior: np.ndarray  # float32, per class
    table: np.ndarray  # float32, features x classes, C-contiguous
    alias_pairs: tuple[tuple[int, int], ...]
    encode: Callable[[str], bytes]


@lru_cache(maxsize=1)
def _model() -> _Model:
    identifier = _py3langid()
    return _Model(identifier.tk_nextmove, identifier._rowbase, identifier.tk_output,
                  tuple(identifier.nb_classes), np.asarray(identifier.nb_pc, dtype=np.float32),
                  np.ascontiguousarray(identifier.nb_ptc, dtype=np.float32),
                  tuple(identifier._alias_pairs), identifier._encode)


@lru_cache(maxsize=1)
def _langdetect():
    from langdetect import DetectorFactory

    DetectorFactory.seed = 0
    from langdetect import detect

    return detect


def _prepare(text: str) -> bytes | None:
    """The bytes py3langid reads for a post, or None when it is too short to tell."""
    cleaned = _clean(text[:4000])
    if _too_short(cleaned):
        return None
    return _model().encode(cleaned)


def _decide(counted: list[tuple[np.ndarray, np.ndarray]], n_bytes: list[int]) -> list[str]:
    """py3langid's naive-Bayes decision for each post from its feature counts.

    Each row of the sparse product is summed on its own, in feature order, so a post gets
    the same language alone (`check`) as in a batch.
    """
    model = _model()
    classes = model.classes
    lengths = [len(f) for f, _ in counted]
    indptr = np.concatenate(([0], np.cumsum(lengths))).astype(np.int64)
    indices = np.concatenate([f for f, _ in counted] or [np.zeros(0, np.intp)])
    values = np.log1p(np.concatenate([c for _, c in counted] or [np.zeros(0)]).astype(np.float32))
    counts = sparse.csr_matrix((values, indices, indptr), shape=(len(counted), model.table.shape[0]))
    scores = np.asarray(counts @ model.table, dtype=np.float32) + model.prior
    scores *= (1.0 / np.sqrt(np.maximum(np.asarray(n_bytes, dtype=np.float32), 1)))[:, None]
    np.exp(scores - scores.max(axis=1, keepdims=True), out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    for i, j in model.alias_pairs:
        scores[:, i] += scores[:, j]
        scores[:, j] = 0.0
    best = scores.argmax(axis=1)
    # a post without any feature gets py3langid's answer for featureless input
    return [str(classes[0] if not n else classes[k]) for n, k in zip(lengths, best.tolist(), strict=True)]


def _walk_counts(data: bytes) -> tuple[np.ndarray, np.ndarray]:
    """Feature counts of one post by walking py3langid's automaton byte by byte."""
    from py3langid.langid import visit_counts

    model = _model()
    visits = visit_counts(model.nextmove, model.rowbase, model.output, data)
    if not visits:
        return np.zeros(0, np.intp), np.zeros(0, np.int64)
    features = np.array(sorted(visits), dtype=np.intp)
    return features, np.array([visits[f] for f in features.tolist()], dtype=np.int64)


def detect_language(text: str, backend: str = "py3langid") -> str:
    """ISO 639-1 code of the post's main language, or "und" when it cannot be told."""
    return detect_languages([text], backend)[0]


def detect_languages(texts: Sequence[str], backend: str = "py3langid") -> list[str]:
    """`detect_language` for many posts; the automaton is read in numpy for large batches."""
    if backend not in BACKENDS:
        raise ValueError(f"unknown language detector {backend!r}; choose from {BACKENDS}")
    if backend == "langdetect":
        return [_langdetect_one(t) for t in texts]
    prepared = [_prepare(t) for t in texts]
    datas = [d for d in prepared if d is not None]
    if len(datas) >= BATCH_MIN_POSTS or (datas and compiled.FAST is not None):
        counted = _automaton().counts(datas)
    else:
        counted = [_walk_counts(d) for d in datas]
    decided = iter(_decide(counted, [len(d) for d in datas]) if datas else [])
    return [UNDETERMINED if data is None else next(decided) for data in prepared]


def _langdetect_one(text: str) -> str:
    from langdetect.lang_detect_exception import LangDetectException

    cleaned = _clean(text[:4000])
    if _too_short(cleaned):
        return UNDETERMINED
    try:
        lang = _langdetect()(cleaned)
    except LangDetectException:
        return UNDETERMINED
    return lang.split("-")[0]


class _Automaton:
    """py3langid's automaton run over a whole batch of posts at once, in numpy.

    It is an Aho-Corasick automaton over byte n-grams: after reading byte i it is in the
    state of the longest suffix of the bytes so far that is a node of its keyword trie.
    No node is deeper than `WINDOW` bytes, so that state is also where the automaton ends
    after reading only the last `WINDOW` bytes from the start state: every position is
    found with `WINDOW` vectorised steps instead of a walk through the whole post. Where
    `scamscore/_fast.c` was built, the walk itself is compiled (one table read per byte).
    """

    WINDOW = 6  # the deepest trie node of py3langid's model (tests check it)

    def __init__(self, model: _Model) -> None:
        # the 39 MB transition table read in place as int32 (its values are far below 2**31)
        self.moves = np.frombuffer(model.nextmove, dtype=np.int32)
        self.rowbase = np.asarray(model.rowbase, dtype=np.int32)
        self.output = np.asarray(model.output, dtype=np.int32)
        self.n_features = int(self.output.max()) + 1

    def counts(self, datas: Sequence[bytes]) -> list[tuple[np.ndarray, np.ndarray]]:
        """(sorted feature ids, their counts) of each post, as `_walk_counts` gives them."""
        return [counted for batch in in_batches(datas, _BATCH_BYTES)
                for counted in self._batch_counts(batch)]

    def _batch_counts(self, datas: list[bytes]) -> list[tuple[np.ndarray, np.ndarray]]:
        if compiled.FAST is not None:
            return self._walked_counts(datas)
        # int32 throughout (half the memory traffic of int64; a batch is far below 2**31)
        lengths = np.fromiter(map(len, datas), dtype=np.int32, count=len(datas))
        codes = np.frombuffer(b"".join(datas), dtype=np.uint8).astype(np.int32)
        post = np.repeat(np.arange(len(datas), dtype=np.int32), lengths)
        offset = np.arange(len(codes), dtype=np.int32) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        state = np.zeros(len(codes), dtype=np.int32)
        for back in range(self.WINDOW - 1, -1, -1):
            # feed each position's byte `back` places earlier (if inside its own post)
            here = state[back:]
            step = self.moves[self.rowbase[here] + codes[: len(codes) - back]]
            state[back:] = np.where(offset[back:] >= back, step, here)
        feature = self.output[state]
        hit = feature >= 0
        key_type = np.uint32 if len(datas) * self.n_features < 2**32 else np.int64
        pairs, counts = count_keys(post[hit].astype(key_type) * key_type(self.n_features)
                                   + feature[hit].astype(key_type))
        owner, features = np.divmod(pairs.astype(np.int64), self.n_features)
        bounds = np.searchsorted(owner, np.arange(len(datas) + 1))
        return [(features[a:b].astype(np.intp), counts[a:b])
                for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]

    def _walked_counts(self, datas: list[bytes]) -> list[tuple[np.ndarray, np.ndarray]]:
        """`_batch_counts` by the compiled walk: one table read per byte instead of WINDOW."""
        lengths = np.fromiter(map(len, datas), dtype=np.int64, count=len(datas))
        data = b"".join(datas)
        rows, features, counts = (np.empty(len(data), np.int64) for _ in range(3))
        n = compiled.FAST.automaton_entries(data, lengths, self.moves, self.rowbase, self.output,
                                            self.n_features, rows, features, counts)
        bounds = np.searchsorted(rows[:n], np.arange(len(datas) + 1))
        return [(features[a:b], counts[a:b])
                for a, b in zip(bounds[:-1].tolist(), bounds[1:].tolist(), strict=True)]


@lru_cache(maxsize=1)
def _automaton() -> _Automaton:
    return _Automaton(_model())

"""Turn posts into features: named signals (with evidence) and hashed wording n-grams.

Both transformers follow scikit-learn's estimator contract (`__init__` stores parameters,
`fit` validates and returns self, learned attributes end in `_`) and accept either raw
texts or `Analysis` objects, so a post is normalised and matched once when scoring.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfTransformer

from scamscore.computed import COMPUTED
from scamscore.lexicon import (
    LEXICON_DIR,
    LexiconMatcher,
    lexicon_fingerprint,
    load_catalogue,
    load_lexicons,
    signal_signs,
)
from scamscore.ngrams import bucket, char_ngrams, hashed_counts
from scamscore.normalize import Normalised, Span, normalise

MAX_CHARS = 20_000


@dataclass(frozen=True)
class SignalHit:
    """One fired signal: its feature value, evidence spans in the original text, languages."""

    name: str
    value: float
    evidence: tuple[Span, ...] = ()
    languages: tuple[str, ...] = ()


@dataclass
class Analysis:
    """A post after normalisation and signal matching (only the first MAX_CHARS are read)."""

    text: str
    normalised: Normalised
    hits: dict[str, SignalHit] = field(default_factory=dict)
    truncated: bool = False


def _as_text(item: str | Analysis) -> str:
    if isinstance(item, Analysis):
        return item.normalised.text
    return normalise(str(item)[:MAX_CHARS]).text


class SignalExtractor(TransformerMixin, BaseEstimator):
    """Texts -> matrix of named signal values (lexicon matches and computed signals).

    Parameters
    ----------
    lexicon_dir : directory of <lang>.yaml lexicons; None means the packaged ones.
    languages : restrict to these lexicon languages; None means all (posts code-switch, and
        detectors confuse es/pt, so every lexicon is matched by default).
    max_chars : characters of each post that are analysed.
    """

    def __init__(
        self,
        lexicon_dir: str | None = None,
        languages: Sequence[str] | None = None,
        max_chars: int = MAX_CHARS,
    ) -> None:
        self.lexicon_dir = lexicon_dir
        self.languages = languages
        self.max_chars = max_chars

    def fit(self, X: Iterable[str] | None = None, y: object = None) -> SignalExtractor:
        if not isinstance(self.max_chars, int) or self.max_chars < 1:
            raise ValueError("max_chars must be a positive integer")
        catalogue = load_catalogue()
        lexicons = load_lexicons(Path(self.lexicon_dir or LEXICON_DIR), catalogue)
        if self.languages is not None:
            unknown = set(self.languages) - set(lexicons)
            if unknown:
                raise ValueError(f"no lexicon for languages {sorted(unknown)}")
            lexicons = {k: v for k, v in lexicons.items() if k in self.languages}
        self.signal_names_ = [s.name for s in catalogue.values() if s.enabled]
        self.descriptions_ = {s.name: s.describe for s in catalogue.values()}
        self.directions_ = signal_signs(catalogue)
        self.languages_ = sorted(lexicons)
        self.lexicon_sha256_ = lexicon_fingerprint(lexicons)
        self.matcher_ = LexiconMatcher.from_lexicons(lexicons)
        self._index = {name: i for i, name in enumerate(self.signal_names_)}
        return self

    def __setstate__(self, state: dict) -> None:
        self.__dict__.update(state)
        if "signal_names_" in state:
            self._index = {name: i for i, name in enumerate(self.signal_names_)}

    def analyse(self, text: str, evidence: bool = True) -> Analysis:
        """Normalise one post and find every signal in it (with evidence spans, unless not
        asked for: batch scoring only needs which signals fired, which is 3x quicker)."""
        truncated = len(text) > self.max_chars
        window = text[: self.max_chars]
        norm = normalise(window)
        hits: dict[str, SignalHit] = {}
        if evidence:
            for name, found in self.matcher_.match(norm.text).items():
                spans = sorted({norm.to_original(a, b) for _, a, b in found})
                langs = tuple(sorted({lang for lang, _, _ in found}))
                hits[name] = SignalHit(name, 1.0, tuple(_drop_nested(spans)), langs)
        else:
            for name, langs in self.matcher_.fired(norm.text).items():
                hits[name] = SignalHit(name, 1.0, (), tuple(sorted(set(langs))))
        for name, fn in COMPUTED.items():
            if name in self._index:
                result = fn(window, norm)
                if result is not None:
                    hits[name] = SignalHit(name, result.value, result.evidence)
        hits = {name: hits[name] for name in self.signal_names_ if name in hits}
        return Analysis(text, norm, hits, truncated)

    def transform(self, X: Iterable[str | Analysis]) -> np.ndarray:
        rows = [x if isinstance(x, Analysis) else self.analyse(str(x)) for x in X]
        out = np.zeros((len(rows), len(self.signal_names_)), dtype=np.float64)
        for i, analysis in enumerate(rows):
            for name, hit in analysis.hits.items():
                out[i, self._index[name]] = hit.value
        return out

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray(self.signal_names_, dtype=object)


def _drop_nested(spans: list[Span]) -> list[Span]:
    """Keep the widest of overlapping evidence spans."""
    kept: list[Span] = []
    for start, end in sorted(spans, key=lambda s: (s[0], -s[1])):
        if kept and start < kept[-1][1]:
            if end > kept[-1][1]:
                kept[-1] = (kept[-1][0], end)
            continue
        kept.append((start, end))
    return kept


class WordingVectorizer(TransformerMixin, BaseEstimator):
    """Texts -> TF-IDF of hashed character n-grams (char_wb) of the normalised text.

    Hashing keeps the model small and quick to load (no vocabulary to unpickle); the
    n-grams of a whole chunk are hashed at once in numpy (`scamscore.ngrams`).
    """

    def __init__(self, n_features: int = 2**18, ngram_range: tuple[int, int] = (2, 4)) -> None:
        self.n_features = n_features
        self.ngram_range = ngram_range

    def _counts(self, X: Iterable[str | Analysis]) -> sparse.csr_matrix:
        return hashed_counts([_as_text(x) for x in X], tuple(self.ngram_range), self.n_features)

    def fit(self, X: Iterable[str | Analysis], y: object = None) -> WordingVectorizer:
        self.tfidf_ = TfidfTransformer(sublinear_tf=True).fit(self._counts(X))
        return self

    def transform(self, X: Iterable[str | Analysis]) -> sparse.csr_matrix:
        return self.tfidf_.transform(self._counts(X))

    def ngram_contributions(self, text: str | Analysis, coef: np.ndarray) -> dict[str, float]:
        """Each distinct n-gram's share of the wording term (the shares sum to the term).

        `coef` holds the classifier weights of this vectorizer's columns. N-grams that share
        a hash bucket split that bucket's contribution equally.
        """
        normalised = _as_text(text)
        row = self.transform([text])
        value = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
        buckets: dict[int, list[str]] = {}
        for gram in set(char_ngrams(normalised, tuple(self.ngram_range))):
            buckets.setdefault(bucket(gram, self.n_features), []).append(gram)
        out = {}
        for j, grams in buckets.items():
            share = float(coef[j]) * value.get(j, 0.0) / len(grams)
            for gram in grams:
                out[gram] = share
        return out

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray([f"wording_{i}" for i in range(self.n_features)], dtype=object)

"""Turn posts into features: named signals (with evidence) and hashed wording n-grams.

Both transformers follow scikit-learn's estimator contract (`__init__` stores parameters,
`fit` validates and returns self, learned attributes end in `_`) and accept either raw
texts or `Analysis` objects, so a post is normalised and matched once when scoring.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin

from scamscore.lexicon import (
    LEXICON_DIR,
    LexiconMatcher,
    lexicon_fingerprint,
    load_catalogue,
    load_lexicons,
    signal_signs,
)
from scamscore.ngrams import hashed_counts, ngram_shares, smooth_idf, tfidf_rows
from scamscore.signals import MAX_CHARS, Analysis, SignalAnalyser, normalised_text

__all__ = ["MAX_CHARS", "Analysis", "SignalExtractor", "WordingVectorizer"]


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
        requires = {s.name: s.requires for s in catalogue.values() if s.enabled and s.requires}
        self.analyser_ = SignalAnalyser(self.signal_names_, self.matcher_, self.max_chars, requires)
        return self

    def analyse(self, text: str, evidence: bool = True) -> Analysis:
        """Normalise one post and find every signal in it (see `SignalAnalyser.analyse`)."""
        return self.analyser_.analyse(text, evidence)

    def transform(self, X: Iterable[str | Analysis]) -> np.ndarray:
        return self.analyser_.values(X)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray(self.signal_names_, dtype=object)


class WordingVectorizer(TransformerMixin, BaseEstimator):
    """Texts -> TF-IDF of hashed character n-grams (char_wb) of the normalised text.

    Hashing keeps the model small and quick to load (no vocabulary to unpickle); the
    n-grams of a whole chunk are hashed at once in numpy (`scamscore.ngrams`). The weighting
    is scikit-learn's `TfidfTransformer(sublinear_tf=True)` (smoothed idf, l2-normalised
    rows), computed by `ngrams.tfidf_rows` so that scoring needs no scikit-learn.
    """

    def __init__(self, n_features: int = 2**18, ngram_range: tuple[int, int] = (2, 4)) -> None:
        self.n_features = n_features
        self.ngram_range = ngram_range

    def _counts(self, X: Iterable[str | Analysis]) -> sparse.csr_matrix:
        return hashed_counts([normalised_text(x) for x in X], tuple(self.ngram_range), self.n_features)

    def fit(self, X: Iterable[str | Analysis], y: object = None) -> WordingVectorizer:
        self.idf_ = smooth_idf(self._counts(X))
        return self

    def transform(self, X: Iterable[str | Analysis]) -> sparse.csr_matrix:
        return tfidf_rows(self._counts(X), self.idf_)

    def ngram_contributions(self, text: str | Analysis, coef: np.ndarray) -> dict[str, float]:
        """Each distinct n-gram's share of the wording term (see `ngrams.ngram_shares`);
        `coef` holds the classifier weights of this vectorizer's columns."""
        return ngram_shares(normalised_text(text), self.transform([text]), coef,
                            tuple(self.ngram_range), self.n_features)

    def get_feature_names_out(self, input_features: object = None) -> np.ndarray:
        return np.asarray([f"wording_{i}" for i in range(self.n_features)], dtype=object)

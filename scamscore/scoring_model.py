"""What scoring needs from a fitted pipeline, as plain data: no pickle and no scikit-learn.

Training saves the scikit-learn pipeline (`model.joblib`, pickle) and, beside it, this
`scoring.npz`: the lexicon regexes, signal names and descriptions, the wording n-gram
settings and idf weights, and the calibrated linear weights. Scoring reads only the npz,
with `allow_pickle=False`, so loading a model runs no code from the file, and a scoring
process never imports scikit-learn or pandas.
"""

from __future__ import annotations

import io
import json
import os
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import sparse

from scamscore.lexicon import LexiconMatcher, NegationRegexes
from scamscore.ngrams import hashed_counts, ngram_shares, tfidf_dot, tfidf_rows
from scamscore.signals import Analysis, SignalAnalyser, normalised_text

FORMAT = "scamscore-scoring/1"


class ScoringFileError(ValueError):
    """The scoring file is not one that `ScoringModel.save` wrote."""


@dataclass
class ScoringModel:
    """Signals + hashed TF-IDF wording -> one linear, calibrated logit."""

    signals: SignalAnalyser
    descriptions: dict[str, str]
    ngram_range: tuple[int, int]
    idf: np.ndarray
    coef: np.ndarray  # the signal weights, then the wording weights
    intercept: float

    @property
    def n_signals(self) -> int:
        return len(self.signals.signal_names)

    @classmethod
    def from_pipeline(cls, pipeline: Any) -> ScoringModel:
        """Take the fitted parts out of a `model.build_pipeline()` pipeline."""
        parts = dict(pipeline.named_steps["features"].transformer_list)
        extractor, wording = parts["signals"], parts["wording"]
        classifier = pipeline.named_steps["classifier"]
        return cls(
            signals=extractor.analyser_,
            descriptions=dict(extractor.descriptions_),
            ngram_range=tuple(wording.ngram_range),
            idf=np.asarray(wording.idf_, dtype=np.float64),
            coef=np.asarray(classifier.coef_, dtype=np.float64).ravel(),
            intercept=float(classifier.intercept_[0]),
        )

    def wording_rows(self, items: Iterable[str | Analysis]) -> sparse.csr_matrix:
        """TF-IDF rows of the posts' hashed char_wb n-grams (the pipeline's wording part)."""
        texts = [normalised_text(x, self.signals.max_chars) for x in items]
        return tfidf_rows(hashed_counts(texts, self.ngram_range, len(self.idf)), self.idf)

    def wording_terms(self, items: Iterable[str | Analysis]) -> np.ndarray:
        """Each post's wording term of the logit (`wording_rows(items) @` the n-gram weights)."""
        texts = [normalised_text(x, self.signals.max_chars) for x in items]
        return tfidf_dot(texts, self.ngram_range, self.idf, self.coef[self.n_signals :])

    def ngram_contributions(self, item: str | Analysis) -> dict[str, float]:
        """Each distinct n-gram's share of the post's wording term."""
        text = normalised_text(item, self.signals.max_chars)
        return ngram_shares(text, self.wording_rows([item]), self.coef[self.n_signals :],
                            self.ngram_range, len(self.idf))

    def save(self, path: str | os.PathLike[str]) -> None:
        """Write an npz whose bytes depend only on the model (fixed zip timestamps)."""
        meta = {
            "format": FORMAT,
            "signal_names": self.signals.signal_names,
            "descriptions": self.descriptions,
            "max_chars": self.signals.max_chars,
            "requires": self.signals.requires,
            "regexes": [[lang, name, regex] for (lang, name), regex in self.signals.matcher.regexes.items()],
            "negations": [[lang, name, cues.before, cues.after, cues.within, cues.anywhere]
                          for (lang, name), cues in self.signals.matcher.negations.items()],
            "ngram_range": list(self.ngram_range),
            "intercept": self.intercept,
        }
        arrays = {"meta": np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8),
                  "idf": self.idf, "coef": self.coef}
        with zipfile.ZipFile(path, "w") as archive:
            for name, array in arrays.items():
                buffer = io.BytesIO()
                np.lib.format.write_array(buffer, np.ascontiguousarray(array), allow_pickle=False)
                info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, buffer.getvalue())

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> ScoringModel:
        """Read a file `save` wrote (arrays only: nothing in it is executed)."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = json.loads(data["meta"].tobytes().decode("utf-8"))
                idf, coef = data["idf"], data["coef"]
        except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
            raise ScoringFileError(f"unreadable scoring file {path}: {exc}") from exc
        if not isinstance(meta, dict) or meta.get("format") != FORMAT:
            raise ScoringFileError(f"{path} is not a {FORMAT} file")
        try:
            names = [str(name) for name in meta["signal_names"]]
            regexes = {(str(lang), str(name)): str(regex) for lang, name, regex in meta["regexes"]}
            # rows are [lang, name, before, after] in files written before `within` cues
            # and the `anywhere` pre-check existed (read as having neither)
            negations = {(str(row[0]), str(row[1])): NegationRegexes(*(str(x) for x in row[2:6]))
                         for row in meta["negations"] if 4 <= len(row) <= 6}
            if len(negations) != len(meta["negations"]):
                raise ValueError("a negation row has the wrong length")
            low, high = (int(n) for n in meta["ngram_range"])
            max_chars, intercept = int(meta["max_chars"]), float(meta["intercept"])
            descriptions = {str(k): str(v) for k, v in meta["descriptions"].items()}
            # files written before `requires` have none
            requires = {str(k): str(v) for k, v in meta.get("requires", {}).items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ScoringFileError(f"{path}: malformed header ({exc!r})") from exc
        if idf.ndim != 1 or coef.shape != (len(names) + len(idf),):
            raise ScoringFileError(f"{path}: {coef.shape} weights for {len(names)} signals and "
                                   f"{idf.shape} wording columns")
        return cls(
            signals=SignalAnalyser(names, LexiconMatcher(regexes, negations), max_chars, requires),
            descriptions=descriptions,
            ngram_range=(low, high),
            idf=idf,
            coef=coef,
            intercept=intercept,
        )

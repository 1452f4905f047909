"""Score posts with a verified model and explain every score.

Scoring reads the model's `scoring.npz` (see `scoring_model`), so it imports neither
scikit-learn nor pandas.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from scamscore.artifact import load_scoring
from scamscore.explain import Evidence, Result, SignalContribution, band_for
from scamscore.language import detect_languages
from scamscore.signals import Analysis


class Scorer:
    """Loads the model once; `score()` one post, `score_many()` a chunk."""

    RECENT_POSTS = 20_000  # distinct posts whose batch rows are remembered (~10 MB)

    def __init__(self, model_path: str | os.PathLike[str] | None = None,
                 lang_detector: str = "py3langid", high_threshold: float | None = None) -> None:
        self.model, self.manifest = load_scoring(model_path)
        self.signals = self.model.signals
        self.lang_detector = lang_detector
        self.n_signals = self.model.n_signals
        self.coef = self.model.coef
        self.intercept = self.model.intercept
        self.thresholds = dict(self.manifest["thresholds"])
        if high_threshold is not None:
            self.thresholds["high"] = float(high_threshold)
            self.thresholds["medium"] = min(self.thresholds["medium"], float(high_threshold))
        self._recent: OrderedDict[bytes, tuple[float, str, str, str]] = OrderedDict()
        self.model_info = {
            "version": str(self.manifest.get("version", "")),
            "sha256": str(self.manifest.get("sha256", "")),
        }

    def analyse(self, text: str) -> Analysis:
        return self.signals.analyse(text)

    def _parts(self, analyses: Sequence[Analysis]) -> tuple[np.ndarray, np.ndarray]:
        """Per post: each signal's contribution, and the wording term, to the logit."""
        signal_part = self.signals.values(analyses) * self.coef[: self.n_signals]
        return signal_part, self.model.wording_terms(analyses)

    def _probability(self, signal_part: np.ndarray, wording: float) -> float:
        logit = self.intercept + wording + float(signal_part.sum())
        if logit >= 0:
            return 1.0 / (1.0 + math.exp(-logit))
        return math.exp(logit) / (1.0 + math.exp(logit))

    def score_rows(self, texts: Sequence[str]) -> list[tuple[float, str, str, str]]:
        """(probability, band, language, fired signals by contribution) for a chunk of posts.

        The batch path: no evidence spans and no explanation objects, but the same
        probabilities, bands, languages and signal order as `score_many`. A post seen
        among this scorer's last RECENT_POSTS distinct posts (a repost, a spam flood) is
        not scored again: scoring depends on the text alone, so the row is the same.
        """
        keys = [hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()
                for text in texts]
        # the rows are read from the memory once and kept here: another thread scoring with
        # this scorer (a Dask worker's) may forget a post in between
        known = {key: row for key in keys if (row := self._recent.get(key)) is not None}
        todo = {key: text for key, text in zip(keys, texts, strict=True) if key not in known}
        known.update(zip(todo, self._score_rows(list(todo.values())), strict=True))
        rows = [known[key] for key in keys]
        for key in keys:  # most recently seen last
            self._recent.pop(key, None)
            self._recent[key] = known[key]
        while len(self._recent) > self.RECENT_POSTS:
            self._recent.popitem(last=False)
        return rows

    def _score_rows(self, texts: Sequence[str]) -> list[tuple[float, str, str, str]]:
        if not texts:
            return []
        analyses = self.signals.analyse_many(texts, evidence=False)
        signal_part, wording_part = self._parts(analyses)
        languages = detect_languages(texts, self.lang_detector)
        index = self.signals.index
        rows = []
        for i, analysis in enumerate(analyses):
            probability = self._probability(signal_part[i], float(wording_part[i]))
            fired = sorted(analysis.hits, key=lambda n: (-signal_part[i, index[n]], n))
            rows.append((probability, band_for(probability, self.thresholds), languages[i],
                         ";".join(fired)))
        return rows

    def score_many(self, texts: Sequence[str], sources: Sequence[str] | None = None,
                   langs: Sequence[str | None] | None = None, explain_wording: bool = False
                   ) -> list[Result]:
        """Score a chunk of posts; each result's parts sum to its logit."""
        analyses = self.signals.analyse_many(texts)
        signal_part, wording_part = self._parts(analyses)
        given_langs = list(langs) if langs is not None else [None] * len(texts)
        to_detect = [i for i, lang in enumerate(given_langs) if not lang]
        detected = dict(zip(to_detect, detect_languages([texts[i] for i in to_detect],
                                                        self.lang_detector), strict=True))
        results = []
        for i, analysis in enumerate(analyses):
            given = given_langs[i]
            language = given or detected[i]
            probability = self._probability(signal_part[i], float(wording_part[i]))
            signals = []
            for name, hit in analysis.hits.items():
                j = self.signals.index[name]
                evidence = tuple(Evidence(texts[i][a:b], a, b) for a, b in hit.evidence)
                signals.append(SignalContribution(
                    name, self.model.descriptions[name], hit.value,
                    float(signal_part[i, j]), evidence, hit.languages))
            signals.sort(key=lambda s: (-s.contribution, s.name))
            ngrams: list[tuple[str, float]] = []
            if explain_wording:
                shares = self.model.ngram_contributions(analysis)
                ngrams = sorted(shares.items(), key=lambda kv: (-kv[1], kv[0]))[:40]
            results.append(Result(
                source=sources[i] if sources is not None else f"#{i}",
                probability=probability,
                band=band_for(probability, self.thresholds),
                language=language,
                language_source="given" if given else "detected",
                signals=signals,
                wording=float(wording_part[i]),
                intercept=self.intercept,
                thresholds=self.thresholds,
                model=self.model_info,
                truncated=analysis.truncated,
                wording_ngrams=ngrams,
            ))
        return results

    def score(self, text: str, source: str = "-", lang: str | None = None,
              explain_wording: bool = True) -> Result:
        return self.score_many([text], [source], [lang], explain_wording=explain_wording)[0]

"""Calibration folds into the linear weights, so explanations are exact."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from scamscore.model import CalibratedLinearClassifier, _fit_signed_logistic

POSTS = [
    "Girls 18-22! A new start abroad: guaranteed housing, free Russian lessons, promotion every six months. WhatsApp only.",
    "Nurses wanted for a UK hospital trust; visa sponsorship and relocation support; we never charge fees.",
    "Earn $300 a day liking videos from your phone, message our Telegram mentor",
    "Is this legit? They promised free housing and a raise every six months...",
]


def test_platt_is_folded_into_the_weights() -> None:
    rng = np.random.default_rng(0)
    X = sparse.csr_matrix(rng.normal(size=(200, 5)))
    y = (X.toarray()[:, 0] + 0.5 * rng.normal(size=200) > 0).astype(int)
    clf = CalibratedLinearClassifier(C=1.0, cv=5).fit(X, y)
    coef, intercept = _fit_signed_logistic(X, y, 1.0, (), balanced=True)
    a, b = clf.platt_
    expected = 1 / (1 + np.exp(-(a * (X @ coef + intercept) + b)))
    np.testing.assert_allclose(clf.predict_proba(X)[:, 1], expected, rtol=1e-9)


def test_signs_are_respected_and_match_sklearn_when_free() -> None:
    rng = np.random.default_rng(1)
    X = sparse.csr_matrix(rng.normal(size=(300, 4)))
    y = (X.toarray() @ np.array([1.0, -1.0, 0.5, 0.0]) + rng.normal(size=300) > 0).astype(int)
    coef, _ = _fit_signed_logistic(X, y, 1.0, (1, 1, -1), balanced=False)
    assert coef[0] > 0 and coef[1] == 0.0 and coef[2] == 0.0
    free, b = _fit_signed_logistic(X, y, 1.0, (), balanced=False)
    ref = LogisticRegression(C=1.0, tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(free, ref.coef_.ravel(), atol=1e-4)
    assert b == pytest.approx(ref.intercept_[0], abs=1e-4)


def test_classifier_needs_both_labels() -> None:
    with pytest.raises(ValueError, match="both 0"):
        CalibratedLinearClassifier().fit(sparse.csr_matrix(np.ones((4, 2))), [1, 1, 1, 1])


@pytest.mark.parametrize("post", POSTS)
def test_contributions_sum_to_the_logit(scorer, post: str) -> None:
    result = scorer.score(post)
    logit = math.log(result.probability / (1 - result.probability))
    assert result.logit == pytest.approx(logit, abs=1e-9)
    shares = sum(v for _, v in scorer.wording.ngram_contributions(
        scorer.analyse(post), scorer.coef[scorer.n_signals:]).items())
    assert shares == pytest.approx(result.wording, abs=1e-9)


def test_scorer_agrees_with_the_pipeline(scorer) -> None:
    expected = scorer.pipeline.predict_proba(POSTS)[:, 1]
    got = [r.probability for r in scorer.score_many(POSTS)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)


def test_batch_rows_equal_full_explanations(scorer) -> None:
    """The lean batch path (no evidence) gives the same scores, bands, languages and signal
    order as the explained path `check` uses."""
    from scamscore.dataset import load_corpus

    texts = load_corpus()["text"].tolist()[::9] + POSTS
    rows = scorer.score_rows(texts)
    for text, (probability, band, language, signals) in zip(texts, rows, strict=True):
        result = scorer.score(text, explain_wording=False)
        assert probability == result.probability
        assert band == result.band
        assert language == result.language
        assert signals == ";".join(s.name for s in result.signals)

"""Calibration folds into the linear weights, so explanations are exact."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import sparse
from sklearn.linear_model import LogisticRegression

from scamscore.model import CalibratedLinearClassifier, _fit_signed_logistic, _fit_signed_logistic_path

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


def test_warm_started_path_matches_cold_fits() -> None:
    rng = np.random.default_rng(2)
    X = sparse.csr_matrix(rng.normal(size=(300, 6)))
    y = (X.toarray()[:, :2].sum(axis=1) + rng.normal(size=300) > 0).astype(int)
    for C, (coef, b) in zip((0.1, 1.0, 10.0), _fit_signed_logistic_path(X, y, (0.1, 1.0, 10.0), (1, -1), True),
                            strict=True):
        cold, cold_b = _fit_signed_logistic(X, y, C, (1, -1), balanced=True)
        np.testing.assert_allclose(coef, cold, atol=1e-4)
        assert b == pytest.approx(cold_b, abs=1e-4)


def test_C_is_chosen_from_Cs_by_grouped_cross_validation() -> None:
    rng = np.random.default_rng(3)
    X = sparse.csr_matrix(rng.normal(size=(200, 5)))
    y = (X.toarray()[:, 0] + rng.normal(size=200) > 0).astype(int)
    groups = np.arange(200) // 4
    clf = CalibratedLinearClassifier(Cs=(30.0, 0.01, 1.0)).fit(X, y, groups)
    assert list(clf.cv_scores_) == [0.01, 1.0, 30.0] and clf.C_ in clf.cv_scores_
    best = max(clf.cv_scores_.values())
    assert round(clf.cv_scores_[clf.C_], 4) == round(best, 4)
    assert CalibratedLinearClassifier(C=3.0).fit(X, y).C_ == 3.0


def test_classifier_needs_both_labels() -> None:
    with pytest.raises(ValueError, match="both 0"):
        CalibratedLinearClassifier().fit(sparse.csr_matrix(np.ones((4, 2))), [1, 1, 1, 1])


@pytest.mark.parametrize("post", POSTS)
def test_contributions_sum_to_the_logit(scorer, post: str) -> None:
    result = scorer.score(post)
    logit = math.log(result.probability / (1 - result.probability))
    assert result.logit == pytest.approx(logit, abs=1e-9)
    shares = sum(scorer.model.ngram_contributions(scorer.analyse(post)).values())
    assert shares == pytest.approx(result.wording, abs=1e-9)


def test_scorer_agrees_with_the_pipeline(scorer) -> None:
    from scamscore.artifact import load_model

    pipeline, _ = load_model()
    expected = pipeline.predict_proba(POSTS)[:, 1]
    got = [r.probability for r in scorer.score_many(POSTS)]
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert [r[0] for r in scorer.score_rows(POSTS)] == got


def test_reposts_are_scored_once_and_get_the_same_row(monkeypatch) -> None:
    """A post repeated within a chunk or across chunks is analysed once; its rows equal
    those of a fresh scorer; the memory of recent posts stays bounded."""
    from scamscore.scorer import Scorer

    fresh = Scorer()
    expected = {text: fresh.score_rows([text])[0] for text in POSTS}
    scorer = Scorer()
    monkeypatch.setattr(scorer, "RECENT_POSTS", 3)
    analysed: list[str] = []
    real = scorer._score_rows
    monkeypatch.setattr(scorer, "_score_rows", lambda texts: analysed.extend(texts) or real(texts))
    chunk = [POSTS[0], POSTS[1], POSTS[0], POSTS[0]]
    assert scorer.score_rows(chunk) == [expected[t] for t in chunk]
    assert analysed == [POSTS[0], POSTS[1]]
    assert scorer.score_rows([POSTS[1], POSTS[0]]) == [expected[POSTS[1]], expected[POSTS[0]]]
    assert analysed == [POSTS[0], POSTS[1]]  # both remembered from the first chunk
    scorer.score_rows(POSTS)
    assert len(scorer._recent) <= 3
    assert scorer.score_rows(POSTS) == [expected[t] for t in POSTS]


def test_batch_rows_equal_the_explained_scores_on_the_corpus(scorer) -> None:
    """The batch path (no evidence; shared hits; signals that require another computed only
    where it fired) finds the same signals, in the same order, and the same probabilities
    as the explained path."""
    from scamscore.dataset import load_corpus

    texts = load_corpus()["text"].tolist()[::9]
    texts += ['He wrote "free flights, housing, a raise every six months" and I said no thanks.']
    explained = scorer.score_many(texts)
    rows = scorer._score_rows(texts)
    assert [r[0] for r in rows] == [e.probability for e in explained]
    assert [r[3] for r in rows] == [";".join(s.name for s in e.signals) for e in explained]
    assert any("QUOTED_TEXT" in r[3] for r in rows)


def test_a_post_forgotten_while_its_chunk_is_scored_keeps_its_row(monkeypatch) -> None:
    """Threads sharing a scorer (a Dask worker's) may trim its memory of recent posts while
    a chunk is scored: a post found there before still gets its row."""
    from scamscore.scorer import Scorer

    scorer = Scorer()
    expected = scorer.score_rows(POSTS[:2])
    real = scorer._score_rows

    def scored_while_another_thread_forgets(texts):
        scorer._recent.clear()
        return real(texts)

    monkeypatch.setattr(scorer, "_score_rows", scored_while_another_thread_forgets)
    assert scorer.score_rows([POSTS[0], POSTS[2], POSTS[1]]) == [
        expected[0], Scorer().score_rows([POSTS[2]])[0], expected[1]]

"""The extractor follows scikit-learn's estimator contract."""

from __future__ import annotations

import pickle

import numpy as np
import pytest
from sklearn.base import clone

from scamscore.features import SignalExtractor, WordingVectorizer
from scamscore.lexicon import load_catalogue

POSTS = [
    "Girls 18-22 wanted! Free housing and flights paid. WhatsApp +7 900 123 45 67",
    "We are hiring a shop assistant in Nairobi. Apply on our careers page.",
]


def test_fit_returns_self_and_init_only_stores() -> None:
    extractor = SignalExtractor(languages=None, max_chars=500)
    assert extractor.get_params() == {"lexicon_dir": None, "languages": None, "max_chars": 500}
    assert not hasattr(extractor, "signal_names_")
    assert extractor.fit(POSTS) is extractor


def test_feature_names_follow_the_catalogue() -> None:
    names = SignalExtractor().fit().get_feature_names_out()
    assert list(names) == [n for n, s in load_catalogue().items() if s.enabled]


def test_clone_and_pickle_round_trip() -> None:
    extractor = SignalExtractor().fit()
    cloned = clone(extractor)
    assert cloned.get_params() == extractor.get_params()
    assert not hasattr(cloned, "matcher_")
    restored = pickle.loads(pickle.dumps(extractor))
    np.testing.assert_array_equal(restored.transform(POSTS), extractor.transform(POSTS))
    assert extractor.transform(POSTS)[0].sum() > extractor.transform(POSTS)[1].sum()


def test_transform_accepts_analyses() -> None:
    extractor = SignalExtractor().fit()
    analyses = [extractor.analyse(p) for p in POSTS]
    np.testing.assert_array_equal(extractor.transform(analyses), extractor.transform(POSTS))
    wording = WordingVectorizer(n_features=2**10).fit(POSTS)
    assert (wording.transform(analyses) != wording.transform(POSTS)).nnz == 0


def test_long_posts_are_truncated_and_say_so() -> None:
    extractor = SignalExtractor(max_chars=100).fit()
    analysis = extractor.analyse("free housing " * 50)
    assert analysis.truncated
    assert all(end <= 100 for hit in analysis.hits.values() for _, end in hit.evidence)


def test_wording_ngram_shares_sum_to_the_wording_term() -> None:
    wording = WordingVectorizer(n_features=2**12).fit(POSTS)
    coef = np.random.default_rng(0).normal(size=2**12)
    shares = wording.ngram_contributions(POSTS[0], coef)
    total = float((wording.transform([POSTS[0]]) @ coef)[0])
    assert abs(sum(shares.values()) - total) < 1e-9


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_EXTRACTOR = SignalExtractor().fit()


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=300))
def test_extractor_never_raises_and_evidence_is_in_range(text: str) -> None:
    analysis = _EXTRACTOR.analyse(text)
    for hit in analysis.hits.values():
        for start, end in hit.evidence:
            assert 0 <= start <= end <= len(text)


@pytest.mark.parametrize("evidence", [True, False])
def test_a_quoted_offer_counts_only_in_a_post_that_warns_or_asks(evidence: bool) -> None:
    """QUOTED_TEXT requires SCAM_WARNING_CONTEXT: a pitch wrapped in quotation marks (a
    relay, or an evasion) keeps its signals and gets nothing off for the quotes."""
    offer = '"Girls 18-22 for hotel work in Dubai, free flight and housing, WhatsApp +000 555 1234"'
    analyser = SignalExtractor().fit().analyser_
    relayed = analyser.analyse(f"Forwarded:\n{offer}", evidence).hits
    asked = analyser.analyse(f"Is this legit? My cousin got this: {offer}", evidence).hits
    assert "QUOTED_TEXT" not in relayed and "AGE_GENDER_TARGETING" in relayed
    assert "QUOTED_TEXT" in asked and "SCAM_WARNING_CONTEXT" in asked

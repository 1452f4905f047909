"""The n-gram hasher (numpy, or the compiled loops) counts exactly the char_wb n-grams,
whatever the batch."""

from __future__ import annotations

from collections import Counter

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sklearn.feature_extraction.text import HashingVectorizer

from scamscore import ngrams
from scamscore.dataset import load_corpus
from scamscore.ngrams import bucket, char_ngrams, hashed_counts
from tests.conftest import ENGINES, engine

N_FEATURES = 2**18
texty = st.text(alphabet=st.sampled_from(list("ab c\n\t  éд日😀-'")), max_size=60)


def _expected_row(text: str, ngram_range=(2, 4)) -> dict[int, float]:
    row: Counter[int] = Counter()
    for gram in char_ngrams(text, ngram_range):
        row[bucket(gram, N_FEATURES)] += 1
    return dict(row)


def _row(matrix, i: int) -> dict[int, float]:
    r = matrix[i]
    return dict(zip(r.indices.tolist(), r.data.tolist(), strict=True))


@given(texty)
def test_reference_ngrams_are_sklearns_char_wb(text: str) -> None:
    analyzer = HashingVectorizer(analyzer="char_wb", ngram_range=(2, 4),
                                 lowercase=False).build_analyzer()
    assert Counter(char_ngrams(text, (2, 4))) == Counter(analyzer(text))


@pytest.mark.parametrize("name", ENGINES)
@given(texts=st.lists(texty, max_size=6))
def test_each_row_counts_its_own_ngrams(name: str, texts: list[str]) -> None:
    with engine(name):
        counts = hashed_counts(texts, (2, 4), N_FEATURES)
    assert counts.shape == (len(texts), N_FEATURES)
    for i, text in enumerate(texts):
        assert _row(counts, i) == _expected_row(text)


@pytest.mark.parametrize("name", ENGINES)
def test_corpus_posts_hash_the_same_alone_and_in_a_batch(monkeypatch, name) -> None:
    texts = load_corpus()["text"].tolist()[:300]
    # small batches, so posts also straddle numpy batch boundaries
    monkeypatch.setattr(ngrams, "_BATCH_CHARS", 5000)
    with engine(name):
        together = hashed_counts(texts)
        alones = {i: hashed_counts([texts[i]]) for i in range(0, 300, 7)}
    for i, alone in alones.items():
        assert _row(together, i) == _row(alone, 0) == _expected_row(texts[i])


@pytest.mark.parametrize("name", ENGINES)
def test_many_tiny_posts_and_empty_input(name) -> None:
    texts = ["a b"] * (ngrams._BATCH_POSTS + 5) + ["", "   "]
    with engine(name):
        counts = hashed_counts(texts)
    assert counts.shape[0] == len(texts)
    assert _row(counts, len(texts) - 3) == _expected_row("a b")
    assert counts[len(texts) - 2].nnz == counts[len(texts) - 1].nnz == 0
    assert hashed_counts([]).shape == (0, N_FEATURES)


def test_bad_ngram_range() -> None:
    with pytest.raises(ValueError, match="ngram_range"):
        hashed_counts(["x"], (0, 2))


def test_tfidf_rows_equal_sklearns_transformer() -> None:
    import numpy as np
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfTransformer

    from scamscore.ngrams import smooth_idf, tfidf_rows

    counts = hashed_counts(["free housing free visa", "", "nurses wanted, visa sponsorship",
                            "girls 18-22 new start"], (2, 4), 2**10)
    counts = sparse.vstack([counts, counts[:2]]).tocsr()
    reference = TfidfTransformer(sublinear_tf=True).fit(counts)
    np.testing.assert_allclose(smooth_idf(counts), reference.idf_, rtol=1e-15)
    ours = tfidf_rows(counts, smooth_idf(counts))
    assert abs(ours - reference.transform(counts)).max() < 1e-15
    assert ours.getrow(1).nnz == 0


@pytest.mark.parametrize("dtype", ["uint32", "uint64"])
@pytest.mark.parametrize("high", [2**8, 2**16, 2**20, 2**32 - 1])
def test_count_keys_equals_np_unique(dtype, high):
    """The radix sort of 32-bit keys (and np.sort of wider ones) counts as np.unique does,
    across both 16-bit halves of the key."""
    import numpy as np

    rng = np.random.default_rng(high)
    keys = rng.integers(0, high, 5000, endpoint=True).astype(dtype)
    keys[:50] = keys[50:100]  # repeats
    unique, counts = ngrams.count_keys(keys)
    expected, expected_counts = np.unique(keys, return_counts=True)
    assert unique.dtype == keys.dtype
    assert unique.tolist() == expected.tolist()
    assert counts.tolist() == expected_counts.tolist()


def test_count_keys_empty():
    import numpy as np

    unique, counts = ngrams.count_keys(np.zeros(0, dtype=np.uint32))
    assert len(unique) == 0 and len(counts) == 0


@pytest.mark.parametrize("name", ENGINES)
@pytest.mark.parametrize("batch_chars", [5000, 1 << 15])
def test_tfidf_dot_equals_the_matrix_product_bit_for_bit(monkeypatch, batch_chars, name):
    """The scorer's wording term without sparse matrices: the same bits as TF-IDF rows
    times the weights (so batch output does not change by a rounding)."""
    import numpy as np

    monkeypatch.setattr(ngrams, "_BATCH_CHARS", batch_chars)
    texts = [*load_corpus()["text"].str.lower().tolist()[::7], "", "   ", "a"]
    rng = np.random.default_rng(0)
    idf = rng.uniform(1.0, 8.0, N_FEATURES)
    weights = rng.normal(0.0, 1.0, N_FEATURES)
    with engine("numpy"):  # the reference: sparse matrices, numpy's operations
        expected = ngrams.tfidf_rows(hashed_counts(texts), idf) @ weights
    with engine(name):
        got = ngrams.tfidf_dot(texts, (2, 4), idf, weights)
    assert got.tobytes() == np.asarray(expected).tobytes()

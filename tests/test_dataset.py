"""The bundled corpus meets its datasheet, and user data is read or refused clearly."""

from __future__ import annotations

from pathlib import Path

import pytest

from scamscore.dataset import (
    HARD_NEGATIVE_KINDS,
    DataError,
    load_corpus,
    read_labeled,
    split_of,
)


@pytest.fixture(scope="module")
def corpus():
    return load_corpus()


def test_corpus_size_and_languages(corpus) -> None:
    hand = corpus[corpus["derived"] == 0]
    assert len(hand) >= 1500
    counts = hand["lang"].value_counts()
    for lang in ("en", "es", "fr", "pt", "ru"):
        assert counts[lang] >= 150, lang
    for lang in ("sw", "ar", "hi"):
        assert counts[lang] >= 40, lang


def test_corpus_has_enough_hard_negatives(corpus) -> None:
    negatives = corpus[corpus["label"] == 0]
    assert negatives["kind"].isin(HARD_NEGATIVE_KINDS).mean() >= 0.35


def test_corpus_texts_are_distinct(corpus) -> None:
    assert not corpus["text"].str.strip().duplicated().any()


def test_derived_posts_share_their_source_group(corpus) -> None:
    derived = corpus[corpus["derived"] == 1]
    assert derived["group"].isin(set(corpus.loc[corpus["derived"] == 0, "id"])).all()


def test_split_is_stable_and_grouped(corpus) -> None:
    splits = corpus.groupby("group")["group"].first().map(split_of)
    assert 0.12 < (splits == "test").mean() < 0.28
    assert split_of("en-0001") == split_of("en-0001")


def test_read_user_csv_and_emscad_layout(tmp_path: Path) -> None:
    (tmp_path / "mine.csv").write_text("body,verdict\nfree visa girls,scam\nnice bike,legit\n")
    df = read_labeled(tmp_path / "mine.csv", "body", "verdict")
    assert df["label"].tolist() == [1, 0]
    cols = "title,company_profile,description,requirements,benefits,fraudulent"
    (tmp_path / "fake_job_postings.csv").write_text(f"{cols}\nClerk,Acme,Type data,None,Free visa,1\n")
    emscad = read_labeled(tmp_path / "fake_job_postings.csv")
    assert emscad["label"].tolist() == [1] and "Type data" in emscad["text"][0]


@pytest.mark.parametrize(("content", "message"), [
    ("text,verdict\na,1\n", "no column 'label'; columns are: text, verdict"),
    ("text,label\na,maybe\n", "row 1 has label 'maybe'"),
])
def test_bad_user_data_is_one_line(tmp_path: Path, content: str, message: str) -> None:
    (tmp_path / "d.csv").write_text(content)
    with pytest.raises(DataError, match=message):
        read_labeled(tmp_path / "d.csv")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="no such file"):
        read_labeled(tmp_path / "nope.csv")


def test_calibration_slice_is_always_trained_on() -> None:
    import pandas as pd

    from scamscore.dataset import splits

    groups = [f"g{i}" for i in range(400)]
    test_groups = [g for g in groups if split_of(g) == "test"]
    df = pd.DataFrame({"group": groups + test_groups[:3],
                       "calibration": [g in test_groups[:5] for g in groups] + [False] * 3})
    split = splits(df)
    # a calibration post, and a derived variant in its group, never land in the test split
    assert (split[df["group"].isin(test_groups[:5])] == "train").all()
    assert (split[df["group"].isin(test_groups[5:])] == "test").all()
    assert splits(df.drop(columns="calibration")).eq(df["group"].map(split_of)).all()


def test_corpus_marks_its_calibration_files(corpus) -> None:
    import pandas as pd

    from scamscore.dataset import CALIBRATION_SUFFIX, CORPUS_DIR

    calibration_ids = set()
    for path in CORPUS_DIR.glob(f"*{CALIBRATION_SUFFIX}.csv"):
        calibration_ids |= set(pd.read_csv(path, dtype=str, keep_default_na=False)["id"])
    assert calibration_ids and set(corpus.loc[corpus["calibration"], "id"]) == calibration_ids


def test_blind_holdout_is_apart_from_the_corpus(corpus) -> None:
    from scamscore.dataset import load_holdout

    holdout = load_holdout()
    assert holdout is not None and len(holdout) >= 300
    assert not holdout["id"].isin(set(corpus["id"])).any()
    assert not holdout["group"].isin(set(corpus["group"])).any()
    key = lambda s: s.str.lower().str.split().str.join(" ")  # noqa: E731
    assert not key(holdout["text"]).isin(set(key(corpus["text"]))).any()
    assert (holdout["derived"] == 0).all() and set(holdout["label"]) == {0, 1}


def test_no_holdout_directory_means_no_holdout(tmp_path: Path) -> None:
    from scamscore.dataset import load_holdout

    assert load_holdout(tmp_path / "absent") is None

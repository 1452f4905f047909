"""Training on a small sample: reproducible, honest about its split, safe with paths."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from scamscore.artifact import load_model
from scamscore.dataset import load_corpus
from scamscore.evaluation import thresholds_for_budget
from training import train as training


@pytest.fixture(scope="module")
def sample():
    corpus = load_corpus()
    return corpus.groupby(["lang", "label"]).head(12).reset_index(drop=True)


def test_same_data_and_seed_give_the_same_predictions(sample, tmp_path: Path) -> None:
    probes = ["Girls 18-22, free housing abroad, WhatsApp me", "Bike for sale, barely used"]
    predictions = []
    for run in ("a", "b"):
        manifest = training.train(sample, "sample", tmp_path / run, tmp_path / f"r{run}",
                                  out_of_domain=False)
        model, _ = load_model(tmp_path / run)
        predictions.append(model.predict_proba(probes)[:, 1])
        assert manifest["thresholds"]["high"] >= manifest["thresholds"]["medium"]
    np.testing.assert_array_equal(predictions[0], predictions[1])
    saved = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert {"sha256", "data_sha256", "lexicon_sha256", "libraries", "metrics", "thresholds"} <= set(saved)
    assert "Held-out test split" in saved["metrics"]["split"]
    assert (tmp_path / "ra" / "metrics.md").exists() and (tmp_path / "ra" / "signal_report.md").exists()


def test_thresholds_respect_the_budget() -> None:
    legit = np.linspace(0, 1, 1000, endpoint=False)
    t = thresholds_for_budget(legit, {"medium": 0.10, "high": 0.01})
    assert (legit >= t["high"]).mean() <= 0.01
    assert (legit >= t["medium"]).mean() <= 0.10
    assert t["medium"] < t["high"]


def test_bad_data_path_is_one_line(tmp_path: Path) -> None:
    result = CliRunner().invoke(training.main, ["--data", str(tmp_path / "nope.csv")])
    assert result.exit_code == 1
    assert "no such file" in result.output and "Traceback" not in result.output


def test_user_data_does_not_replace_the_bundled_model(tmp_path: Path) -> None:
    (tmp_path / "d.csv").write_text("text,label\na,1\nb,0\n")
    from scamscore.artifact import PACKAGE_MODEL_DIR

    result = CliRunner().invoke(training.main, ["--data", str(tmp_path / "d.csv"),
                                                "--out", str(PACKAGE_MODEL_DIR)])
    assert result.exit_code == 1 and "refusing to replace the bundled model" in result.output


def test_code_fingerprint_follows_code_and_lexicons_not_the_model(tmp_path: Path) -> None:
    from training.train import code_fingerprint

    (tmp_path / "lexicons").mkdir()
    (tmp_path / "model").mkdir()
    (tmp_path / "normalize.py").write_text("x = 1\n")
    (tmp_path / "lexicons" / "en.yaml").write_text("language: en\n")
    first = code_fingerprint(tmp_path)
    (tmp_path / "model" / "manifest.json").write_text("{}")
    (tmp_path / "model" / "notes.yaml").write_text("a: 1\n")
    assert code_fingerprint(tmp_path) == first
    (tmp_path / "lexicons" / "en.yaml").write_text("language: en\nnegation: {}\n")
    second = code_fingerprint(tmp_path)
    assert second != first
    (tmp_path / "normalize.py").write_text("x = 2\n")
    assert code_fingerprint(tmp_path) not in (first, second)


def test_thresholds_come_from_posts_the_lexicon_writers_never_read() -> None:
    rng = np.random.default_rng(0)
    n = 1000
    y = np.r_[np.zeros(800, int), np.ones(200, int)]
    oof = np.r_[rng.uniform(0, 0.5, 800), rng.uniform(0.5, 1, 200)]
    calibration = np.zeros(n, bool)
    calibration[:300] = True
    oof[:300] = rng.uniform(0, 0.9, 300)  # unseen legitimate posts score higher
    chosen, described = training._choose_thresholds(oof, y, calibration, calibration)
    assert (oof[:300] >= chosen["high"]).mean() <= 0.01 < (oof[:300] >= 0.5).mean()
    assert "300 legitimate training posts no lexicon writer read (the calibration slice)" in described
    mine = np.zeros(n, bool)
    mine[:100] = True  # 100 of the 300 unseen posts are the user's
    _, described = training._choose_thresholds(oof, y, calibration, calibration & ~mine)
    assert described.endswith("(the calibration slice and your own data)")
    small = np.zeros(n, bool)
    small[:50] = True
    fallback, described = training._choose_thresholds(oof, y, small)
    assert fallback == thresholds_for_budget(oof[y == 0], training.FP_BUDGETS)
    assert "too few unseen by the lexicon writers: 50" in described
    # a user's own data only: every post is unseen, so all legitimate posts choose
    everything, described = training._choose_thresholds(oof, y, np.ones(n, bool))
    assert everything == fallback and "too few" not in described


def test_a_users_rows_count_as_unseen_by_the_lexicon_writers(tmp_path: Path) -> None:
    (tmp_path / "mine.csv").write_text("text,label\nfree visa for girls,1\nbike for sale,0\n")
    df, _ = training.load_training_data((str(tmp_path / "mine.csv"),), "text", "label", True)
    mine = df["id"].str.startswith("mine.csv:")
    assert df.loc[mine, "lexicon_unseen"].all()
    assert (df.loc[~mine, "lexicon_unseen"] == df.loc[~mine, "calibration"]).all()
    assert df.loc[~mine, "calibration"].sum() > 0


def test_holdout_report_scores_only_posts_not_in_the_labeled_data(tmp_path: Path) -> None:
    import pandas as pd

    holdout = pd.DataFrame({
        "text": ["Girls 18-22 free flights", "Bike for sale", "Room to let", "Pay visa fee now"],
        "label": [1, 0, 0, 1], "lang": "en", "kind": ["fake_casting", "ordinary_post",
                                                    "rental_housing", "advance_fee"],
        "group": ["h1", "h2", "h3", "h4"]})
    scored: list[list[str]] = []

    def predict(texts: list[str]) -> np.ndarray:
        scored.append(texts)
        return np.array([0.99 if "fee" in t or "Girls" in t else 0.01 for t in texts])

    labeled = pd.Series(["room  TO let", "something else"])  # the same post, spaced otherwise
    blind, markdown = training._holdout_report(predict, holdout, labeled, {"medium": 0.5, "high": 0.9})
    assert scored == [["Girls 18-22 free flights", "Bike for sale", "Pay visa fee now"]]
    assert blind["results"]["overall"]["n"] == 3 and blind["results"]["overall"]["high_recall"] == 1.0
    assert "1 holdout posts also in the labeled data were left out" in markdown
    assert "## Blind holdout" in markdown
    # by length: 1 legitimate post (flagged at neither band), 2 scams (caught at both)
    assert "| 0–150 | 1 | 0 | 0 | 2 | 2 | 2 |" in markdown
    assert "| 700+ | 0 | 0 | 0 | 0 | 0 | 0 |" in markdown
    pytest.importorskip("matplotlib")
    _, markdown = training._holdout_report(predict, holdout, labeled, {"medium": 0.5, "high": 0.9},
                                           tmp_path / "holdout")
    assert (tmp_path / "holdout" / "reliability.png").is_file()
    assert "](holdout/precision_recall.png)" in markdown

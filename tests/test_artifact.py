"""Only verified artifacts are read; scoring reads arrays, never pickle."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scamscore import artifact
from scamscore.artifact import (
    MANIFEST_FILE,
    MODEL_FILE,
    PACKAGE_MODEL_DIR,
    SCORING_FILE,
    ModelError,
    load_model,
    load_scoring,
)


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    for name in (MODEL_FILE, SCORING_FILE, MANIFEST_FILE):
        shutil.copy(PACKAGE_MODEL_DIR / name, tmp_path / name)
    return tmp_path


@pytest.fixture
def no_unpickling(monkeypatch: pytest.MonkeyPatch) -> None:
    import joblib

    def refuse(*args, **kwargs):
        raise AssertionError("joblib.load must not be reached")

    monkeypatch.setattr(joblib, "load", refuse)


def test_bundled_manifest_matches_the_artifact() -> None:
    manifest = json.loads((PACKAGE_MODEL_DIR / MANIFEST_FILE).read_text())
    assert manifest["sha256"] == artifact.sha256_of(PACKAGE_MODEL_DIR / MODEL_FILE)
    assert manifest["scoring_sha256"] == artifact.sha256_of(PACKAGE_MODEL_DIR / SCORING_FILE)
    assert {"medium", "high"} <= set(manifest["thresholds"])


def test_tampered_model_is_refused_before_loading(model_copy: Path, no_unpickling) -> None:
    with open(model_copy / MODEL_FILE, "ab") as fh:
        fh.write(b"\x00")
    with pytest.raises(ModelError, match="does not match the manifest"):
        load_model(model_copy)


def test_model_without_manifest_is_refused(model_copy: Path, no_unpickling) -> None:
    (model_copy / MANIFEST_FILE).unlink()
    with pytest.raises(ModelError, match="no manifest"):
        load_model(model_copy / MODEL_FILE)


def test_foreign_manifest_is_refused(model_copy: Path, no_unpickling) -> None:
    (model_copy / MANIFEST_FILE).write_text('{"sha256": "abc"}')
    with pytest.raises(ModelError, match="not a scamscore model manifest"):
        load_model(model_copy)


def test_verified_copy_loads(model_copy: Path) -> None:
    model, manifest = load_model(model_copy / MODEL_FILE)
    assert manifest["version"]
    assert hasattr(model, "predict_proba")


def test_committed_model_was_trained_on_the_current_lexicons() -> None:
    from scamscore.lexicon import default_lexicons, lexicon_fingerprint

    manifest = json.loads((PACKAGE_MODEL_DIR / MANIFEST_FILE).read_text())
    assert manifest["lexicon_sha256"] == lexicon_fingerprint(default_lexicons()), \
        "lexicons changed since the model was trained: run `make train` and commit the model"


@pytest.fixture
def no_npz_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    import numpy as np

    def refuse(*args, **kwargs):
        raise AssertionError("np.load must not be reached")

    monkeypatch.setattr(np, "load", refuse)


def test_tampered_scoring_file_is_refused_before_reading(model_copy: Path, no_npz_reading) -> None:
    with open(model_copy / SCORING_FILE, "ab") as fh:
        fh.write(b"\x00")
    with pytest.raises(ModelError, match="does not match the manifest"):
        load_scoring(model_copy)


def test_older_model_format_gets_a_retrain_message(model_copy: Path) -> None:
    manifest = json.loads((model_copy / MANIFEST_FILE).read_text())
    manifest["format"] = "scamscore-model/1"
    (model_copy / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(ModelError, match=r"older scamscore.*make train"):
        load_scoring(model_copy)


def test_scoring_file_with_pickled_objects_is_refused(tmp_path: Path) -> None:
    import numpy as np

    from scamscore.scoring_model import ScoringFileError, ScoringModel

    np.savez(tmp_path / "evil.npz", meta=np.array([{"format": "x"}], dtype=object))
    with pytest.raises(ScoringFileError, match="unreadable"):
        ScoringModel.load(tmp_path / "evil.npz")


def test_scoring_file_round_trips_byte_for_byte(tmp_path: Path) -> None:
    from scamscore.scoring_model import ScoringModel

    model, _ = load_scoring()
    model.save(tmp_path / "a.npz")
    again = ScoringModel.load(tmp_path / "a.npz")
    again.save(tmp_path / "b.npz")
    assert (tmp_path / "a.npz").read_bytes() == (tmp_path / "b.npz").read_bytes()
    assert again.signals.matcher.regexes == model.signals.matcher.regexes
    assert again.signals.matcher.negations == model.signals.matcher.negations
    assert again.signals.requires == model.signals.requires == {"QUOTED_TEXT": "SCAM_WARNING_CONTEXT"}
    assert again.descriptions == model.descriptions and again.intercept == model.intercept


def test_scoring_file_is_what_the_pipeline_holds() -> None:
    import numpy as np

    from scamscore.scoring_model import ScoringModel

    pipeline, _ = load_model()
    scoring, _ = load_scoring()
    expected = ScoringModel.from_pipeline(pipeline)
    np.testing.assert_array_equal(scoring.coef, expected.coef)
    np.testing.assert_array_equal(scoring.idf, expected.idf)
    assert scoring.signals.signal_names == expected.signals.signal_names
    assert scoring.signals.matcher.regexes == expected.signals.matcher.regexes
    assert scoring.signals.matcher.negations == expected.signals.matcher.negations


def test_scoring_file_from_before_within_cues_still_loads(tmp_path: Path) -> None:
    """Negation rows of [lang, name, before, after] (no `within`, no pre-check) still read."""
    import io
    import zipfile

    import numpy as np

    from scamscore.lexicon import NegationRegexes
    from scamscore.scoring_model import ScoringModel

    model, _ = load_scoring()
    model.save(tmp_path / "new.npz")
    with np.load(tmp_path / "new.npz") as data:
        arrays = {name: data[name] for name in data.files}
    meta = json.loads(arrays["meta"].tobytes())
    meta["negations"] = [row[:4] for row in meta["negations"]]
    arrays["meta"] = np.frombuffer(json.dumps(meta, ensure_ascii=False).encode(), dtype=np.uint8)
    with zipfile.ZipFile(tmp_path / "old.npz", "w") as archive:
        for name, array in arrays.items():
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, array, allow_pickle=False)
            archive.writestr(f"{name}.npy", buffer.getvalue())
    old = ScoringModel.load(tmp_path / "old.npz").signals.matcher
    assert old.negations == {key: NegationRegexes(cues.before, cues.after)
                             for key, cues in model.signals.matcher.negations.items()}
    assert old.negations and old._may_negate(next(iter(old.negations)), b"no cue here")


def test_check_imports_neither_sklearn_nor_pandas() -> None:
    """`scamscore check` pays for neither (over a second of start-up and ~130 MB)."""
    import subprocess
    import sys

    example = str(PACKAGE_MODEL_DIR.parents[1] / "data" / "examples" / "alabuga_en.txt")
    code = ("import sys; from scamscore.cli import cli; "
            f"cli(['check', {example!r}], standalone_mode=False); "
            "print(sorted(m for m in ('sklearn', 'pandas', 'joblib') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"


def test_scoring_file_with_a_bad_header_is_refused(tmp_path: Path) -> None:
    import numpy as np

    from scamscore.scoring_model import FORMAT, ScoringFileError, ScoringModel

    meta = np.frombuffer(json.dumps({"format": FORMAT, "signal_names": 3}).encode(), dtype=np.uint8)
    np.savez(tmp_path / "bad.npz", meta=meta, idf=np.ones(4), coef=np.ones(5))
    with pytest.raises(ScoringFileError, match="malformed header"):
        ScoringModel.load(tmp_path / "bad.npz")

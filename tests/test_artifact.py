"""Only verified artifacts are unpickled."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scamscore import artifact
from scamscore.artifact import MANIFEST_FILE, MODEL_FILE, PACKAGE_MODEL_DIR, ModelError, load_model


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    for name in (MODEL_FILE, MANIFEST_FILE):
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

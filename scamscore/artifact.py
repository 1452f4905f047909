"""Save and load the model artifact, verifying it before anything is read.

A model directory holds three files written by `save_model` (our training code):
- `model.joblib`: the fitted scikit-learn pipeline. A joblib file is pickle, i.e. code;
  only training and evaluation tools load it (`load_model`).
- `scoring.npz`: the same model as plain arrays (`scoring_model.ScoringModel`), which is
  all that scoring reads (`load_scoring`), without pickle and without scikit-learn.
- `manifest.json`: the sha256 of both, thresholds, metrics and provenance.
Each loader reads the manifest, hashes its file and refuses any mismatch before reading it.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

PACKAGE_MODEL_DIR = Path(__file__).parent / "model"
MODEL_FILE = "model.joblib"
MANIFEST_FILE = "manifest.json"
SCORING_FILE = "scoring.npz"
FORMAT = "scamscore-model/2"


class ModelError(Exception):
    """The model artifact is missing, tampered with or not ours."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def resolve(path: str | os.PathLike[str] | None) -> tuple[Path, Path]:
    """(artifact, manifest) for a model directory, artifact or manifest path."""
    p = Path(path) if path is not None else PACKAGE_MODEL_DIR
    if p.is_dir():
        return p / MODEL_FILE, p / MANIFEST_FILE
    if p.name == MANIFEST_FILE:
        return p.with_name(MODEL_FILE), p
    return p, p.with_name(MANIFEST_FILE)


def read_manifest(path: str | os.PathLike[str] | None = None) -> dict[str, Any]:
    _artifact, manifest_path = resolve(path)
    if not manifest_path.is_file():
        raise ModelError(f"no manifest at {manifest_path}: only models built by "
                         "'scamscore' training (with their manifest) can be loaded")
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelError(f"unreadable manifest {manifest_path}: {exc}") from exc
    if isinstance(manifest, dict) and manifest.get("format") == "scamscore-model/1":
        raise ModelError(f"{manifest_path.parent} was built by an older scamscore (it has no "
                         f"{SCORING_FILE}): retrain it with `make train`")
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelError(f"{manifest_path} is not a scamscore model manifest")
    return manifest


def _verified(path: Path, expected: object) -> Path:
    if not path.is_file():
        raise ModelError(f"model file not found: {path}")
    actual = sha256_of(path)
    if actual != expected:
        raise ModelError(f"refusing to load {path}: its sha256 {actual[:12]} does not "
                         f"match the manifest ({str(expected)[:12]})")
    return path


def load_model(path: str | os.PathLike[str] | None = None) -> tuple[Any, dict[str, Any]]:
    """The fitted scikit-learn pipeline: sha256 verified against the manifest, then unpickled."""
    artifact, _ = resolve(path)
    manifest = read_manifest(path)
    _verified(artifact, manifest.get("sha256"))
    import joblib

    return joblib.load(artifact), manifest


def scoring_path(path: str | os.PathLike[str] | None = None) -> Path:
    return resolve(path)[1].with_name(SCORING_FILE)


def load_scoring(path: str | os.PathLike[str] | None = None) -> tuple[Any, dict[str, Any]]:
    """The model as `ScoringModel` (arrays, no pickle), verified against the manifest."""
    from scamscore.scoring_model import ScoringFileError, ScoringModel

    manifest = read_manifest(path)
    scoring = _verified(scoring_path(path), manifest.get("scoring_sha256"))
    try:
        return ScoringModel.load(scoring), manifest
    except ScoringFileError as exc:
        raise ModelError(str(exc)) from exc


def save_model(model: Any, directory: str | os.PathLike[str], manifest: dict[str, Any]) -> Path:
    """Write model.joblib, scoring.npz and manifest.json (each via a temporary file)."""
    import joblib

    from scamscore.scoring_model import ScoringModel

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    artifact = directory / MODEL_FILE
    tmp = directory / (MODEL_FILE + ".tmp")
    joblib.dump(model, tmp, compress=3)
    os.replace(tmp, artifact)
    scoring = directory / SCORING_FILE
    tmp = directory / (SCORING_FILE + ".tmp")
    ScoringModel.from_pipeline(model).save(tmp)
    os.replace(tmp, scoring)
    full = {"format": FORMAT, "sha256": sha256_of(artifact), "scoring_sha256": sha256_of(scoring),
            **manifest}
    tmp_manifest = directory / (MANIFEST_FILE + ".tmp")
    tmp_manifest.write_text(json.dumps(full, indent=2, ensure_ascii=False, sort_keys=False) + "\n",
                            encoding="utf-8")
    os.replace(tmp_manifest, directory / MANIFEST_FILE)
    return artifact

"""Save and load the model artifact, verifying it before anything is unpickled.

A joblib file is pickle, i.e. code. The manifest beside it records the artifact's sha256;
`load_model` reads the manifest, hashes the file and refuses any mismatch before calling
joblib. Only artifacts written by `save_model` (our training code) have a manifest.
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
FORMAT = "scamscore-model/1"


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
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise ModelError(f"{manifest_path} is not a scamscore model manifest")
    return manifest


def load_model(path: str | os.PathLike[str] | None = None) -> tuple[Any, dict[str, Any]]:
    """Verify the artifact's sha256 against its manifest, then unpickle it."""
    artifact, _ = resolve(path)
    manifest = read_manifest(path)
    if not artifact.is_file():
        raise ModelError(f"model file not found: {artifact}")
    actual = sha256_of(artifact)
    if actual != manifest.get("sha256"):
        raise ModelError(f"refusing to load {artifact}: its sha256 {actual[:12]} does not "
                         f"match the manifest ({str(manifest.get('sha256'))[:12]})")
    import joblib

    return joblib.load(artifact), manifest


def save_model(model: Any, directory: str | os.PathLike[str], manifest: dict[str, Any]) -> Path:
    """Write model.joblib and manifest.json (atomically, each via a temporary file)."""
    import joblib

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    artifact = directory / MODEL_FILE
    tmp = directory / (MODEL_FILE + ".tmp")
    joblib.dump(model, tmp, compress=3)
    os.replace(tmp, artifact)
    full = {"format": FORMAT, "sha256": sha256_of(artifact), **manifest}
    tmp_manifest = directory / (MANIFEST_FILE + ".tmp")
    tmp_manifest.write_text(json.dumps(full, indent=2, ensure_ascii=False, sort_keys=False) + "\n",
                            encoding="utf-8")
    os.replace(tmp_manifest, directory / MANIFEST_FILE)
    return artifact

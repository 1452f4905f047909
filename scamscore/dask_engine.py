"""Score chunks on a Dask distributed cluster (`scamscore batch --engine dask`).

The client reads the export row-aware (never by byte blocks, which split quoted newlines)
and writes the output in order; workers only score. The model's scoring file (arrays, no
pickle) and its manifest are sent to the workers once (broadcast); each worker checks the
file's sha256 against the manifest before reading it, exactly as a local load does.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from scamscore.artifact import MANIFEST_FILE, SCORING_FILE, resolve, scoring_path
from scamscore.tabular import Chunk, TableError

_MODEL_DIRS: dict[str, str] = {}


def _materialise(blob: dict[str, bytes]) -> str:
    """Write the shipped model files to a worker-local directory, once per worker process."""
    key = blob["sha256"].decode()
    if key not in _MODEL_DIRS:
        directory = Path(tempfile.mkdtemp(prefix="scamscore-model-"))
        (directory / SCORING_FILE).write_bytes(blob["scoring"])
        (directory / MANIFEST_FILE).write_bytes(blob["manifest"])
        _MODEL_DIRS[key] = str(directory)
    return _MODEL_DIRS[key]


def _score_on_worker(texts: list[str], blob: dict[str, bytes], lang_detector: str,
                     high_threshold: float | None) -> list[tuple]:
    from scamscore.batch import score_texts

    return score_texts(texts, _materialise(blob), lang_detector, high_threshold)


def dask_map(chunks: Iterable[Chunk], scheduler: str | None, jobs: int,
             options: tuple) -> Iterator[tuple[Chunk, list[Any]]]:
    try:
        from distributed import Client, LocalCluster
    except ImportError:
        raise TableError("--engine dask needs dask.distributed: pip install 'scamscore[dask]'") from None
    from scamscore.artifact import read_manifest, sha256_of

    model, lang_detector, high_threshold = options
    _, manifest_path = resolve(model)
    manifest = read_manifest(model)
    scoring = scoring_path(model)
    if not scoring.is_file() or sha256_of(scoring) != manifest["scoring_sha256"]:
        raise TableError(f"refusing to ship {scoring}: sha256 does not match its manifest")
    blob = {"scoring": scoring.read_bytes(), "manifest": manifest_path.read_bytes(),
            "sha256": manifest["scoring_sha256"].encode()}
    cluster = None
    if scheduler:
        client = Client(scheduler)
    else:
        cluster = LocalCluster(n_workers=max(jobs, 1), threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=40)
        client = Client(cluster)
    try:
        shipped = client.scatter(blob, broadcast=True)
        window: list[tuple[Chunk, Any]] = []
        limit = 2 * max(len(client.scheduler_info().get("workers", {})), 1)
        for chunk in chunks:
            texts = [t for t in chunk.texts if t is not None]
            window.append((chunk, client.submit(_score_on_worker, texts, shipped, lang_detector,
                                                high_threshold, pure=False)))
            if len(window) >= limit:
                done, future = window.pop(0)
                yield done, future.result()
        for done, future in window:
            yield done, future.result()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

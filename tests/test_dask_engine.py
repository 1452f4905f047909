"""The Dask engine writes exactly what the local engine writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from scamscore.batch import run_batch
from tests.test_batch import _export

pytest.importorskip("distributed")


@pytest.mark.slow
def test_dask_local_cluster_matches_local_engine(tmp_path: Path) -> None:
    _export(tmp_path / "in.csv", n=30)
    run_batch(str(tmp_path / "in.csv"), str(tmp_path / "local.csv"), chunk_rows=8)
    run_batch(str(tmp_path / "in.csv"), str(tmp_path / "dask.csv"), chunk_rows=8,
              engine="dask", jobs=2)
    assert (tmp_path / "dask.csv").read_bytes() == (tmp_path / "local.csv").read_bytes()

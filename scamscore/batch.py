"""Score whole exports: stream chunks in, score them (in parallel), write every row out.

Reading and writing stay in this process, in input order; only the scoring of each chunk
runs elsewhere (joblib workers, or Dask workers with `engine="dask"`). So every engine and
every `jobs` value writes byte-identical output.
"""

from __future__ import annotations

import os
import sys
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scamscore.tabular import Chunk, TableError, TableWriter, format_of, open_reader

_WORKER_SCORERS: dict[tuple, Any] = {}


def score_texts(texts: list[str], model: str | None, lang_detector: str,
                high_threshold: float | None) -> list[tuple[float, str, str, str]]:
    """(probability, band, language, signals) per text; the scorer is loaded once per process."""
    from scamscore.scorer import Scorer

    key = (model, lang_detector, high_threshold)
    scorer = _WORKER_SCORERS.get(key)
    if scorer is None:
        scorer = _WORKER_SCORERS[key] = Scorer(model, lang_detector, high_threshold)
    return scorer.score_rows(texts)


@dataclass
class Summary:
    rows_read: int = 0
    rows_written: int = 0
    errors: int = 0
    bands: Counter = field(default_factory=Counter)
    seconds: float = 0.0

    def render(self) -> str:
        rate = self.rows_read / self.seconds if self.seconds else 0.0
        bands = ", ".join(f"{b} {self.bands.get(b, 0)}" for b in ("high", "medium", "low"))
        return (f"rows read {self.rows_read}, rows written {self.rows_written}; {bands}; "
                f"rows with errors {self.errors}; {self.seconds:.1f} s, {rate:,.0f} posts/s")


class _Progress:
    """Rows, rate and ETA on stderr when it is a terminal; silent otherwise."""

    def __init__(self, total_bytes: int) -> None:
        self.enabled = sys.stderr.isatty()
        self.total = total_bytes
        self.start = time.monotonic()
        self.last = 0.0

    def update(self, rows: int, bytes_read: int) -> None:
        now = time.monotonic()
        if not self.enabled or now - self.last < 0.5:
            return
        self.last = now
        elapsed = now - self.start
        rate = rows / elapsed if elapsed else 0.0
        eta = ""
        if self.total and bytes_read:
            eta = f", ETA {max(0.0, elapsed * (self.total / bytes_read - 1)):.0f} s"
        sys.stderr.write(f"\r{rows:,} rows, {rate:,.0f} posts/s{eta}   ")
        sys.stderr.flush()

    def done(self) -> None:
        if self.enabled:
            sys.stderr.write("\r" + " " * 60 + "\r")


def _local_map(chunks: Iterable[Chunk], jobs: int, options: tuple) -> Iterator[tuple[Chunk, list]]:
    if jobs == 1:
        for chunk in chunks:
            yield chunk, score_texts([t for t in chunk.texts if t is not None], *options)
        return
    from joblib import Parallel, delayed

    pending: list[Chunk] = []

    def feed() -> Iterator[Any]:
        for chunk in chunks:
            pending.append(chunk)
            yield delayed(score_texts)([t for t in chunk.texts if t is not None], *options)

    parallel = Parallel(n_jobs=jobs, return_as="generator", pre_dispatch="2*n_jobs")
    for scored in parallel(feed()):
        yield pending.pop(0), scored


def _dask_map(chunks: Iterable[Chunk], scheduler: str | None, jobs: int,
              options: tuple) -> Iterator[tuple[Chunk, list]]:
    from scamscore.dask_engine import dask_map

    yield from dask_map(chunks, scheduler, jobs, options)


def run_batch(input_path: str, output_path: str, *, text_column: str = "text",
              id_column: str | None = None, fmt: str | None = None,
              output_format: str | None = None, jobs: int = 1, only_flagged: bool = False,
              force: bool = False, model: str | None = None, lang_detector: str = "py3langid",
              high_threshold: float | None = None, encoding: str = "auto",
              chunk_rows: int = 500, engine: str = "local", scheduler: str | None = None
              ) -> Summary:
    """Score `input_path` into `output_path`; returns the summary."""
    if input_path != "-" and not Path(input_path).exists():
        raise TableError(f"{input_path}: no such file")
    if input_path != "-" and Path(input_path).is_dir() and (fmt or format_of(input_path, None)) != "parquet":
        raise TableError(f"{input_path} is a directory; only Parquet part directories are read")
    if output_path != "-" and input_path != "-" and \
            Path(output_path).resolve() == Path(input_path).resolve():
        raise TableError("refusing to overwrite the input; choose another -o")
    in_fmt = format_of(input_path, fmt) if input_path != "-" else (fmt or "csv")
    out_fmt = output_format or (format_of(output_path, None) if output_path != "-" else
                                ("jsonl" if in_fmt == "jsonl" else "csv"))
    if input_path == "-" and in_fmt == "jsonl" and out_fmt != "jsonl":
        raise TableError("JSON Lines from stdin can only be written as JSON Lines (-o x.jsonl)")
    if jobs < 1:
        jobs = os.cpu_count() or 1
    # Load and verify the model before reading any data, so a bad model fails fast.
    from scamscore.artifact import read_manifest

    read_manifest(model)
    reader = open_reader(input_path, in_fmt, text_column, encoding, chunk_rows)
    if id_column and id_column not in reader.columns:
        raise TableError(f"{input_path}: no id column {id_column!r}; columns are: "
                         f"{', '.join(reader.columns)}")
    writer = TableWriter(output_path, out_fmt, reader.columns, force=force)
    summary = Summary()
    progress = _Progress(getattr(reader, "size", 0))
    started = time.monotonic()
    options = (model, lang_detector, high_threshold)
    scored_chunks = (_dask_map(reader, scheduler, jobs, options) if engine == "dask"
                     else _local_map(reader, jobs, options))
    try:
        for chunk, scored in scored_chunks:
            rows, added = _merge(chunk, scored, only_flagged, summary)
            writer.write(rows, added)
            summary.rows_written += len(rows)
            progress.update(summary.rows_read, chunk.bytes_read)
        writer.close()
    except BaseException:
        writer.abort()
        raise
    finally:
        progress.done()
    summary.seconds = time.monotonic() - started
    return summary


def _merge(chunk: Chunk, scored: list, only_flagged: bool, summary: Summary
           ) -> tuple[list[Any], list[list[Any]]]:
    """Attach scores (or errors) to each row of a chunk, in order."""
    rows, added = [], []
    it = iter(scored)
    for row, text, error in zip(chunk.rows, chunk.texts, chunk.errors, strict=True):
        summary.rows_read += 1
        if text is None:
            summary.errors += 1
            rows.append(row)
            added.append([None, None, "", "", "", error or "empty text"])
            continue
        probability, band, language, signals = next(it)
        summary.bands[band] += 1
        if only_flagged and band != "high":
            continue
        rows.append(row)
        added.append([round(probability, 6), round(100 * probability), band, language,
                      signals, ""])
    return rows, added

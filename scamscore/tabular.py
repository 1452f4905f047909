"""Streaming readers and writers for exports: CSV, JSON Lines and Parquet.

Readers yield `Chunk`s: every input row, in order, with its original fields, the text to
score and, for a row that cannot be read properly, why. Nothing is dropped: a ragged CSV
row, an unclosed quote, a bad JSON line or invalid UTF-8 becomes a row with an error.
Writers write to a temporary file beside the target and rename it into place when done.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import os
import re
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMATS = ("csv", "jsonl", "parquet")
ADDED_COLUMNS = ["scam_probability", "risk_score", "risk_band", "language", "signals", "error"]
MAX_FIELD_CHARS = 64 * 1024 * 1024
_SURROGATE = re.compile("[\udc80-\udcff]")


class TableError(Exception):
    """The whole input or output cannot be used; one-line message."""


@dataclass
class Chunk:
    """A run of consecutive input rows."""

    rows: list[Any]                      # list of field lists (CSV) or dicts (JSONL/Parquet)
    texts: list[str | None]              # text to score, None when the row has an error
    errors: list[str]                    # "" when the row was read cleanly
    bytes_read: int = 0                  # position in the input, for progress


def format_of(path: str, given: str | None) -> str:
    if given:
        return given
    suffix = Path(path).suffix.lower()
    if suffix in {".csv", ".tsv", ".txt"}:
        return "csv"
    if suffix in {".jsonl", ".ndjson", ".json"}:
        return "jsonl"
    if suffix in {".parquet", ".pq"}:
        return "parquet"
    if Path(path).is_dir():
        return "parquet"
    raise TableError(f"cannot tell the format of {path}; pass --format csv|jsonl|parquet")


def _open_text_lines(path: str, encoding: str) -> tuple[Iterator[tuple[str, int, bool]], int]:
    """(line, bytes_so_far, decoded_cleanly) for each physical line; and the file size."""
    size = os.path.getsize(path) if path != "-" else 0
    fb = open(path, "rb") if path != "-" else sys.stdin.buffer
    head = fb.peek(4)[:4] if hasattr(fb, "peek") else b""
    if encoding == "auto":
        if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        elif head.startswith(codecs.BOM_UTF8):
            encoding = "utf-8-sig"
        else:
            encoding = "utf-8"
    if encoding in {"utf-16", "utf-16-le", "utf-16-be"}:
        text = io.TextIOWrapper(fb, encoding=encoding, newline="")

        def wide() -> Iterator[tuple[str, int, bool]]:
            with text:
                for line in text:
                    yield line, 0, True
        return wide(), size

    def narrow() -> Iterator[tuple[str, int, bool]]:
        pos = 0
        first = True
        try:
            for raw in fb:
                pos += len(raw)
                if first and encoding == "utf-8-sig" and raw.startswith(codecs.BOM_UTF8):
                    raw = raw[3:]
                first = False
                try:
                    yield raw.decode(encoding if encoding != "utf-8-sig" else "utf-8"), pos, True
                except UnicodeDecodeError:
                    yield raw.decode("utf-8", errors="replace"), pos, False
        finally:
            if fb is not sys.stdin.buffer:
                fb.close()
    return narrow(), size


def check_utf8(path: str, encoding: str, sample_bytes: int = 1 << 20) -> None:
    """Refuse a legacy-encoded file up front instead of flagging every accented row."""
    if encoding != "auto" or path == "-":
        return
    with open(path, "rb") as fh:
        data = fh.read(sample_bytes)
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return
    if data.startswith((b"\x89PNG", b"\xff\xd8\xff", b"%PDF", b"PK\x03\x04", b"\x7fELF")) \
            or data.count(b"\x00") > len(data) // 10:
        raise TableError(f"{path}: binary data, not a text export")
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(data) - 4:
            raise TableError(
                f"{path}: not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start}); "
                "if it is a legacy export pass --encoding cp1252 (or latin-1)") from None


def _check_columns(path: str, columns: list[str], text_column: str) -> None:
    """The text column must exist and no output column may already be there."""
    if text_column not in columns:
        raise TableError(f"{path}: no column {text_column!r}; columns are: "
                         f"{', '.join(columns[:50])} (use --text-column)")
    clash = [c for c in ADDED_COLUMNS if c in columns]
    if clash:
        raise TableError(f"{path}: already has output column(s) {', '.join(clash)}; "
                         "was it scored already?")


class CsvReader:
    """Row-aware CSV reading (quoted newlines are fine) that reports bad rows by line number."""

    def __init__(self, path: str, text_column: str, encoding: str = "auto",
                 chunk_rows: int = 2000) -> None:
        self.path = path
        self.text_column = text_column
        self.encoding = encoding
        self.chunk_rows = chunk_rows
        check_utf8(path, encoding)
        lines, self.size = _open_text_lines(path, encoding)
        self._lines = _Numbered(lines)
        csv.field_size_limit(MAX_FIELD_CHARS)
        self._records = self._parse()
        try:
            _, header, _ = next(self._records)
        except StopIteration:
            raise TableError(f"{path}: empty file (no header row)") from None
        if not isinstance(header, list) or not header or all(not h.strip() for h in header):
            raise TableError(f"{path}: the first line is not a CSV header")
        self.columns = [h.strip("\ufeff") for h in header]
        _check_columns(path, self.columns, text_column)
        self.text_index = self.columns.index(text_column)

    def _parse(self) -> Iterator[tuple[int, list[str] | tuple[str, str], bool]]:
        """(line number, fields or (error message, raw line), decoded cleanly)."""
        while True:
            self._lines.mark()
            reader = csv.reader(self._lines, strict=True)
            try:
                for fields in reader:
                    yield self._lines.record_start, fields, self._lines.record_clean
                    self._lines.mark()
                return
            except csv.Error as exc:
                start = self._lines.record_start
                replay = self._lines.take_record()
                raw = replay[0][0].rstrip("\r\n") if replay else ""
                yield start, (f"line {start}: malformed CSV ({exc}); the line is kept unparsed "
                              "in the text column", raw), True
                self._lines.replay(replay[1:])

    def __iter__(self) -> Iterator[Chunk]:
        width = len(self.columns)
        chunk = Chunk([], [], [])
        for line_no, fields, clean in self._records:
            if isinstance(fields, tuple):
                error, raw = fields
                row = [""] * width
                row[self.text_index] = raw
            elif len(fields) != width:
                error = (f"line {line_no}: {len(fields)} fields, header has {width}"
                         + ("; extra fields kept in the last column" if len(fields) > width else ""))
                row = [*fields[:width - 1], ",".join(fields[width - 1:])] if len(fields) > width \
                    else fields + [""] * (width - len(fields))
            elif not clean:
                row, error = fields, f"line {line_no}: invalid UTF-8 bytes (shown as U+FFFD)"
            elif "\x00" in fields[self.text_index]:
                row, error = fields, f"line {line_no}: NUL characters in the text"
            else:
                row, error = fields, ""
            text = row[self.text_index] if not error else None
            if text is not None and not text.strip():
                text, error = None, "empty text"
            chunk.rows.append(row)
            chunk.texts.append(text)
            chunk.errors.append(error)
            if len(chunk.rows) >= self.chunk_rows:
                chunk.bytes_read = self._lines.pos
                yield chunk
                chunk = Chunk([], [], [])
        if chunk.rows:
            chunk.bytes_read = self._lines.pos
            yield chunk


class _Numbered:
    """Feeds lines to csv.reader while tracking line numbers and the current record's lines."""

    def __init__(self, lines: Iterator[tuple[str, int, bool]]) -> None:
        self._source = lines
        self._pending: list[tuple[str, int, bool]] = []
        self._record: list[tuple[str, int, bool]] = []
        self.line = 0
        self.pos = 0
        self.record_start = 1
        self.record_clean = True

    def mark(self) -> None:
        self._record = []
        self.record_start = self.line + 1
        self.record_clean = True

    def take_record(self) -> list[tuple[str, int, bool]]:
        record, self._record = self._record, []
        self.line = self.record_start
        return record

    def replay(self, lines: list[tuple[str, int, bool]]) -> None:
        self._pending = lines + self._pending

    def __iter__(self) -> _Numbered:
        return self

    def __next__(self) -> str:
        item = self._pending.pop(0) if self._pending else next(self._source)
        text, pos, clean = item
        self._record.append(item)
        self.line += 1
        self.pos = max(self.pos, pos)
        self.record_clean = self.record_clean and clean
        return text


class JsonlReader:
    """JSON Lines: one object per line; a bad line becomes an error row, never dropped."""

    def __init__(self, path: str, text_column: str, encoding: str = "auto",
                 chunk_rows: int = 2000) -> None:
        self.path = path
        self.text_column = text_column
        self.encoding = encoding
        self.chunk_rows = chunk_rows
        check_utf8(path, encoding)
        self.size = os.path.getsize(path) if path != "-" else 0
        self.columns, self.has_bad_lines = self._scan() if path != "-" else ([], False)
        if path != "-" and self.columns:
            _check_columns(path, self.columns, text_column)
        if self.has_bad_lines and "raw_line" not in self.columns:
            self.columns.append("raw_line")  # bad lines are kept verbatim here

    def _scan(self) -> tuple[list[str], bool]:
        """First pass: the union of keys in first-seen order (for CSV/Parquet output)."""
        keys: dict[str, None] = {}
        bad = False
        lines, _ = _open_text_lines(self.path, self.encoding)
        for line, _, _ in lines:
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except ValueError:
                bad = True
                continue
            if isinstance(obj, dict):
                keys.update(dict.fromkeys(map(str, obj)))
            else:
                bad = True
        if not keys and not bad:
            raise TableError(f"{self.path}: empty file (no JSON objects)")
        return list(keys), bad

    def __iter__(self) -> Iterator[Chunk]:
        lines, _ = _open_text_lines(self.path, self.encoding)
        chunk = Chunk([], [], [])
        line_no = 0
        pos = 0
        for line, pos, clean in lines:
            line_no += 1
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
                error = "" if isinstance(obj, dict) else f"line {line_no}: not a JSON object"
            except ValueError as exc:
                obj, error = None, f"line {line_no}: invalid JSON ({str(exc).split(':')[0]})"
            if not isinstance(obj, dict):
                obj = {"raw_line": line.rstrip("\r\n")}
            elif not clean:
                error = f"line {line_no}: invalid UTF-8 bytes (shown as U+FFFD)"
            text = obj.get(self.text_column) if not error else None
            if not error and not isinstance(text, str):
                text, error = None, ("empty text" if text is None else
                                     f"line {line_no}: {self.text_column!r} is not a string")
            elif text is not None and not text.strip():
                text, error = None, "empty text"
            chunk.rows.append(obj)
            chunk.texts.append(text)
            chunk.errors.append(error)
            if len(chunk.rows) >= self.chunk_rows:
                chunk.bytes_read = pos
                yield chunk
                chunk = Chunk([], [], [])
        if chunk.rows:
            chunk.bytes_read = pos
            yield chunk


class ParquetReader:
    """Parquet file (or a directory of part files) read in record batches."""

    def __init__(self, path: str, text_column: str, encoding: str = "auto",
                 chunk_rows: int = 2000) -> None:
        try:
            import pyarrow.parquet as pq
        except ImportError:
            raise TableError("Parquet needs pyarrow: pip install 'scamscore[parquet]'") from None
        self.path = path
        self.text_column = text_column
        self.chunk_rows = chunk_rows
        p = Path(path)
        self.files = sorted(p.glob("*.parquet")) if p.is_dir() else [p]
        if not self.files:
            raise TableError(f"{path}: no .parquet files in this directory")
        try:
            self.schema = pq.ParquetFile(self.files[0]).schema_arrow
        except Exception as exc:  # pyarrow raises several types for a bad file
            raise TableError(f"{path}: not a readable Parquet file ({type(exc).__name__})") from None
        self.columns = list(self.schema.names)
        _check_columns(path, self.columns, text_column)
        self.size = sum(f.stat().st_size for f in self.files)

    def __iter__(self) -> Iterator[Chunk]:
        import pyarrow.parquet as pq

        done = 0
        for f in self.files:
            parquet = pq.ParquetFile(f)
            total = max(parquet.metadata.num_rows, 1)
            seen = 0
            for batch in parquet.iter_batches(batch_size=self.chunk_rows):
                rows = batch.to_pylist()
                texts, errors = [], []
                for row in rows:
                    text = row.get(self.text_column)
                    if isinstance(text, str) and text.strip():
                        texts.append(text)
                        errors.append("")
                    else:
                        texts.append(None)
                        errors.append("empty text" if not text else "text is not a string")
                seen += len(rows)
                yield Chunk(rows, texts, errors,
                            bytes_read=done + int(f.stat().st_size * seen / total))
            done += f.stat().st_size


def open_reader(path: str, fmt: str, text_column: str, encoding: str, chunk_rows: int):
    readers = {"csv": CsvReader, "jsonl": JsonlReader, "parquet": ParquetReader}
    if fmt == "parquet" and path == "-":
        raise TableError("Parquet cannot be read from stdin; give a file")
    return readers[fmt](path, text_column, encoding=encoding, chunk_rows=chunk_rows)


class TableWriter:
    """Writes rows plus the added columns to a temporary file, renamed into place on close."""

    def __init__(self, path: str, fmt: str, columns: list[str], force: bool = False) -> None:
        self.path = path
        self.fmt = fmt
        self.columns = columns
        if path == "-":
            if fmt == "parquet":
                raise TableError("Parquet cannot be written to stdout; give -o FILE")
            self.tmp = None
            self._fh = sys.stdout
        else:
            target = Path(path)
            if target.exists() and not force:
                raise TableError(f"{path} exists; pass --force to overwrite it")
            if target.is_dir():
                raise TableError(f"{path} is a directory")
            if not target.parent.exists():
                raise TableError(f"directory {target.parent} does not exist")
            self.tmp = target.with_name(f".{target.name}.partial-{os.getpid()}")
            self._fh = None if fmt == "parquet" else open(self.tmp, "w", encoding="utf-8", newline="")
        self._csv = csv.writer(self._fh, lineterminator="\n") if fmt == "csv" else None
        self._parquet = None
        if self._csv is not None:
            self._csv.writerow(columns + ADDED_COLUMNS)

    def write(self, rows: list[Any], added: list[list[Any]]) -> None:
        if self.fmt == "csv":
            for row, extra in zip(rows, added, strict=True):
                values = [_cell(row.get(c)) for c in self.columns] if isinstance(row, dict) else row
                self._csv.writerow(values + extra)
        elif self.fmt == "jsonl":
            for row, extra in zip(rows, added, strict=True):
                obj = dict(row) if isinstance(row, dict) else dict(zip(self.columns, row, strict=True))
                obj.update(zip(ADDED_COLUMNS, extra, strict=True))
                self._fh.write(json.dumps(obj, ensure_ascii=False, default=str) + "\n")
        else:
            self._write_parquet(rows, added)

    def _write_parquet(self, rows: list[Any], added: list[list[Any]]) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        data = {c: [] for c in self.columns + ADDED_COLUMNS}
        for row, extra in zip(rows, added, strict=True):
            values = [row.get(c) for c in self.columns] if isinstance(row, dict) else row
            for c, v in zip(self.columns, values, strict=True):
                data[c].append(v)
            for c, v in zip(ADDED_COLUMNS, extra, strict=True):
                data[c].append(v)
        if self._parquet is None:
            arrays = {c: pa.array(v) for c, v in data.items()}
            self._schema = pa.schema([
                pa.field(c, arrays[c].type if arrays[c].type != pa.null() else pa.string())
                for c in data])
            self._schema = self._schema.set(
                self._schema.get_field_index("scam_probability"), pa.field("scam_probability", pa.float64()))
            self._schema = self._schema.set(
                self._schema.get_field_index("risk_score"), pa.field("risk_score", pa.int64()))
            self._parquet = pq.ParquetWriter(self.tmp, self._schema)
        table = pa.Table.from_pydict(data, schema=self._schema)
        self._parquet.write_table(table)

    def close(self) -> None:
        """Finish and rename into place."""
        if self._parquet is not None:
            self._parquet.close()
        elif self.fmt == "parquet" and self.tmp is not None:
            import pyarrow as pa
            import pyarrow.parquet as pq

            pq.write_table(pa.table({c: pa.array([], pa.string())
                                     for c in self.columns + ADDED_COLUMNS}), self.tmp)
        if self._fh is not None and self._fh is not sys.stdout:
            self._fh.close()
        elif self._fh is sys.stdout:
            self._fh.flush()
        if self.tmp is not None:
            os.replace(self.tmp, self.path)

    def abort(self) -> None:
        """Remove the partial file after a failure or interruption."""
        try:
            if self._parquet is not None:
                self._parquet.close()
            if self._fh is not None and self._fh is not sys.stdout:
                self._fh.close()
        finally:
            if self.tmp is not None and self.tmp.exists():
                self.tmp.unlink()


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value

"""Read one post from a file or stdin, with clear errors for everything that is not a post."""

from __future__ import annotations

import codecs
import os
import sys
from pathlib import Path

MAX_POST_BYTES = 64 * 1024 * 1024
ENCODINGS = ("auto", "utf-8", "utf-16", "cp1252", "latin-1")
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"GIF8", b"%PDF", b"PK\x03\x04", b"\x7fELF")


class InputError(Exception):
    """An input cannot be scored; the message names it and says why, in one line."""


def decode(data: bytes, name: str, encoding: str = "auto") -> str:
    """Bytes -> text: BOMs honoured, UTF-8 by default, legacy encodings only when asked."""
    if encoding not in ENCODINGS:
        raise InputError(f"{name}: unknown encoding {encoding!r}; choose from {', '.join(ENCODINGS)}")
    if encoding == "auto":
        if data.startswith(codecs.BOM_UTF8):
            data, encoding = data[3:], "utf-8"
        elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            encoding = "utf-16"
        else:
            encoding = "utf-8"
    if encoding == "utf-8" and (data.startswith(_BINARY_MAGIC) or b"\x00" in data):
        raise InputError(f"{name}: binary data (NUL bytes or a file signature), not a text post")
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        hint = " (a legacy file? pass --encoding cp1252 or latin-1)" if encoding == "utf-8" else ""
        raise InputError(f"{name}: not valid {encoding}: byte 0x{data[exc.start]:02x} at offset "
                         f"{exc.start}{hint}") from None
    if "\x00" in text:
        raise InputError(f"{name}: contains NUL characters, not a text post")
    return text


def read_post(source: str, encoding: str = "auto") -> str:
    """The text of a post file, or of stdin when `source` is '-'."""
    if source == "-":
        data = sys.stdin.buffer.read(MAX_POST_BYTES + 1)
        name = "<stdin>"
    else:
        path = Path(source)
        name = source
        if path.is_dir():
            raise InputError(f"{name}: is a directory, not a post file")
        if not path.exists():
            raise InputError(f"{name}: no such file")
        if not os.access(path, os.R_OK):
            raise InputError(f"{name}: permission denied")
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_POST_BYTES + 1)
        except OSError as exc:
            raise InputError(f"{name}: cannot read: {exc.strerror}") from None
    if len(data) > MAX_POST_BYTES:
        raise InputError(f"{name}: larger than {MAX_POST_BYTES // (1024 * 1024)} MiB; "
                         "for many posts use 'scamscore batch'")
    text = decode(data, name, encoding)
    if not text.strip():
        raise InputError(f"{name}: empty post (no text to score)")
    return text

"""Passages a post puts in quotation marks.

Warnings and worried questions quote the offer they are about ("they wrote: 'girls 18-22,
free flight'"); a recruiter states it. `QUOTED_TEXT` measures how much of a post is quoted.
"""

from __future__ import annotations

import re

from scamscore.normalize import Span

# Quotation marks, each opener with the marks that close it: straight double quotes pair left
# to right; German „…“, French «…», CJK 「…」 and curly “…” (”…” too, as some keyboards type).
_QUOTE_CLOSERS = {'"': '"', "\u201c": "\u201d", "\u201e": "\u201c\u201d", "\u00ab": "\u00bb",
                  "\u300c": "\u300d", "\u300e": "\u300f", "\u201d": "\u201d"}
_QUOTE_MARK = re.compile("[\"\u201c\u201d\u201e\u00ab\u00bb\u300c\u300d\u300e\u300f]")
# a straight quote closing a height in feet and inches (5'4", 5'10") is no quotation mark
_FEET_INCHES = re.compile("[0-9]'[0-9][0-9]?$")
MIN_QUOTED_CHARS = 20  # shorter quotes are emphasis or scare quotes ("FREE", "hotel job")


def quoted_passages(text: str) -> list[Span]:
    """Spans (quotation marks included) of the passages `text` puts in quotation marks, in one
    pass over its quotation marks: a mark that closes nothing open opens a passage, nested
    quotes stay inside their passage, and a passage never closed is not counted."""
    passages: list[Span] = []
    opened_at, closers = -1, ""
    for m in _QUOTE_MARK.finditer(text):
        mark = m.group()
        if mark == '"' and _FEET_INCHES.search(text, max(0, m.start() - 4), m.start()):
            continue
        if opened_at < 0:
            if mark in _QUOTE_CLOSERS:
                opened_at, closers = m.start(), _QUOTE_CLOSERS[mark]
        elif mark in closers:
            passages.append((opened_at, m.end()))
            opened_at = -1
    return passages

"""The compiled inner loops (scamscore/_fast.c) change speed, never output: whole batch rows
are the same bits with and without them, and bad arguments raise instead of crashing."""

from __future__ import annotations

import numpy as np
import pytest

from scamscore import compiled
from scamscore.dataset import load_corpus
from tests.conftest import engine

EDGE_POSTS = ["", " ", "a", "ab", "  x  ", "\u3000word\u2003other\x85n", "é" * 3000, "x " * 12000,
              "😀" * 50, "wh@ts4pp +234 801 234 5678 — N5,000 fee!!!"]


def test_batch_rows_are_the_same_bits_with_and_without_the_compiled_loops(scorer) -> None:
    texts = load_corpus()["text"].tolist()[::3] + EDGE_POSTS
    with engine("numpy"):
        expected = scorer._score_rows(texts)
    with engine("compiled"):
        got = scorer._score_rows(texts)
    assert got == expected  # float probabilities compared exactly


@pytest.fixture
def fast():
    with engine("compiled"):
        yield compiled.FAST


def _out(n: int, dtype) -> np.ndarray:
    return np.zeros(n, dtype)


def test_ngram_entries_rejects_lengths_that_do_not_add_up(fast) -> None:
    codes = np.frombuffer(" ab  cd  ".encode("utf-32-le"), np.uint32)
    with pytest.raises(ValueError, match="add up"):
        fast.ngram_entries(codes, np.array([3], np.int64), 2, 4, 2**18,
                           _out(100, np.int64), _out(100, np.int32), _out(100, np.int64))


def test_ngram_entries_rejects_small_outputs_and_wrong_types(fast) -> None:
    codes = np.frombuffer(" ab  ".encode("utf-32-le"), np.uint32)
    lengths = np.array([len(codes)], np.int64)
    with pytest.raises(ValueError):
        fast.ngram_entries(codes, lengths, 2, 4, 2**18, _out(2, np.int64), _out(2, np.int32), _out(2, np.int64))
    with pytest.raises(TypeError):
        fast.ngram_entries(codes.astype(np.uint64), lengths, 2, 4, 2**18,
                           _out(99, np.int64), _out(99, np.int32), _out(99, np.int64))
    with pytest.raises(ValueError, match="range"):
        fast.ngram_entries(codes, lengths, 3, 2, 2**18, _out(99, np.int64), _out(99, np.int32), _out(99, np.int64))


def test_tfidf_dot_rejects_counts_beyond_its_table(fast) -> None:
    rows, columns, counts = np.array([0], np.int64), np.array([5], np.int32), np.array([9], np.int64)
    table, idf, weights = np.ones(4), np.ones(8), np.ones(8)
    with pytest.raises(ValueError, match="inconsistent"):
        fast.tfidf_dot(rows, columns, counts, table, idf, weights, np.zeros(1))
    with pytest.raises(ValueError, match="inconsistent"):  # a column beyond idf
        fast.tfidf_dot(rows, np.array([8], np.int32), np.array([1], np.int64), table, idf, weights, np.zeros(1))


def test_automaton_entries_refuses_to_leave_its_tables(fast) -> None:
    moves = np.array([5] * 256, np.int32)  # every move goes to a state that does not exist
    rowbase, output = np.array([0], np.int32), np.array([-1], np.int32)
    out = [_out(3, np.int64) for _ in range(3)]
    with pytest.raises(ValueError, match="tables"):
        fast.automaton_entries(b"abc", np.array([3], np.int64), moves, rowbase, output, 1, *out)


def test_translate_refuses_a_table_entry_that_is_not_a_code_point(fast) -> None:
    table = np.arange(200, dtype=np.int32)
    table[ord("b")] = 0x110000
    assert fast.translate("ac", table) == "ac"  # only the entries read are checked
    with pytest.raises(ValueError, match="not a code point"):
        fast.translate("abc", table)
    table[ord("b")] = -1
    with pytest.raises(ValueError, match="not a code point"):
        fast.translate("b", table)

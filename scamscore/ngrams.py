"""Hashed character n-grams inside word boundaries, for many posts at once, in numpy, and
their TF-IDF weighting.

The n-grams are scikit-learn's `char_wb` ones (each whitespace-separated word padded with a
space on both sides, n-grams taken inside each padded word; an n-gram longer than the padded
word is not taken, where scikit-learn would take the whole word once), but they are hashed in numpy
over a whole chunk of posts instead of one Python string per n-gram: that was the largest
cost of scoring a post. `bucket()` computes the same hash for one n-gram in Python, for
explanations.

The posts of a chunk are laid end to end as " w1  w2 " + " " + " w3 " ...: every window that
crosses a word or post boundary contains two adjacent spaces, and only those windows are
dropped. Where `scamscore/_fast.c` was built, it hashes, sorts and counts them, and does
the TF-IDF dot product, with the same integers and the same floating-point operations.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence, Sized

import numpy as np
from scipy import sparse

from scamscore import compiled

_MASK = (1 << 64) - 1
_SEED = 0x9E3779B97F4A7C15
_PRIME = 0x100000001B3
_MIX = 0xFF51AFD7ED558CCD
_SPACE = 32
# characters hashed per numpy pass: bounds the temporary arrays, and their keys sort
# quickest while they fit in the CPU cache (measured: 1 << 15 is 25% quicker than 1 << 18)
_BATCH_CHARS = 1 << 15
_BATCH_POSTS = 4096


def padded(text: str) -> str:
    """The text as char_wb sees it: words padded with one space each side ("" if no words)."""
    words = text.split()
    return f" {'  '.join(words)} " if words else ""


def char_ngrams(text: str, ngram_range: tuple[int, int]) -> Iterator[str]:
    """Every char_wb n-gram of `text`, with repeats (the reference the numpy path follows)."""
    lo, hi = ngram_range
    for word in text.split():
        word = f" {word} "
        for n in range(lo, hi + 1):
            if n > len(word):
                break
            for i in range(len(word) - n + 1):
                yield word[i : i + n]


def _mix(h: int) -> int:
    h ^= h >> 33
    h = (h * _MIX) & _MASK
    return h ^ (h >> 29)


def bucket(gram: str, n_features: int) -> int:
    """The column `hashed_counts` puts `gram` in."""
    h = _SEED
    for ch in gram:
        h = (h * _PRIME + ord(ch) + 1) & _MASK
    return _mix(h) % n_features


def _hash_windows(codes: np.ndarray, lo: int, hi: int) -> Iterator[tuple[int, np.ndarray]]:
    """(n, hash of the n-gram starting at each position) for n in lo..hi."""
    prime = np.uint64(_PRIME)
    h = np.full(len(codes), np.uint64(_SEED), dtype=np.uint64) * prime + codes
    for n in range(1, hi + 1):
        if n > 1:
            h = h[:-1] * prime + codes[n - 1 :]
        if n >= lo:
            mixed = h ^ (h >> np.uint64(33))
            mixed *= np.uint64(_MIX)
            mixed ^= mixed >> np.uint64(29)
            yield n, mixed


def _batch_counts(texts: Sequence[str], ngram_range: tuple[int, int],
                  n_features: int) -> sparse.csr_matrix:
    rows, columns, counts = _batch_entries(texts, ngram_range, n_features)
    indptr = np.searchsorted(rows, np.arange(len(texts) + 1), side="left")
    return sparse.csr_matrix((counts.astype(np.float64), columns, indptr),
                             shape=(len(texts), n_features))


def _batch_entries(texts: Sequence[str], ngram_range: tuple[int, int],
                   n_features: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(post, column, count) of each distinct hashed n-gram of a batch, by post then column."""
    pieces = [padded(t) for t in texts]
    lengths = np.fromiter((len(p) + 1 for p in pieces), dtype=np.int64, count=len(pieces))
    big = " ".join(pieces) + " "
    code_points = np.frombuffer(big.encode("utf-32-le"), dtype=np.uint32)
    if compiled.FAST is not None:  # the same entries, ~5x quicker
        capacity = len(code_points) * (ngram_range[1] - ngram_range[0] + 1)
        rows, columns, counts = (np.empty(capacity, np.int64), np.empty(capacity, np.int32),
                                 np.empty(capacity, np.int64))
        n = compiled.FAST.ngram_entries(code_points, lengths, *ngram_range, n_features, rows, columns, counts)
        return rows[:n], columns[:n], counts[:n]
    codes = code_points.astype(np.uint64) + 1
    # double[k]: positions k and k+1 are both spaces; a window may not contain such a pair
    space = codes == _SPACE + 1
    double = np.concatenate(([0], np.cumsum(space[:-1] & space[1:], dtype=np.int64)))
    # one sortable key per n-gram occurrence: post * n_features + column
    key_type = np.uint32 if len(texts) * n_features < 2**32 else np.uint64
    post = np.repeat(np.arange(len(texts), dtype=key_type), lengths) * key_type(n_features)
    keys = []
    for n, hashed in _hash_windows(codes, *ngram_range):
        valid = np.flatnonzero(double[n - 1 : n - 1 + len(hashed)] == double[: len(hashed)])
        keys.append(post[valid] + (hashed[valid] % np.uint64(n_features)).astype(key_type))
    unique, counts = count_keys(np.concatenate(keys))
    rows, columns = unique // key_type(n_features), unique % key_type(n_features)
    return rows.astype(np.intp), columns.astype(np.int32), counts


def sort_keys(keys: np.ndarray) -> np.ndarray:
    """`keys` sorted. 32-bit keys are radix-sorted in two 16-bit passes (numpy's stable
    sort of 16-bit integers is a radix sort): 2.5x quicker than np.sort, measured on
    n-gram keys of a chunk; wider keys go to np.sort."""
    if keys.dtype != np.uint32:
        return np.sort(keys)
    low_first = keys[np.argsort(keys.astype(np.uint16), kind="stable")]
    return low_first[np.argsort((low_first >> np.uint32(16)).astype(np.uint16), kind="stable")]


def count_keys(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct keys, sorted, and how often each occurs (np.unique, without its copies)."""
    key = sort_keys(keys)
    if not len(key):
        return key, np.zeros(0, dtype=np.int64)
    first = np.flatnonzero(np.concatenate(([True], key[1:] != key[:-1])))
    return key[first], np.diff(np.append(first, len(key)))


def hashed_counts(texts: Sequence[str], ngram_range: tuple[int, int] = (2, 4),
                  n_features: int = 2**18) -> sparse.csr_matrix:
    """Counts of each post's char_wb n-grams, hashed into `n_features` columns."""
    lo, hi = ngram_range
    if not 1 <= lo <= hi:
        raise ValueError(f"bad ngram_range {ngram_range!r}")
    blocks = [_batch_counts(batch, (lo, hi), n_features)
              for batch in in_batches(texts, _BATCH_CHARS, _BATCH_POSTS)]
    if not blocks:
        return sparse.csr_matrix((0, n_features))
    return blocks[0] if len(blocks) == 1 else sparse.vstack(blocks, format="csr")


def in_batches(items: Iterable[Sized], max_length: int, max_items: int | None = None
               ) -> Iterator[list]:
    """Consecutive runs of `items` that reach `max_length` in total length (or `max_items`
    items) and no more: numpy passes over a batch keep their temporary arrays bounded."""
    batch: list = []
    length = 0
    for item in items:
        batch.append(item)
        length += len(item)
        if length >= max_length or (max_items is not None and len(batch) >= max_items):
            yield batch
            batch, length = [], 0
    if batch:
        yield batch


def smooth_idf(counts: sparse.csr_matrix) -> np.ndarray:
    """Inverse document frequency per column, smoothed as scikit-learn's TfidfTransformer
    does by default: ln((1 + n) / (1 + df)) + 1."""
    n = counts.shape[0]
    df = np.bincount(counts.indices, minlength=counts.shape[1])
    return np.log((1.0 + n) / (1.0 + df)) + 1.0


def _tfidf_values(counts: np.ndarray, rows: np.ndarray, columns: np.ndarray, idf: np.ndarray,
                  n_rows: int) -> np.ndarray:
    """Sublinear TF-IDF of sparse entries (row, column, count), l2-normalised per row."""
    data = (np.log(counts.astype(np.float64)) + 1.0) * idf[columns]
    norms = np.sqrt(np.bincount(rows, weights=data**2, minlength=n_rows))
    norms[norms == 0] = 1.0
    data /= norms[rows]
    return data


def tfidf_rows(counts: sparse.csr_matrix, idf: np.ndarray) -> sparse.csr_matrix:
    """Sublinear TF-IDF with l2-normalised rows (TfidfTransformer(sublinear_tf=True))."""
    out = sparse.csr_matrix(counts, dtype=np.float64, copy=True)
    rows = np.repeat(np.arange(out.shape[0]), np.diff(out.indptr))
    out.data = _tfidf_values(out.data, rows, out.indices, idf, out.shape[0])
    return out


_LOG_TABLE = np.zeros(0)


def _log_plus_one(top: int) -> np.ndarray:
    """np.log(count) + 1.0 for every count up to `top` (index 0 unused), as `_tfidf_values`
    computes it: the compiled dot product reads its logarithms from numpy."""
    global _LOG_TABLE
    if len(_LOG_TABLE) <= top:
        size = max(top + 1, 2 * len(_LOG_TABLE), 1024)
        _LOG_TABLE = np.log(np.maximum(np.arange(size), 1).astype(np.float64)) + 1.0
    return _LOG_TABLE


def tfidf_dot(texts: Sequence[str], ngram_range: tuple[int, int], idf: np.ndarray,
              weights: np.ndarray) -> np.ndarray:
    """Each post's TF-IDF row dotted with `weights`: `tfidf_rows(hashed_counts(texts), idf)
    @ weights`, the same floating-point operations in the same order (so the same bits),
    without building the sparse matrices."""
    out = np.zeros(len(texts))
    start = 0
    for batch in in_batches(texts, _BATCH_CHARS, _BATCH_POSTS):
        rows, columns, counts = _batch_entries(batch, ngram_range, len(idf))
        if compiled.FAST is not None:
            table = _log_plus_one(int(counts.max()) if len(counts) else 0)
            part = out[start : start + len(batch)]
            compiled.FAST.tfidf_dot(rows, columns, counts, table, idf, weights, part)
            start += len(batch)
            continue
        data = _tfidf_values(counts, rows, columns, idf, len(batch))
        out[start : start + len(batch)] = np.bincount(rows, weights=data * weights[columns],
                                                      minlength=len(batch))
        start += len(batch)
    return out


def ngram_shares(text: str, row: sparse.csr_matrix, coef: np.ndarray,
                 ngram_range: tuple[int, int], n_features: int) -> dict[str, float]:
    """Each distinct n-gram's share of a post's wording term (the shares sum to the term).

    `row` is the post's TF-IDF row and `coef` the classifier weights of its columns.
    N-grams that share a hash bucket split that bucket's contribution equally.
    """
    value = dict(zip(row.indices.tolist(), row.data.tolist(), strict=True))
    buckets: dict[int, list[str]] = {}
    for gram in set(char_ngrams(text, ngram_range)):
        buckets.setdefault(bucket(gram, n_features), []).append(gram)
    out = {}
    for j, grams in buckets.items():
        share = float(coef[j]) * value.get(j, 0.0) / len(grams)
        for gram in grams:
            out[gram] = share
    return out

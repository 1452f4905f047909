/* Compiled inner loops of batch scoring: the same integers as the numpy code they replace.
 *
 * Optional: scamscore works without this module (setup.py builds it when a C compiler is
 * there; ngrams.py and language.py fall back to numpy otherwise). Only integer work is
 * done here (hashing, sorting, counting, an automaton walk); every floating-point
 * operation stays in numpy, so scores are the same bits with or without it.
 *
 * No numpy headers: arrays come in through the buffer protocol, and the caller allocates
 * the output arrays (at most one entry per window or byte).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>

#define API_VERSION 4 /* compiled.API_VERSION: raise both when a function changes */
#define SEED 0x9E3779B97F4A7C15ULL
#define PRIME 0x100000001B3ULL
#define MIX 0xFF51AFD7ED558CCDULL
#define SPACE_CODE 33u /* a space, after the +1 every code gets */
#define RADIX_BITS 11
#define RADIX_SIZE (1u << RADIX_BITS)
#define LANES 16 /* posts walked side by side by automaton_entries */

/* Whether the ASCII string s occurs in the str data at position x. */
static int literal_at(int kind, const void *data, Py_ssize_t len, Py_ssize_t x, const char *s) {
    for (; *s; s++, x++)
        if (x >= len || PyUnicode_READ(kind, data, x) != (Py_UCS4)(unsigned char)*s)
            return 0;
    return 1;
}

/* Appends the tuple (a, b) to list; -1 (an exception set) on failure. */
static int append_span(PyObject *list, Py_ssize_t a, Py_ssize_t b) {
    PyObject *span = Py_BuildValue("(nn)", a, b);
    if (!span)
        return -1;
    int failed = PyList_Append(list, span);
    Py_DECREF(span);
    return failed;
}

/* A str argument's length, kind and data; -1 with a TypeError naming the function if arg
 * is not a str. */
static int read_str(PyObject *arg, const char *function, Py_ssize_t *len, int *kind, const void **data) {
    if (!PyUnicode_Check(arg)) {
        PyErr_Format(PyExc_TypeError, "%s: expected a str", function);
        return -1;
    }
    *len = PyUnicode_GET_LENGTH(arg);
    *kind = PyUnicode_KIND(arg);
    *data = PyUnicode_DATA(arg);
    return 0;
}

typedef struct {
    Py_buffer view;
    int held;
} Buffer;

static int get_buffer(PyObject *obj, Buffer *buf, Py_ssize_t itemsize, int writable, const char *what) {
    int flags = PyBUF_C_CONTIGUOUS | (writable ? PyBUF_WRITABLE : 0);
    buf->held = 0;
    if (PyObject_GetBuffer(obj, &buf->view, flags) < 0)
        return -1;
    buf->held = 1;
    if (buf->view.itemsize != itemsize) {
        PyErr_Format(PyExc_TypeError, "%s: expected items of %zd bytes, got %zd", what, itemsize,
                     buf->view.itemsize);
        return -1;
    }
    return 0;
}

static void release(Buffer *bufs, int n) {
    for (int i = 0; i < n; i++)
        if (bufs[i].held)
            PyBuffer_Release(&bufs[i].view);
}

/* Parses (str, int32 buffer) arguments; -1 (nothing held) on failure. */
static int text_and_table(PyObject *args, PyObject **text, Buffer *table, const char *what) {
    PyObject *table_obj;
    memset(table, 0, sizeof *table);
    if (!PyArg_ParseTuple(args, "UO", text, &table_obj))
        return -1;
    if (get_buffer(table_obj, table, 4, 0, what) < 0) {
        release(table, 1);
        return -1;
    }
    return 0;
}

/* Sorts keys[0..n) (all < 2**bits) with an LSD radix sort; tmp has room for n keys.
 * Returns the array holding the result (keys or tmp). */
static uint32_t *radix_sort(uint32_t *keys, uint32_t *tmp, Py_ssize_t n, int bits, uint32_t *hist) {
    uint32_t *src = keys, *dst = tmp;
    for (int shift = 0; shift < bits; shift += RADIX_BITS) {
        memset(hist, 0, RADIX_SIZE * sizeof(uint32_t));
        for (Py_ssize_t i = 0; i < n; i++)
            hist[(src[i] >> shift) & (RADIX_SIZE - 1)]++;
        uint32_t total = 0;
        for (uint32_t d = 0; d < RADIX_SIZE; d++) {
            uint32_t c = hist[d];
            hist[d] = total;
            total += c;
        }
        for (Py_ssize_t i = 0; i < n; i++)
            dst[hist[(src[i] >> shift) & (RADIX_SIZE - 1)]++] = src[i];
        uint32_t *swap = src;
        src = dst;
        dst = swap;
    }
    return src;
}

static int bits_for(uint64_t n) {
    int bits = 1;
    while (bits < 64 && ((uint64_t)1 << bits) < n)
        bits++;
    return bits;
}

/* Appends (row, key, count) of each distinct key of sorted[0..n) to the outputs. */
static Py_ssize_t run_lengths(const uint32_t *sorted, Py_ssize_t n, int64_t row, int64_t *rows,
                              void *keys_out, int keys_are_64, int64_t *counts, Py_ssize_t out) {
    Py_ssize_t i = 0;
    while (i < n) {
        Py_ssize_t j = i + 1;
        while (j < n && sorted[j] == sorted[i])
            j++;
        rows[out] = row;
        if (keys_are_64)
            ((int64_t *)keys_out)[out] = sorted[i];
        else
            ((int32_t *)keys_out)[out] = (int32_t)sorted[i];
        counts[out] = j - i;
        out++;
        i = j;
    }
    return out;
}

PyDoc_STRVAR(ngram_entries_doc,
"ngram_entries(codes, lengths, lo, hi, n_features, rows, columns, counts) -> int\n\n"
"(post, column, count) of each distinct hashed char_wb n-gram, by post then column, as\n"
"ngrams._batch_entries computes them. codes: uint32 code points of the padded posts laid\n"
"end to end; lengths: int64 code points of each post (with its joining space). rows\n"
"(int64), columns (int32) and counts (int64) receive the entries; returns how many.");

static PyObject *ngram_entries(PyObject *self, PyObject *args) {
    PyObject *codes_obj, *lengths_obj, *rows_obj, *columns_obj, *counts_obj;
    int lo, hi;
    unsigned long long n_features;
    if (!PyArg_ParseTuple(args, "OOiiKOOO", &codes_obj, &lengths_obj, &lo, &hi, &n_features,
                          &rows_obj, &columns_obj, &counts_obj))
        return NULL;
    if (lo < 1 || hi < lo || n_features < 1 || n_features > ((uint64_t)1 << 31)) {
        PyErr_SetString(PyExc_ValueError, "bad n-gram range or number of features");
        return NULL;
    }
    Buffer b[5];
    memset(b, 0, sizeof b);
    if (get_buffer(codes_obj, &b[0], 4, 0, "codes") < 0 || get_buffer(lengths_obj, &b[1], 8, 0, "lengths") < 0
        || get_buffer(rows_obj, &b[2], 8, 1, "rows") < 0 || get_buffer(columns_obj, &b[3], 4, 1, "columns") < 0
        || get_buffer(counts_obj, &b[4], 8, 1, "counts") < 0) {
        release(b, 5);
        return NULL;
    }
    const uint32_t *codes = b[0].view.buf;
    const int64_t *lengths = b[1].view.buf;
    Py_ssize_t n_codes = b[0].view.len / 4, n_posts = b[1].view.len / 8;
    Py_ssize_t capacity = b[3].view.len / 4;
    if (b[2].view.len / 8 < capacity || b[4].view.len / 8 < capacity) {
        PyErr_SetString(PyExc_ValueError, "output arrays of different sizes");
        release(b, 5);
        return NULL;
    }
    int64_t *rows = b[2].view.buf, *counts = b[4].view.buf;
    int32_t *columns = b[3].view.buf;
    Py_ssize_t longest = 0, total = 0;
    for (Py_ssize_t p = 0; p < n_posts; p++) {
        if (lengths[p] < 0) {
            PyErr_SetString(PyExc_ValueError, "negative post length");
            release(b, 5);
            return NULL;
        }
        if (lengths[p] > longest)
            longest = lengths[p];
        total += lengths[p];
    }
    if (total != n_codes || capacity < n_codes * (Py_ssize_t)(hi - lo + 1)) {
        PyErr_SetString(PyExc_ValueError, "lengths do not add up to the codes, or outputs too small");
        release(b, 5);
        return NULL;
    }
    Py_ssize_t room = longest * (hi - lo + 1) + 1;
    uint32_t *keys = malloc(sizeof(uint32_t) * room), *tmp = malloc(sizeof(uint32_t) * room);
    uint32_t *hist = malloc(sizeof(uint32_t) * RADIX_SIZE);
    if (!keys || !tmp || !hist) {
        free(keys);
        free(tmp);
        free(hist);
        release(b, 5);
        return PyErr_NoMemory();
    }
    int bits = bits_for(n_features);
    Py_ssize_t out = 0, start = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t p = 0; p < n_posts; start += lengths[p], p++) {
        Py_ssize_t n = 0, end = start + lengths[p];
        for (Py_ssize_t i = start; i < end; i++) {
            /* a window may not contain two adjacent spaces (a word or post boundary); it
             * may run past its post's end, as in numpy, but then it holds such a pair */
            uint64_t h = SEED;
            for (int k = 0; k < hi && i + k < n_codes; k++) {
                uint64_t c = (uint64_t)codes[i + k] + 1;
                if (k > 0 && c == SPACE_CODE && (uint64_t)codes[i + k - 1] + 1 == SPACE_CODE)
                    break;
                h = h * PRIME + c;
                if (k + 1 >= lo) {
                    uint64_t m = h ^ (h >> 33);
                    m *= MIX;
                    m ^= m >> 29;
                    keys[n++] = (uint32_t)(m % n_features);
                }
            }
        }
        uint32_t *sorted = radix_sort(keys, tmp, n, bits, hist);
        out = run_lengths(sorted, n, p, rows, columns, 0, counts, out);
    }
    Py_END_ALLOW_THREADS
    free(keys);
    free(tmp);
    free(hist);
    release(b, 5);
    return PyLong_FromSsize_t(out);
}

PyDoc_STRVAR(automaton_entries_doc,
"automaton_entries(data, lengths, moves, rowbase, output, n_features, rows, features, counts) -> int\n\n"
"(post, feature, count) of each distinct feature py3langid's automaton emits while reading\n"
"each post's bytes from its start state (its visit_counts), by post then feature. data:\n"
"the posts' bytes end to end; lengths: int64 bytes per post; moves, rowbase, output: int32\n"
"tables. rows and features (int64) and counts (int64) receive the entries; returns how many.");

static PyObject *automaton_entries(PyObject *self, PyObject *args) {
    PyObject *data_obj, *lengths_obj, *moves_obj, *rowbase_obj, *output_obj, *rows_obj, *features_obj,
        *counts_obj;
    unsigned long long n_features;
    if (!PyArg_ParseTuple(args, "OOOOOKOOO", &data_obj, &lengths_obj, &moves_obj, &rowbase_obj,
                          &output_obj, &n_features, &rows_obj, &features_obj, &counts_obj))
        return NULL;
    if (n_features < 1 || n_features > ((uint64_t)1 << 31)) {
        PyErr_SetString(PyExc_ValueError, "bad number of features");
        return NULL;
    }
    Buffer b[8];
    memset(b, 0, sizeof b);
    if (get_buffer(data_obj, &b[0], 1, 0, "data") < 0 || get_buffer(lengths_obj, &b[1], 8, 0, "lengths") < 0
        || get_buffer(moves_obj, &b[2], 4, 0, "moves") < 0 || get_buffer(rowbase_obj, &b[3], 4, 0, "rowbase") < 0
        || get_buffer(output_obj, &b[4], 4, 0, "output") < 0 || get_buffer(rows_obj, &b[5], 8, 1, "rows") < 0
        || get_buffer(features_obj, &b[6], 8, 1, "features") < 0
        || get_buffer(counts_obj, &b[7], 8, 1, "counts") < 0) {
        release(b, 8);
        return NULL;
    }
    const uint8_t *data = b[0].view.buf;
    const int64_t *lengths = b[1].view.buf;
    const int32_t *moves = b[2].view.buf, *rowbase = b[3].view.buf, *output = b[4].view.buf;
    Py_ssize_t n_data = b[0].view.len, n_posts = b[1].view.len / 8;
    Py_ssize_t n_moves = b[2].view.len / 4, n_states = b[3].view.len / 4;
    Py_ssize_t capacity = b[6].view.len / 8;
    Py_ssize_t longest = 0, total = 0;
    for (Py_ssize_t p = 0; p < n_posts; p++) {
        if (lengths[p] < 0)
            break;
        if (lengths[p] > longest)
            longest = lengths[p];
        total += lengths[p];
    }
    if (total != n_data || capacity < n_data || b[5].view.len / 8 < capacity || b[7].view.len / 8 < capacity
        || b[4].view.len / 4 != n_states) {
        PyErr_SetString(PyExc_ValueError, "inconsistent sizes of data, tables or outputs");
        release(b, 8);
        return NULL;
    }
    /* LANES posts are walked side by side: each walk is a chain of dependent reads in a
     * 39 MB table (a cache miss each), and independent chains let the CPU overlap them */
    Py_ssize_t room = longest + 1;
    uint32_t *keys = malloc(sizeof(uint32_t) * room * LANES), *tmp = malloc(sizeof(uint32_t) * room);
    uint32_t *hist = malloc(sizeof(uint32_t) * RADIX_SIZE);
    if (!keys || !tmp || !hist) {
        free(keys);
        free(tmp);
        free(hist);
        release(b, 8);
        return PyErr_NoMemory();
    }
    int bits = bits_for(n_features), bad = 0;
    Py_ssize_t out = 0, start = 0;
    Py_BEGIN_ALLOW_THREADS
    for (Py_ssize_t first = 0; first < n_posts && !bad; first += LANES) {
        int lanes = n_posts - first < LANES ? (int)(n_posts - first) : LANES;
        Py_ssize_t begin[LANES], size[LANES], n[LANES], steps = 0;
        int32_t state[LANES];
        for (int k = 0; k < lanes; k++) {
            begin[k] = start;
            size[k] = lengths[first + k];
            start += size[k];
            n[k] = 0;
            state[k] = 0;
            if (size[k] > steps)
                steps = size[k];
        }
        for (Py_ssize_t t = 0; t < steps && !bad; t++) {
            for (int k = 0; k < lanes; k++) {
                if (t >= size[k])
                    continue;
                int64_t move = (int64_t)rowbase[state[k]] + data[begin[k] + t];
                if (move < 0 || move >= n_moves || moves[move] < 0 || moves[move] >= n_states) {
                    bad = 1;
                    break;
                }
                state[k] = moves[move];
                int32_t f = output[state[k]];
                if (f >= 0)
                    keys[k * room + n[k]++] = (uint32_t)f;
            }
        }
        for (int k = 0; k < lanes && !bad; k++) {
            uint32_t *sorted = radix_sort(keys + k * room, tmp, n[k], bits, hist);
            out = run_lengths(sorted, n[k], first + k, b[5].view.buf, b[6].view.buf, 1, b[7].view.buf, out);
        }
    }
    Py_END_ALLOW_THREADS
    free(keys);
    free(tmp);
    free(hist);
    release(b, 8);
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "the automaton left its tables");
        return NULL;
    }
    return PyLong_FromSsize_t(out);
}

PyDoc_STRVAR(tfidf_dot_doc,
"tfidf_dot(rows, columns, counts, log_plus_one, idf, weights, out) -> None\n\n"
"out[row] = each post's sublinear, l2-normalised TF-IDF entries dotted with weights, in\n"
"the order of ngrams.tfidf_dot's numpy operations (so the same bits): an entry's value\n"
"is log_plus_one[count] * idf[column] (the table is numpy's log(count) + 1), the squares\n"
"and then the products are summed in entry order. rows: int64 (sorted), columns: int32,\n"
"counts: int64, the rest float64; out starts at zero.");

static PyObject *tfidf_dot(PyObject *self, PyObject *args) {
    PyObject *objs[7];
    if (!PyArg_ParseTuple(args, "OOOOOOO", &objs[0], &objs[1], &objs[2], &objs[3], &objs[4], &objs[5],
                          &objs[6]))
        return NULL;
    static const char *names[7] = {"rows", "columns", "counts", "log_plus_one", "idf", "weights", "out"};
    static const Py_ssize_t sizes[7] = {8, 4, 8, 8, 8, 8, 8};
    Buffer b[7];
    memset(b, 0, sizeof b);
    for (int k = 0; k < 7; k++) {
        if (get_buffer(objs[k], &b[k], sizes[k], k == 6, names[k]) < 0) {
            release(b, 7);
            return NULL;
        }
    }
    const int64_t *rows = b[0].view.buf, *counts = b[2].view.buf;
    const int32_t *columns = b[1].view.buf;
    const double *table = b[3].view.buf, *idf = b[4].view.buf, *weights = b[5].view.buf;
    double *out = b[6].view.buf;
    Py_ssize_t n = b[0].view.len / 8, n_table = b[3].view.len / 8, n_columns = b[4].view.len / 8;
    Py_ssize_t n_out = b[6].view.len / 8;
    int bad = b[1].view.len / 4 != n || b[2].view.len / 8 != n || b[5].view.len / 8 != n_columns;
    for (Py_ssize_t i = 0; i < n && !bad; i++)
        bad = rows[i] < 0 || rows[i] >= n_out || (i && rows[i] < rows[i - 1]) || columns[i] < 0
              || columns[i] >= n_columns || counts[i] < 0 || counts[i] >= n_table;
    if (bad) {
        PyErr_SetString(PyExc_ValueError, "tfidf_dot: inconsistent entries, table or outputs");
        release(b, 7);
        return NULL;
    }
    Py_BEGIN_ALLOW_THREADS
    Py_ssize_t i = 0;
    while (i < n) {
        Py_ssize_t j = i;
        double squares = 0.0;
        for (; j < n && rows[j] == rows[i]; j++) {
            double value = table[counts[j]] * idf[columns[j]];
            squares += value * value;
        }
        double norm = sqrt(squares);
        if (norm == 0.0)
            norm = 1.0;
        double total = 0.0;
        for (Py_ssize_t k = i; k < j; k++) {
            double value = table[counts[k]] * idf[columns[k]];
            total += (value / norm) * weights[columns[k]];
        }
        out[rows[i]] = total;
        i = j;
    }
    Py_END_ALLOW_THREADS
    release(b, 7);
    Py_RETURN_NONE;
}

PyDoc_STRVAR(splice_doc,
"splice(text, starts, ends, edits) -> (text, starts, ends)\n\n"
"normalize._Builder.apply: each (i, j, new) of edits (sorted, not overlapping) replaces\n"
"text[i:j], and the map of each character to its original span follows. starts and ends:\n"
"int32 buffers (None: the identity map, kept implicit while no edit changes a length);\n"
"they come back as bytes of int32, or None.");

typedef struct {
    Py_ssize_t i, j;
    PyObject *new;
    Py_ssize_t n;
} Edit;

static PyObject *splice(PyObject *self, PyObject *args) {
    PyObject *text, *starts_obj, *ends_obj, *edits_obj;
    if (!PyArg_ParseTuple(args, "UOOO!", &text, &starts_obj, &ends_obj, &PyList_Type, &edits_obj))
        return NULL;
    Py_ssize_t len = PyUnicode_GET_LENGTH(text), n_edits = PyList_GET_SIZE(edits_obj);
    int implicit = starts_obj == Py_None;
    if (implicit != (ends_obj == Py_None)) {
        PyErr_SetString(PyExc_ValueError, "splice: starts and ends must both be given or both be None");
        return NULL;
    }
    Edit *edits = PyMem_Malloc(sizeof(Edit) * (n_edits + 1));
    if (!edits)
        return PyErr_NoMemory();
    Py_ssize_t new_len = len, pos = 0;
    int same_lengths = 1;
    for (Py_ssize_t k = 0; k < n_edits; k++) {
        Edit *e = &edits[k];
        if (!PyArg_ParseTuple(PyList_GET_ITEM(edits_obj, k), "nnU", &e->i, &e->j, &e->new)) {
            PyMem_Free(edits);
            return NULL;
        }
        e->n = PyUnicode_GET_LENGTH(e->new);
        if (e->i < pos || e->j < e->i || e->j > len || (e->n && e->n != e->j - e->i && e->i >= len)) {
            PyMem_Free(edits);
            PyErr_SetString(PyExc_ValueError, "splice: edits out of order, overlapping or out of range");
            return NULL;
        }
        pos = e->j;
        new_len += e->n - (e->j - e->i);
        if (e->n != e->j - e->i)
            same_lengths = 0;
    }
    /* built in UCS-4, then made canonical (the narrowest kind that holds it: CPython
     * compares and hashes strings assuming so) */
    Py_UCS4 *chars = PyMem_Malloc(sizeof(Py_UCS4) * (new_len + 1));
    if (!chars) {
        PyMem_Free(edits);
        return PyErr_NoMemory();
    }
    int text_kind = PyUnicode_KIND(text);
    const void *text_data = PyUnicode_DATA(text);
    Py_ssize_t at = 0;
    pos = 0;
    for (Py_ssize_t k = 0; k <= n_edits; k++) {
        Py_ssize_t i = k < n_edits ? edits[k].i : len;
        for (Py_ssize_t x = pos; x < i; x++)
            chars[at++] = PyUnicode_READ(text_kind, text_data, x);
        if (k < n_edits) {
            int kind = PyUnicode_KIND(edits[k].new);
            const void *data = PyUnicode_DATA(edits[k].new);
            for (Py_ssize_t x = 0; x < edits[k].n; x++)
                chars[at++] = PyUnicode_READ(kind, data, x);
            pos = edits[k].j;
        }
    }
    PyObject *out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, chars, new_len);
    PyMem_Free(chars);
    if (!out) {
        PyMem_Free(edits);
        return NULL;
    }
    if (implicit && same_lengths) {
        PyMem_Free(edits);
        return Py_BuildValue("(NOO)", out, Py_None, Py_None);
    }
    Buffer maps[2];
    memset(maps, 0, sizeof maps);
    if (!implicit && (get_buffer(starts_obj, &maps[0], 4, 0, "starts") < 0
                      || get_buffer(ends_obj, &maps[1], 4, 0, "ends") < 0)) {
        release(maps, 2);
        goto fail_text;
    }
    if (!implicit && (maps[0].view.len / 4 != len || maps[1].view.len / 4 != len)) {
        release(maps, 2);
        PyErr_SetString(PyExc_ValueError, "splice: maps and text of different lengths");
        goto fail_text;
    }
    const int32_t *old_starts = implicit ? NULL : maps[0].view.buf, *old_ends = implicit ? NULL : maps[1].view.buf;
    PyObject *starts_out = PyBytes_FromStringAndSize(NULL, new_len * 4);
    PyObject *ends_out = PyBytes_FromStringAndSize(NULL, new_len * 4);
    if (!starts_out || !ends_out) {
        Py_XDECREF(starts_out);
        Py_XDECREF(ends_out);
        release(maps, 2);
        goto fail_text;
    }
    int32_t *ns = (int32_t *)PyBytes_AS_STRING(starts_out), *ne = (int32_t *)PyBytes_AS_STRING(ends_out);
#define START_AT(x) (implicit ? (int32_t)(x) : old_starts[x])
#define END_AT(x) (implicit ? (int32_t)(x) + 1 : old_ends[x])
    at = 0;
    pos = 0;
    for (Py_ssize_t k = 0; k <= n_edits; k++) {
        Py_ssize_t i = k < n_edits ? edits[k].i : len;
        for (Py_ssize_t x = pos; x < i; x++, at++) {
            ns[at] = START_AT(x);
            ne[at] = END_AT(x);
        }
        if (k == n_edits)
            break;
        Edit *e = &edits[k];
        if (e->n == e->j - e->i) {
            for (Py_ssize_t x = e->i; x < e->j; x++, at++) {
                ns[at] = START_AT(x);
                ne[at] = END_AT(x);
            }
        } else if (e->n) {
            /* as Python indexes: ends[j - 1] is the last one when j == 0 */
            Py_ssize_t last = e->j - 1 < 0 ? len - 1 : e->j - 1;
            int32_t lo = START_AT(e->i), hi = END_AT(last);
            for (Py_ssize_t x = 0; x < e->n; x++, at++) {
                ns[at] = lo;
                ne[at] = hi;
            }
        }
        pos = e->j;
    }
#undef START_AT
#undef END_AT
    release(maps, 2);
    PyMem_Free(edits);
    return Py_BuildValue("(NNN)", out, starts_out, ends_out);
fail_text:
    Py_DECREF(out);
    PyMem_Free(edits);
    return NULL;
}

PyDoc_STRVAR(noise_to_spaces_doc,
"noise_to_spaces(text) -> str\n\n"
"language._NOISE.sub(' ', text): links, e-mail addresses, @handles, '#', numbers and emoji\n"
"each become one space, with Python's re semantics (its Unicode \\S, \\w and \\d; the\n"
"first alternative that matches wins; matching resumes after each match).");

static int is_emoji(Py_UCS4 ch) { return (ch >= 0x1F000 && ch <= 0x1FAFF) || (ch >= 0x2600 && ch <= 0x27BF); }

static PyObject *noise_to_spaces(PyObject *self, PyObject *arg) {
    Py_ssize_t len;
    int kind;
    const void *data;
    if (read_str(arg, "noise_to_spaces", &len, &kind, &data) < 0)
        return NULL;
    Py_UCS4 *out = PyMem_Malloc(sizeof(Py_UCS4) * (len + 1));
    if (!out)
        return PyErr_NoMemory();
#define AT(x) PyUnicode_READ(kind, data, (x))
#define LITERAL(x, s) literal_at(kind, data, len, (x), (s))
    Py_ssize_t n = 0, p = 0, run_end = -1, last_at = -1;
    while (p < len) {
        Py_UCS4 ch = AT(p);
        Py_ssize_t end = -1;
        if (!Py_UNICODE_ISSPACE(ch)) {
            if (p >= run_end) { /* a new run of non-space characters: its end, its last '@' */
                run_end = p;
                last_at = -1;
                while (run_end < len && !Py_UNICODE_ISSPACE(AT(run_end))) {
                    if (AT(run_end) == '@')
                        last_at = run_end;
                    run_end++;
                }
                if (last_at == run_end - 1) { /* '@' must be followed by a non-space: the one before */
                    last_at = -1;
                    for (Py_ssize_t x = run_end - 2; x >= p; x--)
                        if (AT(x) == '@') {
                            last_at = x;
                            break;
                        }
                }
            }
            Py_ssize_t after = -1;
            if (LITERAL(p, "https://"))
                after = p + 8;
            else if (LITERAL(p, "http://"))
                after = p + 7;
            else if (LITERAL(p, "www."))
                after = p + 4;
            if (after >= 0 && after < run_end) /* \S+ after the prefix: the rest of the run */
                end = run_end;
            else if (last_at > p) /* \S+@\S+: an '@' after p with a non-space after it */
                end = run_end;
            else if (ch == '@' && p + 1 < len && (Py_UNICODE_ISALNUM(AT(p + 1)) || AT(p + 1) == '_')) {
                end = p + 1;
                while (end < len && (Py_UNICODE_ISALNUM(AT(end)) || AT(end) == '_'))
                    end++;
            } else if (ch == '#')
                end = p + 1;
            else if (Py_UNICODE_ISDECIMAL(ch)) {
                end = p + 1;
                while (end < len && Py_UNICODE_ISDECIMAL(AT(end)))
                    end++;
            } else if (is_emoji(ch))
                end = p + 1;
        }
        if (end > p) {
            out[n++] = ' ';
            p = end;
        } else {
            out[n++] = ch;
            p++;
        }
    }
#undef AT
#undef LITERAL
    PyObject *result = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, out, n);
    PyMem_Free(out);
    return result;
}

PyDoc_STRVAR(letter_runs_doc,
"letter_runs(text) -> list of (start, end)\n\n"
"For each run of three or more of the same letter (Python's [^\\W\\d_]), as\n"
"normalize._STRETCH.finditer finds them, the span after its first letter: the\n"
"characters that normalize._stretched removes.");

static PyObject *letter_runs(PyObject *self, PyObject *arg) {
    Py_ssize_t len;
    int kind;
    const void *data;
    if (read_str(arg, "letter_runs", &len, &kind, &data) < 0)
        return NULL;
    PyObject *out = PyList_New(0);
    if (!out)
        return NULL;
    Py_ssize_t p = 0;
    while (p + 2 < len) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, p);
        if (PyUnicode_READ(kind, data, p + 1) == ch && PyUnicode_READ(kind, data, p + 2) == ch
            && Py_UNICODE_ISALNUM(ch) && !Py_UNICODE_ISDECIMAL(ch) && ch != '_') {
            Py_ssize_t end = p + 3;
            while (end < len && PyUnicode_READ(kind, data, end) == ch)
                end++;
            if (append_span(out, p + 1, end) < 0) {
                Py_DECREF(out);
                return NULL;
            }
            p = end;
        } else {
            p++;
        }
    }
    return out;
}

PyDoc_STRVAR(case_counts_doc,
"case_counts(text) -> (upper, lower)\n\n"
"How many characters of text are upper-case and lower-case, as str.isupper and\n"
"str.islower tell for each character alone (computed.case_counts).");

static PyObject *case_counts(PyObject *self, PyObject *arg) {
    Py_ssize_t len, upper = 0, lower = 0;
    int kind;
    const void *data;
    if (read_str(arg, "case_counts", &len, &kind, &data) < 0)
        return NULL;
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch < 128) {
            upper += ch >= 'A' && ch <= 'Z';
            lower += ch >= 'a' && ch <= 'z';
        } else {
            upper += Py_UNICODE_ISUPPER(ch) != 0;
            lower += Py_UNICODE_ISLOWER(ch) != 0;
        }
    }
    return Py_BuildValue("(nn)", upper, lower);
}

static int is_word(Py_UCS4 ch) { return Py_UNICODE_ISALNUM(ch) || ch == '_'; } /* re's \\w */

PyDoc_STRVAR(leet_tokens_doc,
"leet_tokens(text) -> list of (start, end)\n\n"
"The spans normalize._LEET_TOKEN.finditer finds -- each longest run of word characters,\n"
"'@' and '$' -- that hold one of 0134578@$ after an alphabetic character (str.isalpha):\n"
"the leetspeak pass skips the others (numbers, amounts, '18ans') unread.");

static PyObject *leet_tokens(PyObject *self, PyObject *arg) {
    Py_ssize_t len;
    int kind;
    const void *data;
    if (read_str(arg, "leet_tokens", &len, &kind, &data) < 0)
        return NULL;
    PyObject *out = PyList_New(0);
    if (!out)
        return NULL;
    Py_ssize_t p = 0;
    while (p < len) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, p);
        if (!(is_word(ch) || ch == '@' || ch == '$')) {
            p++;
            continue;
        }
        Py_ssize_t end = p;
        int letter = 0, leet_after_letter = 0;
        for (; end < len; end++) {
            ch = PyUnicode_READ(kind, data, end);
            if (!(is_word(ch) || ch == '@' || ch == '$'))
                break;
            leet_after_letter |= letter && (ch == '0' || ch == '1' || ch == '3' || ch == '4' || ch == '5'
                                            || ch == '7' || ch == '8' || ch == '@' || ch == '$');
            letter |= Py_UNICODE_ISALPHA(ch) != 0;
        }
        if (leet_after_letter && append_span(out, p, end) < 0) {
            Py_DECREF(out);
            return NULL;
        }
        p = end;
    }
    return out;
}

PyDoc_STRVAR(removals_doc,
"removals(text, ranges) -> (edits, between_letters)\n\n"
"normalize._invisible's work: an edit (i, i + 1, '') for each character of text in one\n"
"of ranges (int32 pairs first, last, inclusive; normalize._INVISIBLE is built from the\n"
"same), and the span (i - 1, i + 2) of each such character that sits between two\n"
"alphabetic ones (str.isalpha), i.e. hides inside a word.");

static PyObject *removals(PyObject *self, PyObject *args) {
    PyObject *text;
    Buffer b[1];
    if (text_and_table(args, &text, &b[0], "ranges") < 0)
        return NULL;
    const int32_t *ranges = b[0].view.buf;
    Py_ssize_t n_ranges = b[0].view.len / 8, len = PyUnicode_GET_LENGTH(text);
    Py_UCS4 lowest = 0x110000;
    for (Py_ssize_t r = 0; r < n_ranges; r++)
        if ((Py_UCS4)ranges[2 * r] < lowest)
            lowest = (Py_UCS4)ranges[2 * r];
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    PyObject *edits = PyList_New(0), *glued = PyList_New(0), *empty = PyUnicode_New(0, 0);
    if (!edits || !glued || !empty)
        goto fail;
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if (ch < lowest)
            continue;
        for (Py_ssize_t r = 0; r < n_ranges; r++) {
            if (ch < (Py_UCS4)ranges[2 * r] || ch > (Py_UCS4)ranges[2 * r + 1])
                continue;
            PyObject *edit = Py_BuildValue("(nnO)", i, i + 1, empty);
            if (!edit || PyList_Append(edits, edit) < 0) {
                Py_XDECREF(edit);
                goto fail;
            }
            Py_DECREF(edit);
            if (i > 0 && i + 1 < len && Py_UNICODE_ISALPHA(PyUnicode_READ(kind, data, i - 1))
                && Py_UNICODE_ISALPHA(PyUnicode_READ(kind, data, i + 1)) && append_span(glued, i - 1, i + 2) < 0)
                goto fail;
            break;
        }
    }
    release(b, 1);
    Py_DECREF(empty);
    return Py_BuildValue("(NN)", edits, glued);
fail:
    Py_XDECREF(edits);
    Py_XDECREF(glued);
    Py_XDECREF(empty);
    release(b, 1);
    return NULL;
}

PyDoc_STRVAR(translate_doc,
"translate(text, table) -> str\n\n"
"text with each character below len(table) replaced by the one table (int32 code\n"
"points) gives it: a one-for-one map, so offsets do not move (normalize's fold of\n"
"accents, typographic punctuation and Arabic letter variants).");

static PyObject *translate(PyObject *self, PyObject *args) {
    PyObject *text;
    Buffer b[1];
    if (text_and_table(args, &text, &b[0], "table") < 0)
        return NULL;
    const int32_t *table = b[0].view.buf;
    Py_ssize_t size = b[0].view.len / 4, len = PyUnicode_GET_LENGTH(text);
    int kind = PyUnicode_KIND(text);
    const void *data = PyUnicode_DATA(text);
    Py_UCS4 *chars = PyMem_Malloc(sizeof(Py_UCS4) * (len + 1));
    if (!chars) {
        release(b, 1);
        return PyErr_NoMemory();
    }
    /* only the entries read are checked: a large table (NFKC's, ~200k entries) costs
     * nothing per call beyond the text */
    for (Py_ssize_t i = 0; i < len; i++) {
        Py_UCS4 ch = PyUnicode_READ(kind, data, i);
        if ((Py_ssize_t)ch < size) {
            if (table[ch] < 0 || table[ch] > 0x10FFFF) {
                release(b, 1);
                PyMem_Free(chars);
                PyErr_SetString(PyExc_ValueError, "translate: not a code point in the table");
                return NULL;
            }
            ch = (Py_UCS4)table[ch];
        }
        chars[i] = ch;
    }
    release(b, 1);
    PyObject *out = PyUnicode_FromKindAndData(PyUnicode_4BYTE_KIND, chars, len);
    PyMem_Free(chars);
    return out;
}

static PyMethodDef methods[] = {
    {"translate", translate, METH_VARARGS, translate_doc},
    {"leet_tokens", leet_tokens, METH_O, leet_tokens_doc},
    {"removals", removals, METH_VARARGS, removals_doc},
    {"letter_runs", letter_runs, METH_O, letter_runs_doc},
    {"case_counts", case_counts, METH_O, case_counts_doc},
    {"noise_to_spaces", noise_to_spaces, METH_O, noise_to_spaces_doc},
    {"splice", splice, METH_VARARGS, splice_doc},
    {"tfidf_dot", tfidf_dot, METH_VARARGS, tfidf_dot_doc},
    {"ngram_entries", ngram_entries, METH_VARARGS, ngram_entries_doc},
    {"automaton_entries", automaton_entries, METH_VARARGS, automaton_entries_doc},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "scamscore._fast",
    "Compiled inner loops of batch scoring (optional; numpy does the same without it).", -1, methods,
};

PyMODINIT_FUNC PyInit__fast(void) {
    PyObject *m = PyModule_Create(&module);
    /* compiled.py uses this module only if it is the version the Python code expects (a
     * build left from an older checkout is ignored rather than called wrongly) */
    if (m && PyModule_AddIntConstant(m, "API_VERSION", API_VERSION) < 0) {
        Py_DECREF(m);
        return NULL;
    }
    return m;
}

/* Compiled kernels for building and searching one multi-index segment of PDQ hashes (see _pdq_segment.py).

   Plain C, built by setuptools when tutela is installed (setup.py), so a look-up pays no JIT start-up: the numba
   version of these kernels cost ~1 s of import and first-call time in every fresh `tutela lookup`, four times the
   search itself. A query runs in passes that each make only independent random reads (bucket bounds of every
   probe, then the bucket entries, then the candidate rows), so the CPU overlaps their cache misses; the distance
   loops are branch-free for the same reason. Both functions drop the GIL, so threads search in parallel.

   Hashes are (N, 4) uint64 words, the little-endian view of the 32 bytes; bit j of the hash is bit j % 64 of word
   j // 64. Callers pass C-contiguous arrays of the documented dtypes; sizes are checked here, contents (bucket
   offsets, entry positions) are clamped so a damaged file cannot make a search read outside its arrays. */

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define BLOCK 1024
#define MAX_THRESHOLD 256
/* How far ahead the search prefetches: the candidate rows (32 bytes each, at random in the row array) and the
   buckets of the probes (in the offsets and orders arrays). Out-of-order execution alone kept only a few of these
   independent misses in flight (~32 ns a random read at 10M entries); explicit prefetches this far ahead cut a
   10M-entry search from 0.39 to 0.12 ms a query on this machine (bench/match.py). Measured: rows 8/16/32/64/128
   ahead gave 0.20/0.16/0.13/0.115/0.115 ms, probes 8/16/32/64 about the same from 16 on. */
#define PREFETCH_ROWS 64
#define PREFETCH_PROBES 32

#if defined(__x86_64__) && defined(__GNUC__)
/* The functions that count bits come in two builds, with the POPCNT instruction and without; the loader picks the
   one this CPU runs (GCC function multi-versioning), so the compiled module is not tied to the build machine. */
#define HOT __attribute__((target_clones("popcnt", "default")))
#else
#define HOT
#endif

static inline int64_t part_key(const uint64_t *row, int64_t start, int64_t width) {
    int64_t word = start >> 6, shift = start & 63;
    uint64_t value = row[word] >> shift;
    if (shift + width > 64) value |= row[word + 1] << (64 - shift);
    return (int64_t)(value & ((UINT64_C(1) << width) - 1));
}

static inline int64_t distance(const uint64_t *row, const uint64_t *query) {
    return __builtin_popcountll(row[0] ^ query[0]) + __builtin_popcountll(row[1] ^ query[1]) +
           __builtin_popcountll(row[2] ^ query[2]) + __builtin_popcountll(row[3] ^ query[3]);
}

/* ---- build -------------------------------------------------------------------------------------------------- */

/* Counting sort of entry positions by one part's key: order (N,) int32, offsets (2^width + 1,) uint32. */
HOT static int build_part_c(const uint64_t *words, int64_t entries, int64_t start, int64_t width, int32_t *order,
                        uint32_t *offsets) {
    int64_t buckets = INT64_C(1) << width;
    uint32_t *keys = malloc((size_t)(entries > 0 ? entries : 1) * sizeof(uint32_t));
    int64_t *cursor = calloc((size_t)buckets + 1, sizeof(int64_t));
    if (keys == NULL || cursor == NULL) {
        free(keys);
        free(cursor);
        return -1;
    }
    for (int64_t row = 0; row < entries; row++) {
        int64_t key = part_key(words + 4 * row, start, width);
        keys[row] = (uint32_t)key;
        cursor[key + 1]++;
    }
    for (int64_t key = 0; key < buckets; key++) cursor[key + 1] += cursor[key];
    for (int64_t key = 0; key <= buckets; key++) offsets[key] = (uint32_t)cursor[key];
    for (int64_t row = 0; row < entries; row++) order[cursor[keys[row]]++] = (int32_t)row;
    free(keys);
    free(cursor);
    return 0;
}

/* ---- search ------------------------------------------------------------------------------------------------- */

typedef struct {
    const uint64_t *words;
    int64_t entries;
    const int32_t *bounds;
    int64_t parts;
    const int32_t *orders;   /* (parts, entries) */
    const uint32_t *offsets; /* bucket starts of every part, concatenated */
    int64_t offsets_length;
    const int64_t *offset_base;
    const uint32_t *masks; /* (parts, mask_length) */
    int64_t mask_length;
    const int64_t *mask_counts; /* (parts, radius_columns): probes of popcount <= r */
    int64_t radius_columns;
} Segment;

typedef struct {
    int32_t *query;
    int64_t *row;
    int16_t *dist;
    int64_t found, capacity;
} Hits;

static int hits_reserve(Hits *hits, int64_t needed) {
    if (needed <= hits->capacity) return 0;
    int64_t capacity = (2 * hits->capacity > needed ? 2 * hits->capacity : needed) + 2 * BLOCK;
    int32_t *query = realloc(hits->query, (size_t)capacity * sizeof(int32_t));
    if (query != NULL) hits->query = query;
    int64_t *row = realloc(hits->row, (size_t)capacity * sizeof(int64_t));
    if (row != NULL) hits->row = row;
    int16_t *dist = realloc(hits->dist, (size_t)capacity * sizeof(int16_t));
    if (dist != NULL) hits->dist = dist;
    if (query == NULL || row == NULL || dist == NULL) return -1;
    hits->capacity = capacity;
    return 0;
}

/* Per-search working memory, sized once for the segment's layout. */
typedef struct {
    int64_t *query_keys, *radii, *spans, *candidates, *candidate_parts, *came_from, *choice;
    double *costs, *best;
    int64_t candidate_capacity;
} Scratch;

static void scratch_free(Scratch *s) {
    free(s->query_keys);
    free(s->radii);
    free(s->spans);
    free(s->candidates);
    free(s->candidate_parts);
    free(s->came_from);
    free(s->choice);
    free(s->costs);
    free(s->best);
}

static int scratch_init(Scratch *s, const Segment *seg) {
    int64_t parts = seg->parts > 0 ? seg->parts : 1;
    int64_t table = (parts + 1) * (MAX_THRESHOLD + 2);
    memset(s, 0, sizeof(*s));
    s->query_keys = malloc((size_t)parts * sizeof(int64_t));
    s->radii = malloc((size_t)parts * sizeof(int64_t));
    s->spans = malloc((size_t)(parts * (seg->mask_length > 0 ? seg->mask_length : 1) * 2) * sizeof(int64_t));
    s->costs = malloc((size_t)(parts * seg->radius_columns + 1) * sizeof(double));
    s->best = malloc((size_t)table * sizeof(double));
    s->choice = malloc((size_t)table * sizeof(int64_t));
    s->came_from = malloc((size_t)table * sizeof(int64_t));
    s->candidate_capacity = BLOCK;
    s->candidates = malloc((size_t)BLOCK * sizeof(int64_t));
    s->candidate_parts = malloc((size_t)BLOCK * sizeof(int64_t));
    if (!s->query_keys || !s->radii || !s->spans || !s->costs || !s->best || !s->choice || !s->came_from ||
        !s->candidates || !s->candidate_parts) {
        scratch_free(s);
        return -1;
    }
    return 0;
}

static int scratch_candidates(Scratch *s, int64_t needed) {
    if (needed <= s->candidate_capacity) return 0;
    int64_t capacity = 2 * needed;
    int64_t *candidates = realloc(s->candidates, (size_t)capacity * sizeof(int64_t));
    if (candidates != NULL) s->candidates = candidates;
    int64_t *parts = realloc(s->candidate_parts, (size_t)capacity * sizeof(int64_t));
    if (parts != NULL) s->candidate_parts = parts;
    if (candidates == NULL || parts == NULL) return -1;
    s->candidate_capacity = capacity;
    return 0;
}

/* Every entry within threshold, by a sequential pass: for linear segments and for queries whose probe plan would
   touch a large share of the index (near-blank hashes, dense clusters). */
HOT static int linear_scan(const Segment *seg, const uint64_t *query, int64_t threshold, int32_t q, Hits *hits) {
    for (int64_t first = 0; first < seg->entries; first += BLOCK) {
        int64_t stop = first + BLOCK < seg->entries ? first + BLOCK : seg->entries;
        if (hits_reserve(hits, hits->found + (stop - first)) != 0) return -1;
        int64_t found = hits->found;
        for (int64_t row = first; row < stop; row++) {
            int64_t d = distance(seg->words + 4 * row, query);
            hits->query[found] = q;
            hits->row[found] = row;
            hits->dist[found] = (int16_t)d;
            found += d <= threshold;
        }
        hits->found = found;
    }
    return 0;
}

/* Bucket [start, stop) of every probe up to radius into spans[part, probe], and per part the candidates (plus one
   per probe) it would yield at radii 0..radius. Reads are independent, so their cache misses overlap. */
static void part_spans(const Segment *seg, Scratch *s, int64_t radius) {
    for (int64_t part = 0; part < seg->parts; part++) {
        int64_t total = 0, done = 0;
        const uint32_t *masks = seg->masks + part * seg->mask_length;
        const int64_t *counts = seg->mask_counts + part * seg->radius_columns;
        int64_t *spans = s->spans + part * seg->mask_length * 2;
        for (int64_t r = 0; r <= radius; r++) {
            for (int64_t probe = done; probe < counts[r]; probe++) {
                if (probe + PREFETCH_PROBES < counts[r]) {
                    int64_t ahead =
                        seg->offset_base[part] + (s->query_keys[part] ^ (int64_t)masks[probe + PREFETCH_PROBES]);
                    if (ahead >= 0 && ahead < seg->offsets_length) __builtin_prefetch(seg->offsets + ahead);
                }
                int64_t base = seg->offset_base[part] + (s->query_keys[part] ^ (int64_t)masks[probe]);
                int64_t first = 0, stop = 0;
                if (base >= 0 && base + 1 < seg->offsets_length) {
                    first = seg->offsets[base];
                    stop = seg->offsets[base + 1];
                    if (stop > seg->entries) stop = seg->entries;
                    if (first > stop) first = stop;
                }
                spans[2 * probe] = first;
                spans[2 * probe + 1] = stop;
                total += 1 + stop - first;
            }
            done = counts[r];
            s->costs[part * seg->radius_columns + r] = (double)total;
        }
    }
}

/* Cheapest per-part radii in {-1..radius} with sum >= need (dynamic programme over parts); returns its cost. */
static double choose_radii(const Segment *seg, Scratch *s, int64_t radius, int64_t need) {
    int64_t parts = seg->parts, target = need + parts, width = target + 1;
    for (int64_t i = 0; i < (parts + 1) * width; i++) {
        s->best[i] = INFINITY;
        s->choice[i] = 0;
        s->came_from[i] = 0;
    }
    s->best[0] = 0.0;
    for (int64_t part = 0; part < parts; part++) {
        for (int64_t reached = 0; reached <= target; reached++) {
            double here = s->best[part * width + reached];
            if (here == INFINITY) continue;
            for (int64_t r = -1; r <= radius; r++) {
                int64_t next = reached + r + 1 < target ? reached + r + 1 : target;
                double cost = here + (r < 0 ? 0.0 : s->costs[part * seg->radius_columns + r]);
                int64_t at = (part + 1) * width + next;
                if (cost < s->best[at]) {
                    s->best[at] = cost;
                    s->choice[at] = r;
                    s->came_from[at] = reached;
                }
            }
        }
    }
    int64_t reached = target;
    for (int64_t part = parts; part > 0; part--) {
        s->radii[part - 1] = s->choice[part * width + reached];
        reached = s->came_from[part * width + reached];
    }
    return s->best[parts * width + target];
}

/* True when an earlier probed part also holds this entry within its radius: it was reported there. */
static inline int seen_earlier(const Segment *seg, const Scratch *s, const uint64_t *row, int64_t part) {
    for (int64_t earlier = 0; earlier < part; earlier++) {
        if (s->radii[earlier] < 0) continue;
        int64_t start = seg->bounds[earlier];
        int64_t key = part_key(row, start, seg->bounds[earlier + 1] - start);
        if (__builtin_popcountll((uint64_t)(key ^ s->query_keys[earlier])) <= s->radii[earlier]) return 1;
    }
    return 0;
}

/* Candidates of the chosen probes, checked against the whole hash; each hit reported by its first finding part. */
HOT static int probe_parts(const Segment *seg, Scratch *s, const uint64_t *query, int64_t threshold, int32_t q,
                       Hits *hits) {
    int64_t count = 0;
    for (int64_t part = 0; part < seg->parts; part++) {
        if (s->radii[part] < 0) continue;
        const int32_t *order = seg->orders + part * seg->entries;
        const int64_t *spans = s->spans + part * seg->mask_length * 2;
        int64_t probes = seg->mask_counts[part * seg->radius_columns + s->radii[part]];
        for (int64_t probe = 0; probe < probes; probe++) {
            /* spans are clamped to the array, and a prefetch never faults */
            if (probe + PREFETCH_PROBES < probes) __builtin_prefetch(order + spans[2 * (probe + PREFETCH_PROBES)]);
            int64_t first = spans[2 * probe], stop = spans[2 * probe + 1];
            if (scratch_candidates(s, count + stop - first) != 0) return -1;
            for (int64_t slot = first; slot < stop; slot++) {
                int64_t row = order[slot];
                s->candidates[count] = row;
                s->candidate_parts[count] = part;
                count += (uint64_t)row < (uint64_t)seg->entries;
            }
        }
    }
    if (hits_reserve(hits, hits->found + count) != 0) return -1;
    /* Compact the candidates within threshold in place (branch-free: one independent row read each). */
    int64_t within = 0;
    for (int64_t c = 0; c < count; c++) {
        if (c + PREFETCH_ROWS < count) __builtin_prefetch(seg->words + 4 * s->candidates[c + PREFETCH_ROWS]);
        int64_t row = s->candidates[c];
        int64_t d = distance(seg->words + 4 * row, query);
        s->candidates[within] = row;
        s->candidate_parts[within] = s->candidate_parts[c];
        hits->dist[hits->found + within] = (int16_t)d;
        within += d <= threshold;
    }
    int64_t found = hits->found;
    for (int64_t k = 0; k < within; k++) {
        int64_t row = s->candidates[k];
        int16_t d = hits->dist[hits->found + k];
        if (!seen_earlier(seg, s, seg->words + 4 * row, s->candidate_parts[k])) {
            hits->query[found] = q;
            hits->row[found] = row;
            hits->dist[found] = d;
            found++;
        }
    }
    hits->found = found;
    return 0;
}

/* All (query, row, distance) with distance <= thresholds[query], in query order. A query whose cheapest probe
   plan would touch more than entries / linear_ratio candidates scans instead: a sequential scan beats that many
   random reads. */
static int search_c(const Segment *seg, const uint64_t *queries, const int32_t *thresholds, int64_t count,
                        double linear_ratio, Hits *hits) {
    Scratch s;
    if (scratch_init(&s, seg) != 0) return -1;
    int64_t max_radius = seg->radius_columns - 1;
    int status = 0;
    for (int64_t q = 0; q < count && status == 0; q++) {
        const uint64_t *query = queries + 4 * q;
        int64_t threshold = thresholds[q];
        if (threshold < 0) continue;
        if (threshold > MAX_THRESHOLD) threshold = MAX_THRESHOLD;
        int64_t parts = seg->parts;
        int64_t need = threshold - parts + 1;
        int64_t radius = need <= 0 || parts == 0 ? 0 : (need + parts - 1) / parts;
        int linear = parts == 0 || radius > max_radius;
        if (!linear) {
            for (int64_t part = 0; part < parts; part++)
                s.query_keys[part] = part_key(query, seg->bounds[part], seg->bounds[part + 1] - seg->bounds[part]);
            part_spans(seg, &s, radius);
            double plan_cost = choose_radii(seg, &s, radius, need);
            linear = plan_cost * linear_ratio > (double)seg->entries;
        }
        status = linear ? linear_scan(seg, query, threshold, (int32_t)q, hits)
                        : probe_parts(seg, &s, query, threshold, (int32_t)q, hits);
    }
    scratch_free(&s);
    return status;
}

/* ---- Python bindings ---------------------------------------------------------------------------------------- */

static int expect_size(const Py_buffer *buffer, Py_ssize_t bytes, const char *name) {
    if (buffer->len != bytes) {
        PyErr_Format(PyExc_ValueError, "%s: expected %zd bytes, got %zd", name, bytes, buffer->len);
        return -1;
    }
    return 0;
}

static PyObject *py_build_part(PyObject *self, PyObject *args) {
    Py_buffer words, order, offsets;
    long long start, width;
    if (!PyArg_ParseTuple(args, "y*LLw*w*", &words, &start, &width, &order, &offsets)) return NULL;
    PyObject *result = NULL;
    int64_t entries = words.len / 32;
    if (start < 0 || width < 1 || width > 31 || start + width > 256) {
        PyErr_SetString(PyExc_ValueError, "part must lie within the 256 bits and be 1-31 bits wide");
    } else if (words.len % 32 == 0 && expect_size(&order, entries * 4, "order") == 0 &&
               expect_size(&offsets, ((INT64_C(1) << width) + 1) * 4, "offsets") == 0) {
        int status;
        Py_BEGIN_ALLOW_THREADS
        status = build_part_c(words.buf, entries, start, width, order.buf, offsets.buf);
        Py_END_ALLOW_THREADS
        if (status != 0) {
            PyErr_NoMemory();
        } else {
            result = Py_NewRef(Py_None);
        }
    } else if (!PyErr_Occurred()) {
        PyErr_SetString(PyExc_ValueError, "words: length must be a multiple of 32 bytes");
    }
    PyBuffer_Release(&words);
    PyBuffer_Release(&order);
    PyBuffer_Release(&offsets);
    return result;
}

static int check_layout(Segment *seg, const Py_buffer *b) {
    /* b: words, bounds, orders, offsets, offset_base, masks, mask_counts */
    if (b[0].len % 32 != 0 || b[1].len % 4 != 0 || b[3].len % 4 != 0) {
        PyErr_SetString(PyExc_ValueError, "segment arrays have the wrong item sizes");
        return -1;
    }
    seg->words = b[0].buf;
    seg->entries = b[0].len / 32;
    seg->bounds = b[1].buf;
    seg->parts = b[1].len / 4 > 0 ? b[1].len / 4 - 1 : 0;
    seg->orders = b[2].buf;
    seg->offsets = b[3].buf;
    seg->offsets_length = b[3].len / 4;
    seg->offset_base = b[4].buf;
    seg->masks = b[5].buf;
    seg->mask_counts = b[6].buf;
    int64_t parts = seg->parts > 0 ? seg->parts : 1;
    seg->mask_length = b[5].len / 4 / parts;
    seg->radius_columns = b[6].len / 8 / parts;
    if (seg->parts > 0) {
        if (expect_size(&b[2], seg->parts * seg->entries * 4, "orders") != 0 ||
            expect_size(&b[4], seg->parts * 8, "offset_base") != 0 ||
            expect_size(&b[5], seg->parts * seg->mask_length * 4, "masks") != 0 ||
            expect_size(&b[6], seg->parts * seg->radius_columns * 8, "mask_counts") != 0)
            return -1;
        if (seg->radius_columns < 1) {
            PyErr_SetString(PyExc_ValueError, "mask_counts: no radius column");
            return -1;
        }
        for (int64_t part = 0; part < seg->parts; part++) {
            int64_t start = seg->bounds[part], width = seg->bounds[part + 1] - start;
            if (start < 0 || width < 1 || width > 31 || start + width > 256) {
                PyErr_SetString(PyExc_ValueError, "bounds: parts must lie within the 256 bits");
                return -1;
            }
            for (int64_t r = 0; r < seg->radius_columns; r++) {
                int64_t probes = seg->mask_counts[part * seg->radius_columns + r];
                if (probes < 0 || probes > seg->mask_length) {
                    PyErr_SetString(PyExc_ValueError, "mask_counts: more probes than masks");
                    return -1;
                }
            }
        }
    }
    return 0;
}

static PyObject *py_search(PyObject *self, PyObject *args) {
    Py_buffer b[9];
    double linear_ratio;
    memset(b, 0, sizeof(b));
    if (!PyArg_ParseTuple(args, "y*y*y*y*y*y*y*y*y*d", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &b[6], &b[7],
                          &b[8], &linear_ratio))
        return NULL;
    PyObject *result = NULL;
    Segment seg;
    Hits hits = {NULL, NULL, NULL, 0, 0};
    int64_t count = b[7].len / 32;
    if (check_layout(&seg, b) == 0 && b[7].len % 32 == 0 && expect_size(&b[8], count * 4, "thresholds") == 0) {
        int status = hits_reserve(&hits, 16 + 2 * count);
        if (status == 0) {
            Py_BEGIN_ALLOW_THREADS
            status = search_c(&seg, b[7].buf, b[8].buf, count, linear_ratio, &hits);
            Py_END_ALLOW_THREADS
        }
        if (status != 0) {
            PyErr_NoMemory();
        } else {
            result = Py_BuildValue("(NNN)",
                                   PyByteArray_FromStringAndSize((char *)hits.query, hits.found * 4),
                                   PyByteArray_FromStringAndSize((char *)hits.row, hits.found * 8),
                                   PyByteArray_FromStringAndSize((char *)hits.dist, hits.found * 2));
        }
    } else if (!PyErr_Occurred()) {
        PyErr_SetString(PyExc_ValueError, "queries: length must be a multiple of 32 bytes");
    }
    free(hits.query);
    free(hits.row);
    free(hits.dist);
    for (int i = 0; i < 9; i++) PyBuffer_Release(&b[i]);
    return result;
}

static PyMethodDef methods[] = {
    {"build_part", py_build_part, METH_VARARGS,
     "build_part(words, start, width, order, offsets): counting sort of entry positions by one part's key."},
    {"search", py_search, METH_VARARGS,
     "search(words, bounds, orders, offsets, offset_base, masks, mask_counts, queries, thresholds, linear_ratio)"
     " -> (query int32, row int64, distance int16) as bytearrays, in query order."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_mih", "Multi-index hashing kernels for PDQ hashes.",
                                    -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__mih(void) { return PyModule_Create(&module); }

/* PDQ of an 8-bit luma plane, bit for bit what Meta's C++ (and the pdqhash wheel wrapping it) computes.
 *
 * Why not pdqhash: for the fast path (a reduced JPEG's Y plane) half of `tutela hash`'s time went into it, and most
 * of that was not the algorithm: the wrapper turns the plane into three float64 planes and back to float32, and the
 * C++ box filter walks every column of the picture with a stride of a whole row, and fills every pixel of both
 * passes although only 64 x 64 samples are kept. Here the arithmetic is the reference's, operation for operation
 * and in the same order for every value (float32, each running sum added and subtracted as it does, divided as it
 * does), so the hashes are the same; what changes is the order in which independent lines are visited (columns
 * side by side, so the compiler vectorises them) and that values nobody reads are not computed.
 * The algorithm is described in Meta's "PDQ hashing" paper (ThreatExchange, pdqhash-2017-10-09.pdf).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIN_HASHABLE_DIM 5
#define PASSES 2

static float dct[16][64];

static void make_dct(void) {
    const float scale = (float)sqrt(2.0 / 64.0);
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 64; j++)
            dct[i][j] = (float)(scale * cos((3.14159265358979323846 / 2.0 / 64.0) * (i + 1) * (2 * j + 1)));
}

static int window_for(int old_size, int new_size) { return (old_size + 2 * new_size - 1) / (2 * new_size); }

/* The reference's box1DFloat along one row (stride 1): the running sum grows, slides, then shrinks. */
static void box_row(const float *in, float *out, int length, int window) {
    int half = (window + 2) / 2, li = 0, ri = 0, oi = 0, size = 0;
    float sum = 0.0f;
    for (int i = 0; i < half - 1; i++) { sum += in[ri++]; size++; }
    for (int i = 0; i < window - half + 1; i++) { sum += in[ri++]; size++; out[oi++] = sum / size; }
    for (int i = 0; i < length - window; i++) { sum += in[ri++]; sum -= in[li++]; out[oi++] = sum / size; }
    for (int i = 0; i < half - 1; i++) { sum -= in[li++]; size--; out[oi++] = sum / size; }
}

/* The same box down every column at once (each column's own running sum in sums[]): the values and the order of
 * each column's additions are the reference's, only the columns are visited side by side. When keep is not NULL,
 * only the rows with keep[row] set are written (the decimation reads no others). */
static void box_columns(const float *in, float *out, int rows, int cols, int window, float *sums,
                        const unsigned char *keep) {
    int half = (window + 2) / 2, li = 0, ri = 0, oi = 0, size = 0;
    memset(sums, 0, sizeof(float) * (size_t)cols);
#define ADD(row) do { const float *p = in + (size_t)(row) * cols; for (int j = 0; j < cols; j++) sums[j] += p[j]; } while (0)
#define SUB(row) do { const float *p = in + (size_t)(row) * cols; for (int j = 0; j < cols; j++) sums[j] -= p[j]; } while (0)
#define PUT(row) do { if (!keep || keep[row]) { float *q = out + (size_t)(row) * cols; float n = (float)size; \
                          for (int j = 0; j < cols; j++) q[j] = sums[j] / n; } } while (0)
    for (int i = 0; i < half - 1; i++) { ADD(ri); ri++; size++; }
    for (int i = 0; i < window - half + 1; i++) { ADD(ri); ri++; size++; PUT(oi); oi++; }
    for (int i = 0; i < rows - window; i++) { ADD(ri); ri++; SUB(li); li++; PUT(oi); oi++; }
    for (int i = 0; i < half - 1; i++) { SUB(li); li++; size--; PUT(oi); oi++; }
#undef ADD
#undef SUB
#undef PUT
}

static int quality_of(float a[64][64]) {
    int gradients = 0;
    for (int i = 0; i < 63; i++)
        for (int j = 0; j < 64; j++) {
            int d = (int)(((a[i][j] - a[i + 1][j]) * 100) / 255);
            gradients += abs(d);
        }
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 63; j++) {
            int d = (int)(((a[i][j] - a[i][j + 1]) * 100) / 255);
            gradients += abs(d);
        }
    int quality = gradients / 90;
    return quality > 100 ? 100 : quality;
}

static void dct64_to_16(float a[64][64], float b[16][16]) {
    float t[16][64];
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 64; j++) {
            float sum = 0.0f;
            for (int k = 0; k < 64; k++) sum += dct[i][k] * a[k][j];
            t[i][j] = sum;
        }
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            float sum = 0.0f;
            for (int k = 0; k < 64; k++) sum += t[i][k] * dct[j][k];
            b[i][j] = sum;
        }
}

static int by_value(const void *x, const void *y) {
    float a = *(const float *)x, b = *(const float *)y;
    return (a > b) - (a < b);
}

/* 64 hex digits, Hash256::format's order: bit i*16+j is set when b[i][j] is above the median (Torben's median of
 * 256 values is the 128th smallest), words printed from the 16th down. */
static void hex_of(float b[16][16], char *hex) {
    float sorted[256];
    memcpy(sorted, b, sizeof sorted);
    qsort(sorted, 256, sizeof(float), by_value);
    float median = sorted[127];
    unsigned short words[16] = {0};
    for (int k = 0; k < 256; k++)
        if (b[k / 16][k % 16] > median) words[k >> 4] |= (unsigned short)(1u << (k & 15));
    static const char digits[] = "0123456789abcdef";
    for (int w = 15, o = 0; w >= 0; w--)
        for (int shift = 12; shift >= 0; shift -= 4) hex[o++] = digits[(words[w] >> shift) & 15];
}

/* The 8 dihedral variants of the 16x16 DCT, in the reference's order and signs. */
static void turned(float a[16][16], float b[16][16], int which) {
    for (int i = 0; i < 16; i++)
        for (int j = 0; j < 16; j++) {
            float v = a[i][j];
            switch (which) {
            case 0: b[i][j] = v; break;
            case 1: b[j][i] = (j & 1) ? v : -v; break;          /* rotate 90 */
            case 2: b[i][j] = ((i + j) & 1) ? -v : v; break;    /* rotate 180 */
            case 3: b[j][i] = (i & 1) ? v : -v; break;          /* rotate 270 */
            case 4: b[i][j] = (i & 1) ? v : -v; break;          /* flip x */
            case 5: b[i][j] = (j & 1) ? v : -v; break;          /* flip y */
            case 6: b[j][i] = v; break;                          /* flip +1 */
            default: b[j][i] = ((i + j) & 1) ? -v : v; break;   /* flip -1 */
            }
        }
}

/* The 64 x 64 decimated luma of the Jarosz-filtered plane, as the reference's jaroszFilterFloat + decimateFloat. */
static int downsampled(const unsigned char *plane, int rows, int cols, Py_ssize_t stride, float out[64][64]) {
    size_t n = (size_t)rows * cols;
    float *one = malloc(sizeof(float) * n), *two = malloc(sizeof(float) * n), *sums = malloc(sizeof(float) * cols);
    unsigned char *keep = calloc((size_t)rows, 1);
    if (!one || !two || !sums || !keep) {
        free(one); free(two); free(sums); free(keep);
        return 0;
    }
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) one[(size_t)i * cols + j] = (float)plane[i * stride + j];
    int across = window_for(cols, 64), down = window_for(rows, 64);
    int sample_rows[64], sample_cols[64];
    for (int o = 0; o < 64; o++) {
        sample_rows[o] = (int)(((o + 0.5) * rows) / 64);
        sample_cols[o] = (int)(((o + 0.5) * cols) / 64);
        keep[sample_rows[o]] = 1;
    }
    for (int pass = 0; pass < PASSES; pass++) {
        for (int i = 0; i < rows; i++) box_row(one + (size_t)i * cols, two + (size_t)i * cols, cols, across);
        box_columns(two, one, rows, cols, down, sums, pass == PASSES - 1 ? keep : NULL);
    }
    for (int i = 0; i < 64; i++)
        for (int j = 0; j < 64; j++) out[i][j] = one[(size_t)sample_rows[i] * cols + sample_cols[j]];
    free(one); free(two); free(sums); free(keep);
    return 1;
}

/* luma(plane, rows, cols, dihedral) -> (list of 1 or 8 hex strings, quality) */
static PyObject *luma(PyObject *self, PyObject *args) {
    Py_buffer plane;
    int rows, cols, dihedral;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*iip", &plane, &rows, &cols, &dihedral)) return NULL;
    if (rows < 0 || cols < 0 || plane.len < (Py_ssize_t)rows * cols) {
        PyBuffer_Release(&plane);
        PyErr_SetString(PyExc_ValueError, "pdq: the plane is smaller than rows x cols");
        return NULL;
    }
    int count = dihedral ? 8 : 1, quality = 0, ok = 1;
    char hexes[8][64];
    memset(hexes, '0', sizeof hexes);
    if (rows >= MIN_HASHABLE_DIM && cols >= MIN_HASHABLE_DIM) {
        float a[64][64], b[16][16], c[16][16];
        Py_BEGIN_ALLOW_THREADS
        if (rows == 64 && cols == 64 && !dihedral) { /* the reference takes a 64 x 64 picture as it is */
            for (int i = 0; i < 64; i++)
                for (int j = 0; j < 64; j++) a[i][j] = (float)((const unsigned char *)plane.buf)[i * 64 + j];
        } else {
            ok = downsampled(plane.buf, rows, cols, cols, a);
        }
        if (ok) {
            quality = quality_of(a);
            dct64_to_16(a, b);
            for (int v = 0; v < count; v++) {
                turned(b, c, v);
                hex_of(c, hexes[v]);
            }
        }
        Py_END_ALLOW_THREADS
    }
    PyBuffer_Release(&plane);
    if (!ok) return PyErr_NoMemory();
    PyObject *list = PyList_New(count);
    if (list == NULL) return NULL;
    for (int v = 0; v < count; v++) {
        PyObject *text = PyUnicode_FromStringAndSize(hexes[v], 64);
        if (text == NULL) { Py_DECREF(list); return NULL; }
        PyList_SET_ITEM(list, v, text);
    }
    return Py_BuildValue("(Ni)", list, quality);
}

static PyMethodDef methods[] = {
    {"luma", luma, METH_VARARGS,
     "luma(plane, rows, cols, dihedral) -> ([hex, ...], quality): PDQ of an 8-bit luma plane (8 turns if dihedral)"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_pdq", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__pdq(void) {
    make_dct();
    return PyModule_Create(&module);
}

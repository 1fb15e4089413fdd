/* A thumbnail's reduction: a whole-factor box reduce, then two-tap bilinear sampling of what is left.
 *
 * Pillow's BILINEAR resize widens its filter to the scale (as it should for a large reduction), and for the short
 * remainder a thumbnail needs after a box reduce (a factor under about two) that costs 0.2 ms a plane and 0.46 ms
 * for an RGB picture of 320 x 240. Sampling the four neighbours of each pixel centre, as OpenCV's INTER_LINEAR
 * does, costs a tenth of it; after a box reduce that leaves a factor of about 1.6 it is as close to a Lanczos
 * reduction of the whole picture as Pillow's path (hashing/jpeg_planes.py measures the choice).
 *
 * The box reduce is Pillow's Image.reduce arithmetic (each output the rounded mean of a factor x factor box, the
 * boxes at the right and bottom edges cut short), done here in one pass over the rows, without Pillow's image
 * objects and the copies between them: a Y and two chroma planes of a 1600 x 1200 JPEG decoded at half scale
 * took 0.25 ms in Pillow's reduce plus a copy of each result.
 *
 * shrink(pixels, width, height, channels, out_width, out_height[, factor]) -> bytes
 *   pixels: a C-contiguous buffer of height x width x channels bytes; pixel centres are aligned (x + 0.5) * scale.
 *   factor: box-reduce by it first (default 1, none); the reduced picture is ceil(width / factor) pixels wide.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <stdlib.h>

#define FRACTION_BITS 7  /* weights in 1/128: both passes fit 16 and 32 bits, so the second one vectorizes */
#define ONE (1 << FRACTION_BITS)

/* For each output coordinate: the first of its two source neighbours and the second's weight (0..ONE). */
static void taps(Py_ssize_t in, Py_ssize_t out, Py_ssize_t *first, uint16_t *weight) {
    double scale = (double)in / (double)out;
    for (Py_ssize_t i = 0; i < out; i++) {
        double centre = ((double)i + 0.5) * scale - 0.5;
        if (centre < 0) centre = 0;
        if (centre > (double)(in - 1)) centre = (double)(in - 1);
        Py_ssize_t low = (Py_ssize_t)centre;
        if (low > in - 2) low = in > 1 ? in - 2 : 0;  /* the last pair: its second neighbour fully weighted */
        first[i] = low;
        weight[i] = in > 1 ? (uint16_t)((centre - (double)low) * ONE + 0.5) : 0;
    }
}

/* One source row across: each output value (x, channel) from its two horizontal neighbours, times ONE. */
static void across(const uint8_t *row, Py_ssize_t values, const Py_ssize_t *left, const Py_ssize_t *right,
                   const uint16_t *weight, uint16_t *out) {
    for (Py_ssize_t j = 0; j < values; j++)
        out[j] = (uint16_t)(row[left[j]] * (ONE - weight[j]) + row[right[j]] * weight[j]);
}

typedef struct {
    Py_ssize_t *left, *right, *y_first, *x_first;
    uint16_t *weight, *y_weight, *x_weight, *upper, *lower;
} Work;

static void release(Work *w) {
    free(w->left), free(w->right), free(w->y_first), free(w->x_first);
    free(w->weight), free(w->y_weight), free(w->x_weight), free(w->upper), free(w->lower);
}

/* Pillow's reciprocal for a box of ``count`` pixels: ((sum + count / 2) * it) >> 24 is the rounded mean. */
static uint32_t reciprocal(uint32_t count) { return (uint32_t)(4294967296.0 / ((double)count * 256.0)); }

/* One row of boxes across: each output the rounded mean of ``factor`` column sums (``rows`` deep) per channel.
 * Inlined with constant factors and channels (``boxes_across``), so the loops unroll and vectorize: with both
 * left variable, this pass alone took longer than Pillow's whole reduce. */
static inline __attribute__((always_inline)) void boxes(const uint16_t *column, Py_ssize_t count, int factor,
                                                        int channels, uint32_t amend, uint32_t scale, uint8_t *out) {
    for (Py_ssize_t ox = 0; ox < count; ox++)
        for (int c = 0; c < channels; c++) {
            uint32_t sum = amend;
            for (int i = 0; i < factor; i++) sum += column[(ox * factor + i) * channels + c];
            out[ox * channels + c] = (uint8_t)((sum * scale) >> 24);
        }
}

static void boxes_across(const uint16_t *column, Py_ssize_t count, int factor, int channels, uint32_t amend,
                         uint32_t scale, uint8_t *out) {
#define CASE(f, ch) if (factor == f && channels == ch) { boxes(column, count, f, ch, amend, scale, out); return; }
    CASE(2, 1) CASE(3, 1) CASE(4, 1) CASE(2, 3) CASE(3, 3) CASE(4, 3)
#undef CASE
    boxes(column, count, factor, channels, amend, scale, out);
}

/* ``in`` (width x height x channels) box-reduced by ``factor`` into ``out`` (ceil'd sides); ``column`` holds a
 * row's worth of vertical sums (width x channels). */
static void box_reduce(const uint8_t *in, Py_ssize_t width, Py_ssize_t height, Py_ssize_t channels,
                       Py_ssize_t factor, uint8_t *out, uint16_t *column) {
    Py_ssize_t row = width * channels, full = width / factor, rest = width - full * factor;
    Py_ssize_t out_width = (width + factor - 1) / factor, out_height = (height + factor - 1) / factor;
    for (Py_ssize_t oy = 0; oy < out_height; oy++) {
        Py_ssize_t top = oy * factor, rows = height - top < factor ? height - top : factor;
        const uint8_t *line = in + top * row;
        for (Py_ssize_t j = 0; j < row; j++) column[j] = line[j];
        for (Py_ssize_t r = 1; r < rows; r++) {
            line += row;
            for (Py_ssize_t j = 0; j < row; j++) column[j] += line[j];  /* 255 x 256 rows at most: fits 16 bits */
        }
        boxes_across(column, full, (int)factor, (int)channels, (uint32_t)(rows * factor / 2),
                     reciprocal((uint32_t)(rows * factor)), out);
        if (rest)  /* the box cut short at the right edge */
            boxes(column + full * factor * channels, 1, (int)rest, (int)channels, (uint32_t)(rows * rest / 2),
                  reciprocal((uint32_t)(rows * rest)), out + full * channels);
        out += out_width * channels;
    }
}

/* ``in`` sampled to out_width x out_height into ``out``; -1 when memory runs out. Runs without the GIL. */
static int sample(const uint8_t *in, Py_ssize_t width, Py_ssize_t height, Py_ssize_t channels,
                  Py_ssize_t out_width, Py_ssize_t out_height, uint8_t *out) {
    Py_ssize_t values = out_width * channels;
    Work w = {
        malloc(sizeof(Py_ssize_t) * values), malloc(sizeof(Py_ssize_t) * values),
        malloc(sizeof(Py_ssize_t) * out_height), malloc(sizeof(Py_ssize_t) * out_width),
        malloc(sizeof(uint16_t) * values), malloc(sizeof(uint16_t) * out_height), malloc(sizeof(uint16_t) * out_width),
        malloc(sizeof(uint16_t) * values), malloc(sizeof(uint16_t) * values),
    };
    if (!w.left || !w.right || !w.y_first || !w.x_first || !w.weight || !w.y_weight || !w.x_weight || !w.upper
        || !w.lower) {
        release(&w);
        return -1;
    }
    taps(width, out_width, w.x_first, w.x_weight);
    taps(height, out_height, w.y_first, w.y_weight);
    for (Py_ssize_t x = 0; x < out_width; x++)
        for (Py_ssize_t c = 0; c < channels; c++) {
            Py_ssize_t j = x * channels + c;
            w.left[j] = w.x_first[x] * channels + c;
            w.right[j] = width > 1 ? w.left[j] + channels : w.left[j];
            w.weight[j] = w.x_weight[x];
        }
    Py_ssize_t row = width * channels, have = -1;  /* have: the source row in ``upper`` (``lower`` holds the next) */
    for (Py_ssize_t y = 0; y < out_height; y++) {
        Py_ssize_t top = w.y_first[y], bottom = height > 1 ? top + 1 : top;
        if (top != have) {
            if (have >= 0 && top == have + 1 && height > 1) {  /* the rows move down by one: the lower becomes the upper */
                uint16_t *swap = w.upper;
                w.upper = w.lower, w.lower = swap;
            } else {
                across(in + top * row, values, w.left, w.right, w.weight, w.upper);
            }
            across(in + bottom * row, values, w.left, w.right, w.weight, w.lower);
            have = top;
        }
        uint32_t wy = w.y_weight[y];
        const uint16_t *a = w.upper, *b = w.lower;
        for (Py_ssize_t j = 0; j < values; j++)
            out[j] = (uint8_t)((a[j] * (ONE - wy) + b[j] * wy + (1u << (2 * FRACTION_BITS - 1))) >> (2 * FRACTION_BITS));
        out += values;
    }
    release(&w);
    return 0;
}

static PyObject *shrink(PyObject *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t width, height, channels, out_width, out_height, factor = 1;
    if (!PyArg_ParseTuple(args, "y*nnnnn|n", &view, &width, &height, &channels, &out_width, &out_height, &factor))
        return NULL;
    /* Sizes are checked before they are multiplied: an absurd one must not overflow into a plausible product. */
    const Py_ssize_t most = 1 << 20;  /* pixels along a side: far beyond any thumbnail's source */
    if (width < 1 || height < 1 || out_width < 1 || out_height < 1 || width > most || height > most
        || out_width > most || out_height > most || channels < 1 || channels > 4 || factor < 1 || factor > 256) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "shrink: sides must be 1 to 2**20 pixels, channels 1 to 4, factor 1 to 256");
        return NULL;
    }
    if (view.len != width * height * channels) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "shrink: the buffer is not width x height x channels bytes");
        return NULL;
    }
    Py_ssize_t reduced_width = (width + factor - 1) / factor, reduced_height = (height + factor - 1) / factor;
    /* Nothing to reduce and nothing to resize is sampled all the same: a copy, never unwritten bytes. */
    int sampled = factor == 1 || reduced_width != out_width || reduced_height != out_height;
    PyObject *result = PyBytes_FromStringAndSize(NULL, out_width * out_height * channels);
    uint16_t *column = factor > 1 ? malloc(sizeof(uint16_t) * width * channels) : NULL;
    uint8_t *reduced = factor > 1 && sampled ? malloc(reduced_width * reduced_height * channels) : NULL;
    if (result == NULL || (factor > 1 && !column) || (factor > 1 && sampled && !reduced)) {
        Py_XDECREF(result);
        free(column), free(reduced);
        PyBuffer_Release(&view);
        return PyErr_NoMemory();
    }
    uint8_t *out = (uint8_t *)PyBytes_AS_STRING(result);
    const uint8_t *in = view.buf;
    int failed = 0;
    Py_BEGIN_ALLOW_THREADS
    if (factor > 1) {
        box_reduce(in, width, height, channels, factor, sampled ? reduced : out, column);
        in = reduced, width = reduced_width, height = reduced_height;
    }
    if (sampled) failed = sample(in, width, height, channels, out_width, out_height, out);
    Py_END_ALLOW_THREADS
    free(column), free(reduced);
    PyBuffer_Release(&view);
    if (failed) {
        Py_DECREF(result);
        return PyErr_NoMemory();
    }
    return result;
}

static PyMethodDef methods[] = {
    {"shrink", shrink, METH_VARARGS, "An 8-bit picture at a smaller size: box-reduced by a whole factor, then two-tap bilinear sampling."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_shrink", NULL, -1, methods};

PyMODINIT_FUNC PyInit__shrink(void) { return PyModule_Create(&module); }

/* Uniform borders of a luma plane: how many lines, from each edge, are border (hashing/borders.py says what counts).
 *
 * The same rule as the numpy scan it replaces, line by line from the edge: the border's colour is the median of
 * the edge line (numpy's: the mean of the two middle values for an even count), and a line is border when the share
 * of its pixels within the tolerance of that colour is at least the share asked. In numpy the four medians and the
 * first block of each side cost a worker 0.15 ms a picture, most of it in calls, not arithmetic.
 *
 * border_lines(plane, width, height, tolerance, share) -> (top, bottom, left, right)
 *   plane: a C-contiguous buffer of height x width bytes; each count runs to the far edge at most.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <stdint.h>
#include <string.h>

/* Twice the median of ``count`` values spaced ``step`` apart (twice, so that an even count's stays whole). */
static long twice_median(const uint8_t *at, Py_ssize_t count, Py_ssize_t step) {
    Py_ssize_t histogram[256];
    memset(histogram, 0, sizeof histogram);
    for (Py_ssize_t i = 0; i < count; i++) histogram[at[i * step]]++;
    Py_ssize_t low = (count - 1) / 2, high = count / 2, seen = 0;
    long sum = 0;
    int found = 0;
    for (int value = 0; value < 256 && found < 2; value++) {
        Py_ssize_t next = seen + histogram[value];
        if (found == 0 && low < next) sum += value, found = 1;
        if (found == 1 && high < next) sum += value, found = 2;
        seen = next;
    }
    return sum;
}

/* Leading lines (``lines`` of them, ``line_step`` apart, each ``count`` values ``step`` apart) that are border. */
static Py_ssize_t leading(const uint8_t *first, Py_ssize_t lines, Py_ssize_t line_step, Py_ssize_t count,
                          Py_ssize_t step, long tolerance, double share) {
    long colour2 = twice_median(first, count, step), reach = 2 * tolerance;
    for (Py_ssize_t k = 0; k < lines; k++) {
        const uint8_t *at = first + k * line_step;
        Py_ssize_t close = 0;
        for (Py_ssize_t i = 0; i < count; i++) {
            long off = 2 * (long)at[i * step] - colour2;
            close += off <= reach && off >= -reach;
        }
        if ((double)close / (double)count < share) return k;
    }
    return lines;
}

static PyObject *border_lines(PyObject *self, PyObject *args) {
    Py_buffer view;
    Py_ssize_t width, height;
    long tolerance;
    double share;
    if (!PyArg_ParseTuple(args, "y*nnld", &view, &width, &height, &tolerance, &share)) return NULL;
    const Py_ssize_t most = 1 << 20;
    if (width < 1 || height < 1 || width > most || height > most || view.len != width * height) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "border_lines: the buffer is not width x height bytes (sides 1 to 2**20)");
        return NULL;
    }
    if (tolerance < 0 || tolerance > 255 || !(share >= 0.0 && share <= 1.0)) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "border_lines: tolerance is 0 to 255 grey levels, share 0 to 1");
        return NULL;
    }
    const uint8_t *p = view.buf;
    Py_ssize_t top, bottom, left, right;
    Py_BEGIN_ALLOW_THREADS
    top = leading(p, height, width, width, 1, tolerance, share);
    bottom = leading(p + (height - 1) * width, height, -width, width, 1, tolerance, share);
    left = leading(p, width, 1, height, width, tolerance, share);
    right = leading(p + width - 1, width, -1, height, width, tolerance, share);
    Py_END_ALLOW_THREADS
    PyBuffer_Release(&view);
    return Py_BuildValue("nnnn", top, bottom, left, right);
}

static PyMethodDef methods[] = {
    {"border_lines", border_lines, METH_VARARGS, "Lines of uniform border from each edge of a luma plane."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_borders", NULL, -1, methods};

PyMODINIT_FUNC PyInit__borders(void) { return PyModule_Create(&module); }

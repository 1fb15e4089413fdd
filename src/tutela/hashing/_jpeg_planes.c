/* The planes of a YCbCr JPEG at a reduced DCT scale, straight from libjpeg's raw data output.
 *
 * Ingest needs two things from one decode of a still: the Y plane (PDQ hashes luma) and colour for the grading
 * thumbnail. Pillow can only hand out interleaved pixels, so colour costs the chroma upsampling and interleaving
 * of a whole picture we shrink to 256 px at once. With raw_data_out libjpeg stops after the IDCT: the Y plane is
 * the very plane a grey decode copies out (same IDCT, same scale), and the chroma planes come at their own
 * resolution, not upsampled. Anything unusual (not 3-component YCbCr, a warning such as truncated or corrupt data,
 * any error) returns None and the caller decodes with Pillow, so odd files keep exactly their old outcome.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <setjmp.h>
#include <stdio.h>
#include <string.h>
#include <jpeglib.h>

#if JPEG_LIB_VERSION >= 70
#define SCALED_ROWS(c) ((c)->DCT_v_scaled_size)
#define SCALED_COLS(c) ((c)->DCT_h_scaled_size)
#define MIN_SCALED(ci) ((ci)->min_DCT_v_scaled_size)
#else
#define SCALED_ROWS(c) ((c)->DCT_scaled_size)
#define SCALED_COLS(c) ((c)->DCT_scaled_size)
#define MIN_SCALED(ci) ((ci)->min_DCT_scaled_size)
#endif

struct failure {
    struct jpeg_error_mgr mgr;
    jmp_buf jump;
};

static void on_error(j_common_ptr info) {
    longjmp(((struct failure *)info->err)->jump, 1);
}

static void on_message(j_common_ptr info, int level) {
    if (level < 0) info->err->num_warnings++; /* counted, as libjpeg's own does, never printed */
}

static void on_output(j_common_ptr info) { (void)info; }

struct plane {
    unsigned char *rows; /* padded to whole blocks and iMCU rows, as libjpeg writes them */
    size_t stride, rows_allocated;
    JDIMENSION width, height; /* the plane's real size */
};

static PyObject *plane_tuple(const struct plane *p) {
    PyObject *bytes = PyBytes_FromStringAndSize(NULL, (Py_ssize_t)p->width * p->height);
    if (bytes == NULL) return NULL;
    char *out = PyBytes_AS_STRING(bytes);
    for (JDIMENSION y = 0; y < p->height; y++) memcpy(out + (size_t)y * p->width, p->rows + y * p->stride, p->width);
    return Py_BuildValue("(NII)", bytes, (unsigned)p->width, (unsigned)p->height);
}

/* decode(data, scale) -> ((y, w, h), (cb, w, h), (cr, w, h)) or None */
static PyObject *decode(PyObject *self, PyObject *args) {
    Py_buffer data;
    int scale;
    (void)self;
    if (!PyArg_ParseTuple(args, "y*i", &data, &scale)) return NULL;
    if (scale != 1 && scale != 2 && scale != 4 && scale != 8) {
        PyBuffer_Release(&data);
        PyErr_SetString(PyExc_ValueError, "scale must be 1, 2, 4 or 8");
        return NULL;
    }
    struct jpeg_decompress_struct info;
    struct failure failure;
    /* On the heap: what changes between setjmp and a longjmp must not live in this frame's registers. */
    struct plane *planes = calloc(3, sizeof *planes);
    if (planes == NULL) {
        PyBuffer_Release(&data);
        return PyErr_NoMemory();
    }
    PyObject *result = NULL;
    volatile int ok = 0; /* set after setjmp, read after a longjmp */
    info.err = jpeg_std_error(&failure.mgr);
    failure.mgr.error_exit = on_error;
    failure.mgr.emit_message = on_message;
    failure.mgr.output_message = on_output;
    jpeg_create_decompress(&info);
    Py_BEGIN_ALLOW_THREADS
    if (setjmp(failure.jump) == 0) {
        jpeg_mem_src(&info, (const unsigned char *)data.buf, (unsigned long)data.len);
        jpeg_read_header(&info, TRUE);
        if (info.num_components == 3 && info.jpeg_color_space == JCS_YCbCr) {
            info.raw_data_out = TRUE;
            info.dct_method = JDCT_ISLOW; /* libjpeg's default, and Pillow's: the same Y plane as a grey decode */
            info.scale_num = 1;
            info.scale_denom = (unsigned)scale;
            jpeg_start_decompress(&info);
            int allocated = 1;
            for (int c = 0; c < 3 && allocated; c++) {
                jpeg_component_info *comp = &info.comp_info[c];
                struct plane *p = &planes[c];
                p->width = comp->downsampled_width;
                p->height = comp->downsampled_height;
                p->stride = (size_t)comp->width_in_blocks * SCALED_COLS(comp);
                p->rows_allocated = (size_t)info.total_iMCU_rows * comp->v_samp_factor * SCALED_ROWS(comp);
                p->rows = malloc(p->stride * p->rows_allocated);
                allocated = p->rows != NULL;
            }
            if (allocated) {
                JSAMPROW pointers[3][8 * 4 * 2]; /* v_samp_factor (<= 4) x scaled block rows (<= 16 in v7+) */
                JSAMPARRAY arrays[3] = {pointers[0], pointers[1], pointers[2]};
                JDIMENSION lines = (JDIMENSION)(info.max_v_samp_factor * MIN_SCALED(&info));
                for (JDIMENSION row = 0; row < info.total_iMCU_rows && info.output_scanline < info.output_height;
                     row++) {
                    for (int c = 0; c < 3; c++) {
                        jpeg_component_info *comp = &info.comp_info[c];
                        size_t per_row = (size_t)comp->v_samp_factor * SCALED_ROWS(comp);
                        for (size_t i = 0; i < per_row && i < sizeof pointers[c] / sizeof pointers[c][0]; i++)
                            pointers[c][i] = planes[c].rows + (row * per_row + i) * planes[c].stride;
                    }
                    if (jpeg_read_raw_data(&info, arrays, lines) == 0) break;
                }
                if (info.output_scanline >= info.output_height) {
                    jpeg_finish_decompress(&info);
                    ok = info.err->num_warnings == 0;
                }
            }
        }
    }
    Py_END_ALLOW_THREADS
    jpeg_destroy_decompress(&info);
    PyBuffer_Release(&data);
    if (ok) {
        PyObject *y = plane_tuple(&planes[0]), *cb = y ? plane_tuple(&planes[1]) : NULL,
                 *cr = cb ? plane_tuple(&planes[2]) : NULL;
        if (cr != NULL) result = Py_BuildValue("(NNN)", y, cb, cr);
        else { Py_XDECREF(y); Py_XDECREF(cb); }
    } else {
        result = Py_NewRef(Py_None);
    }
    for (int c = 0; c < 3; c++) free(planes[c].rows);
    free(planes);
    return result;
}

static PyMethodDef methods[] = {
    {"decode", decode, METH_VARARGS,
     "decode(data, scale) -> ((y, w, h), (cb, w, h), (cr, w, h)) or None: the planes of a YCbCr JPEG at 1/scale"},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef module = {PyModuleDef_HEAD_INIT, "_jpeg_planes", NULL, -1, methods, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__jpeg_planes(void) { return PyModule_Create(&module); }

"""The C allocator of a process that decodes pictures: its large buffers kept for the next picture.

Each picture allocates a few buffers of a few MB (the decoded planes, pdqhash's float copies of them). glibc gives
such blocks their own mmap and unmaps them on free unless its threshold has adapted upwards, so every picture paid
again for zeroed pages: 1,600 page faults per picture on photo-corpus JPEGs, a fifth of a worker's CPU. A Dask
worker is worse off: its nanny sets MALLOC_TRIM_THRESHOLD_, which turns the adaptation off for good (6,600 faults a
picture, and the ingest task took 1.7 times the CPU, measured in-process with that variable alone). The
thresholds set here are glibc's own adaptive ceiling: blocks up to 32 MiB come from the heap, and at most 64 MiB of
free heap is kept before it is returned to the system.
"""

from __future__ import annotations

import ctypes
import platform

M_TRIM_THRESHOLD = -1  # mallopt parameters, from glibc's malloc.h
M_MMAP_THRESHOLD = -3
MMAP_THRESHOLD = 32 * 2**20
TRIM_THRESHOLD = 64 * 2**20


def keep_decode_buffers(libc: object | None = None) -> bool:
    """Set the thresholds on glibc (True); elsewhere leave the allocator alone (False)."""
    if libc is None:
        if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
            return False
        libc = ctypes.CDLL(None)
    mallopt = getattr(libc, "mallopt", None)
    if mallopt is None:
        return False
    return bool(mallopt(M_MMAP_THRESHOLD, MMAP_THRESHOLD)) and bool(mallopt(M_TRIM_THRESHOLD, TRIM_THRESHOLD))

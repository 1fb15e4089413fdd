"""keep_decode_buffers: glibc's mmap and trim thresholds set to its adaptive ceiling, nothing done elsewhere."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from tutela.hashing.memory import keep_decode_buffers


class FakeLibc:
    def __init__(self, answer: int = 1) -> None:
        self.calls: list[tuple[int, int]] = []
        self.answer = answer

    def mallopt(self, parameter: int, value: int) -> int:
        self.calls.append((parameter, value))
        return self.answer


def test_both_thresholds_are_set():
    libc = FakeLibc()
    assert keep_decode_buffers(libc) is True
    assert libc.calls == [(-3, 32 * 2**20), (-1, 64 * 2**20)]  # M_MMAP_THRESHOLD, M_TRIM_THRESHOLD (malloc.h)


def test_a_refusal_is_reported():
    assert keep_decode_buffers(FakeLibc(answer=0)) is False


def test_a_c_library_without_mallopt_is_left_alone():
    assert keep_decode_buffers(object()) is False


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="mallopt is glibc's")
def test_glibc_takes_them_even_when_dask_fixed_the_trim_threshold():
    # A Dask worker's environment (MALLOC_TRIM_THRESHOLD_) is read by glibc at start-up: a process started with it.
    code = "from tutela.hashing.memory import keep_decode_buffers; print(keep_decode_buffers())"
    out = subprocess.run([sys.executable, "-c", code], env={**os.environ, "MALLOC_TRIM_THRESHOLD_": "65536"},
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "True"

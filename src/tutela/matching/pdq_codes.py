"""PDQ hashes as rows of 32 bytes: parsing from and formatting to 64 lower-case hex characters.

A PDQ hash is 256 bits written MSB-first as hex. Rows keep exactly those bytes in that order, so a row is
``bytes.fromhex(text)`` and Hamming distance is a popcount over the XOR of two rows whatever the word size.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

PDQ_BYTES = 32
PDQ_HEX_CHARS = 2 * PDQ_BYTES

_HEX_DIGITS = frozenset("0123456789abcdef")


def hex_to_rows(hashes: Iterable[str]) -> np.ndarray:
    """Parse PDQ hex strings into an (N, 32) uint8 array; ValueError names the first bad one.

    Upper-case input is refused rather than folded: banks and partners exchange lower-case hex, and a
    caller that sends something else has a bug that silent folding would hide.
    """
    texts = list(hashes)
    for position, text in enumerate(texts):
        _check_hex(position, text)
    joined = "".join(texts)
    return np.frombuffer(bytes.fromhex(joined), dtype=np.uint8).reshape(len(texts), PDQ_BYTES).copy()


def rows_to_hex(rows: np.ndarray) -> list[str]:
    """Format (N, 32) uint8 rows as lower-case hex strings, the inverse of `hex_to_rows`."""
    checked = as_rows(rows)
    return [bytes(row).hex() for row in checked]


def as_rows(rows: np.ndarray) -> np.ndarray:
    """Return ``rows`` as a C-contiguous (N, 32) uint8 array, or raise ValueError saying what is wrong."""
    array = np.asarray(rows)
    if array.dtype != np.uint8:
        raise ValueError(f"PDQ rows must be uint8, got {array.dtype}")
    if array.ndim == 1 and array.shape[0] == PDQ_BYTES:
        array = array.reshape(1, PDQ_BYTES)
    if array.ndim != 2 or array.shape[1] != PDQ_BYTES:
        raise ValueError(f"PDQ rows must have shape (N, {PDQ_BYTES}), got {array.shape}")
    return np.ascontiguousarray(array)


def _check_hex(position: int, text: object) -> None:
    if not isinstance(text, str):
        raise ValueError(f"PDQ hash #{position} is not a string: {type(text).__name__}")
    if len(text) != PDQ_HEX_CHARS or not _HEX_DIGITS.issuperset(text):
        shown = text if len(text) <= 80 else text[:77] + "..."
        raise ValueError(f"PDQ hash #{position} is not {PDQ_HEX_CHARS} lower-case hex characters: {shown!r}")

"""PDQ with hashes as 64 hex characters in the standard bit order: of RGB through Meta's C++ (``pdqhash``), of a luma
plane through hashing/_pdq.c, the same arithmetic without pdqhash's float64 copies.

The hex is MSB-first, as ThreatExchange's C++ ``Hash256::format()`` and python-threatexchange print it,
so hashes from Meta's reference tools compare with ours bit for bit.
"""

from __future__ import annotations

import numpy as np

PDQ_HEX_LENGTH = 64


def _bits_to_hex(bits: np.ndarray) -> str:
    return np.packbits(bits.astype(np.uint8)).tobytes().hex()


def pdq_from_rgb(rgb: np.ndarray) -> tuple[str, int]:
    """PDQ of an H×W×3 uint8 RGB array, bit-identical to the reference pipeline."""
    import pdqhash

    bits, quality = pdqhash.compute(np.ascontiguousarray(rgb, dtype=np.uint8))
    return _bits_to_hex(bits), int(quality)


def pdq_from_luma(luma: np.ndarray) -> tuple[str, int]:
    """PDQ of an H×W uint8 luma (grey) array, e.g. the Y plane a JPEG decoder gives directly."""
    hashes, quality = _luma_pdqs(luma, dihedral=False)
    return hashes[0], quality


def pdq_dihedral_from_luma(luma: np.ndarray) -> tuple[list[str], int]:
    """The 8 dihedral PDQs (original, rot90, rot180, rot270, flipx, flipy, flip+1, flip-1) of a luma array."""
    return _luma_pdqs(luma, dihedral=True)


def _luma_pdqs(luma: np.ndarray, *, dihedral: bool) -> tuple[list[str], int]:
    # hashing/_pdq.c: Meta's arithmetic, bit for bit (tests/hashing/test_pdq_luma.py holds it to pdqhash), in a
    # third of pdqhash's time on a luma plane, which it would first widen to three float64 planes.
    from tutela.hashing._pdq import luma as pdq_of_luma

    plane = np.ascontiguousarray(luma, dtype=np.uint8)
    return pdq_of_luma(plane, plane.shape[0], plane.shape[1], dihedral)


def hamming(a: str, b: str) -> int:
    """Bits that differ between two PDQ hex strings."""
    return (int(a, 16) ^ int(b, 16)).bit_count()

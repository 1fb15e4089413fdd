"""Decode a still and take its PDQ: reduced-scale grey decode (fast) or the reference pipeline (exact).

Fast mode asks libjpeg for the Y plane at 1/2, 1/4 or 1/8 scale (DCT scaling) while the shorter side stays
at least ``FAST_MIN_SIDE`` pixels: PDQ reduces to 64×64 anyway, and this keeps the hash within a few bits of
the exact one (bench/hash.py measures the distribution). Exact mode is the reference: full decode, EXIF
orientation, RGB, ``pdqhash`` — bit-identical to what python-threatexchange computes.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import numpy as np
from PIL import Image, ImageFile, ImageOps

from tutela.domain.banks import MIN_PDQ_QUALITY
from tutela.domain.media import Thumbnail
from tutela.errors import DecodeError, TooLargeError
from tutela.hashing.jpeg_planes import THUMBNAIL_QUALITY, fitted_size, luma_and_thumbnail, shrunk
from tutela.hashing.pdq import pdq_from_luma, pdq_from_rgb

FAST_MIN_SIDE = 360
T = TypeVar("T")
_TRANSPOSED_ORIENTATIONS = frozenset({5, 6, 7, 8})
_ORIENTATION_FIX = {  # EXIF orientation -> the transpose that shows the picture upright (as exif_transpose)
    2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_270, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
# Pillow raises these for bad bytes; anything else escaping a decode is a bug we want to see.
_DECODE_FAILURES = (OSError, ValueError, SyntaxError, EOFError, IndexError, KeyError, TypeError,
                    ZeroDivisionError, MemoryError, RuntimeError)


@dataclass(frozen=True, slots=True)
class MatchSignals:
    """What near matching looks up for one still: its PDQ in 8 orientations, and again inside its borders."""

    quality: int
    candidates: tuple[tuple[str, str], ...]  # (orientation label, PDQ hex); "original" first


# pdqhash's dihedral order, named for what was done to the picture (turns counter-clockwise, as Pillow's
# ROTATE_90; checked against ThreatExchange's bridge images: its "flipx" is a top-bottom flip).
DIHEDRAL_LABELS = ("original", "rotate90", "rotate180", "rotate270", "flip-top-bottom", "mirror-left-right",
                   "transpose", "transverse")


@dataclass(frozen=True, slots=True)
class StillSignal:
    width: int
    height: int
    pdq: str
    quality: int
    mode: str  # "fast" or "exact"


def register_decoders() -> None:
    """HEIC/HEIF through pillow-heif; called once per process before decoding."""
    import pillow_heif

    pillow_heif.register_heif_opener()


def hash_still(data: bytes, *, exact: bool = False, max_pixels: int = 100_000_000) -> StillSignal:
    """PDQ, quality and oriented size of an encoded still; DecodeError or TooLargeError if it cannot."""
    return _decoded(data, max_pixels, lambda image: _hash_open_image(image, exact))


def _decoded(data: bytes, max_pixels: int, use: Callable[[Image.Image], T]) -> T:
    """``use(image)`` on the decoded still, with Pillow's failures turned into one-line media errors."""
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    Image.MAX_IMAGE_PIXELS = max_pixels
    with warnings.catch_warnings():
        # Above max_pixels Pillow only warns (it raises at twice that): we refuse there already.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data)) as image:
                return use(image)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise TooLargeError(f"image too large: {_one_line(exc)}") from None
        except _DECODE_FAILURES as exc:
            raise DecodeError(f"cannot decode image: {_one_line(exc)}") from None


def match_signals(data: bytes, *, max_pixels: int = 100_000_000) -> MatchSignals:
    """The PDQs near matching needs: dihedral turns of the picture, and of its content inside uniform borders."""
    return signals_from_luma(_luma(data, max_pixels))


def hash_still_and_signals(data: bytes, *, exact: bool = False, max_pixels: int = 100_000_000, thumbnail: int = 0
                           ) -> tuple[StillSignal, MatchSignals, Thumbnail | None]:
    """``hash_still`` and ``match_signals`` from one decode (the dihedral PDQs cost what one PDQ costs), and a
    colour thumbnail (longest side <= ``thumbnail`` px) from that same decode when ``thumbnail`` is not 0."""
    if exact:
        still, signals = hash_still(data, exact=True, max_pixels=max_pixels), match_signals(data, max_pixels=max_pixels)
        return still, signals, (_decoded(data, max_pixels, lambda image: _thumbnail_of(
            ImageOps.exif_transpose(image), thumbnail)) if thumbnail else None)

    def all_of(image: Image.Image) -> tuple[StillSignal, MatchSignals, Thumbnail | None]:
        width, height = image.size
        if _orientation(image) in _TRANSPOSED_ORIENTATIONS:
            width, height = height, width
        if image.format != "JPEG":  # other formats hash the RGB picture, as hash_still does (decoded once)
            oriented = ImageOps.exif_transpose(image).convert("RGB")
            signals = signals_from_luma(np.asarray(oriented.convert("L")))
            pdq, quality = pdq_from_rgb(np.asarray(oriented))
            return (StillSignal(width, height, pdq, quality, "exact"), signals,
                    _thumbnail_of(oriented, thumbnail) if thumbnail else None)
        luma, small = _jpeg_luma_and_thumbnail(image, data, thumbnail)
        signals = signals_from_luma(luma)
        return StillSignal(width, height, signals.candidates[0][1], signals.quality, "fast"), signals, small

    return _decoded(data, max_pixels, all_of)


def _jpeg_luma_and_thumbnail(image: Image.Image, data: bytes, thumbnail: int) -> tuple[np.ndarray, Thumbnail | None]:
    """The upright luma the fast PDQ hashes, and a colour thumbnail (when ``thumbnail``) from that same decode."""
    if not thumbnail:
        return np.asarray(_fast_jpeg(image, "L")), None
    fix = _ORIENTATION_FIX.get(_orientation(image) or 1)
    if image.mode == "RGB" and _draft(image, "YCbCr"):
        # One decode, plane by plane (hashing/jpeg_planes.py): the Y plane is what a grey decode gives at this
        # scale, the chroma planes go straight into the thumbnail. None for what libjpeg has doubts about.
        scale = image.decoderconfig[0] if image.decoderconfig else 0  # 0: Pillow would not draft this one
        planes = luma_and_thumbnail(data, scale, fix, thumbnail) if scale else None
        if planes is not None:
            return planes
    if image.mode == "YCbCr":  # drafted, reduced: the Y plane of a colour decode is the grey decode's, bit for bit
        colour = _fast_jpeg(image, "YCbCr")
        return np.asarray(colour.getchannel("Y")), _thumbnail_of(colour, thumbnail)
    # full scale (or not YCbCr): the grey picture is converted from this decode, as without a thumbnail
    colour = _fast_jpeg(image, image.mode)
    return np.asarray(colour.convert("L")), _thumbnail_of(colour, thumbnail)


def _thumbnail_of(image: Image.Image, size: int) -> Thumbnail:
    import simplejpeg

    # Shrunk in its own mode first (L, YCbCr and RGB resample band by band), converted once it is small; encoded
    # by simplejpeg at 4:2:0, as Pillow's save would, without its file object (0.16 against 0.19 ms at 256 px).
    source = image if image.mode in ("L", "RGB", "YCbCr") else image.convert("RGB")
    small = shrunk(source, fitted_size(source.size, size)).convert("RGB")
    jpeg = simplejpeg.encode_jpeg(np.asarray(small), quality=THUMBNAIL_QUALITY, colorspace="RGB",
                                  colorsubsampling="420")
    return Thumbnail(jpeg, small.width, small.height)


def signals_from_luma(luma: np.ndarray) -> MatchSignals:
    from tutela.hashing.borders import content_box
    from tutela.hashing.pdq import pdq_dihedral_from_luma

    hashes, quality = pdq_dihedral_from_luma(luma)
    candidates = list(zip(DIHEDRAL_LABELS, hashes, strict=True))
    box = content_box(luma)
    if box is not None:
        top, bottom, left, right = box
        inner, inner_quality = pdq_dihedral_from_luma(luma[top:bottom, left:right])
        # Padding adds sharp edges that lift the quality of the whole picture; the content inside must pass
        # the quality rule on its own, or padding would be a way round it.
        if inner_quality >= MIN_PDQ_QUALITY:
            candidates += [(f"trimmed-{label}", pdq) for label, pdq in zip(DIHEDRAL_LABELS, inner, strict=True)]
    return MatchSignals(quality, tuple(candidates))


def _luma(data: bytes, max_pixels: int) -> np.ndarray:
    return _decoded(data, max_pixels, _upright_luma)


def _upright_luma(image: Image.Image) -> np.ndarray:
    if image.format == "JPEG":
        return np.asarray(_fast_jpeg_luma(image))
    return np.asarray(ImageOps.exif_transpose(image).convert("RGB").convert("L"))


def _hash_open_image(image: Image.Image, exact: bool) -> StillSignal:
    width, height = image.size
    if _orientation(image) in _TRANSPOSED_ORIENTATIONS:
        width, height = height, width
    if not exact and image.format == "JPEG":
        pdq, quality = _fast_jpeg_pdq(image)
        return StillSignal(width, height, pdq, quality, "fast")
    oriented = ImageOps.exif_transpose(image)
    rgb = oriented.convert("RGB")
    pdq, quality = pdq_from_rgb(np.asarray(rgb))
    return StillSignal(width, height, pdq, quality, "exact")


def _fast_jpeg_pdq(image: Image.Image) -> tuple[str, int]:
    return pdq_from_luma(np.asarray(_fast_jpeg_luma(image)))


def _fast_jpeg_luma(image: Image.Image) -> Image.Image:
    return _fast_jpeg(image, "L")


def _fast_jpeg(image: Image.Image, mode: str) -> Image.Image:
    """The upright picture in ``mode`` (L or YCbCr) at the largest DCT reduction keeping the short side >=
    FAST_MIN_SIDE."""
    orientation = _orientation(image)
    _draft(image, mode)
    decoded = image.convert(mode)
    method = _ORIENTATION_FIX.get(orientation or 1)
    return decoded.transpose(method) if method is not None else decoded


def _draft(image: Image.Image, mode: str) -> bool:
    """Ask libjpeg for ``mode`` at the reduction ``reduction_for`` gives; False (nothing asked) at full scale.

    The size asked is rounded down: Pillow divides by it and rounds down again, so asking for the rounded-up size
    of a picture with an odd side (1203 / 2 -> 602) made it decode at full scale, four times the pixels."""
    scale = reduction_for(image.size)
    if scale == 1:
        return False
    image.draft(mode, (image.width // scale, image.height // scale))
    return True


def reduction_for(size: tuple[int, int]) -> int:
    """The largest JPEG DCT scale (1, 2, 4, 8) that keeps the shorter side ≥ FAST_MIN_SIDE."""
    short_side = min(size)
    scale = 1
    while scale < 8 and short_side // (scale * 2) >= FAST_MIN_SIDE:
        scale *= 2
    return scale


def _orientation(image: Image.Image) -> int | None:
    try:
        value = image.getexif().get(0x0112)
    except _DECODE_FAILURES:
        return None  # a broken EXIF block: keep the pixels as stored, as exif_transpose would
    return value if isinstance(value, int) and 1 <= value <= 8 else None


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text[:200]

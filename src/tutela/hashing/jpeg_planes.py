"""Luma and a colour thumbnail from one reduced-scale decode of a JPEG, plane by plane (``_jpeg_planes.c``).

Ingest hashes the Y plane and shows examiners a 256 px colour thumbnail. Pillow's colour decode upsamples and
interleaves the chroma of the whole (reduced) picture only for us to shrink it at once: a fifth of a worker's
decode. Here libjpeg hands over its planes as they leave the IDCT; the Y plane is bit for bit the one a grey decode
gives at that scale (Pillow picks the scale, tests/hashing/test_jpeg_planes.py holds them equal), each plane is
shrunk on its own (box reduce and sampling in one C call, _shrink.c) and the thumbnail is encoded from the planes
(simplejpeg), so no picture is ever interleaved, nor a plane wrapped in a Pillow image.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

from tutela.domain.media import Thumbnail

THUMBNAIL_QUALITY = 80
# A thumbnail is box-reduced by the whole factor that leaves about this much, which is then sampled (two taps, C:
# _shrink.c). Against a Lanczos reduction of the full picture (photo-corpus, 10 of each kind) that is 40.2 / 41.0 /
# 40.0 dB for 640 px, 1600 px and 12 MP photos, where Pillow's box reduce then BILINEAR gave 39.1 / 37.7 / 39.7 dB,
# in half the time or less (0.36 against 0.84 ms for a 640 x 480 RGB picture). Drawn shapes, all hard edges, lose
# up to 3 dB against Pillow's (tests/hashing/test_shrink.py); a grading thumbnail is of photographs, mostly.
SAMPLED_REMAINDER = 1.6


def luma_and_thumbnail(data: bytes, scale: int, fix: Image.Transpose | None, size: int
                       ) -> tuple[np.ndarray, Thumbnail] | None:
    """The upright Y plane at 1/``scale`` (the scale Pillow's draft picked) and a thumbnail (longest side ``size``),
    or None when this JPEG is not plain YCbCr or libjpeg had anything to say about it (the caller uses Pillow)."""
    from tutela.hashing._jpeg_planes import decode

    planes = decode(data, scale)
    if planes is None:
        return None
    return _upright(*planes[0], fix), _thumbnail(planes, fix, size)


def _upright(pixels: bytes, width: int, height: int, fix: Image.Transpose | None) -> np.ndarray:
    plane = np.frombuffer(pixels, np.uint8).reshape(height, width)
    return plane if fix is None else np.asarray(Image.fromarray(plane).transpose(fix))


def _thumbnail(planes: tuple[tuple[bytes, int, int], ...], fix: Image.Transpose | None, size: int) -> Thumbnail:
    import simplejpeg

    fitted = fitted_size(planes[0][1:], size)
    halved = ((fitted[0] + 1) // 2, (fitted[1] + 1) // 2)  # 4:2:0, as JPEG encoders store colour by default
    y, u, v = (_upright(shrunk_pixels(pixels, width, height, 1, dims), *dims, fix)
               for (pixels, width, height), dims in zip(planes, (fitted, halved, halved), strict=True))
    jpeg = simplejpeg.encode_jpeg_yuv_planes(y, u, v, quality=THUMBNAIL_QUALITY)
    return Thumbnail(jpeg, y.shape[1], y.shape[0])


def fitted_size(size: tuple[int, int], longest: int) -> tuple[int, int]:
    """``size`` scaled down (never up) so that its longest side is ``longest``."""
    scale = min(1.0, longest / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def shrunk(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    """``image`` (L, RGB or YCbCr) at the smaller ``size``: box-reduced by Pillow in its own memory (a picture of any
    size, never copied whole), then sampled in C."""
    from tutela.hashing._shrink import shrink

    factor = _factor(image.width, image.height, size)
    if factor > 1:
        image = image.reduce(factor)
    if image.size == size:
        return image
    pixels = shrink(image.tobytes(), image.width, image.height, len(image.getbands()), *size)
    return Image.frombuffer(image.mode, size, pixels, "raw", image.mode, 0, 1)


def shrunk_pixels(pixels: bytes, width: int, height: int, channels: int, size: tuple[int, int]) -> bytes:
    """Packed 8-bit pixels (a decoded JPEG plane: 65535 px a side at most) at the smaller ``size``, box-reduced and
    sampled in one C call (_shrink.c)."""
    from tutela.hashing._shrink import shrink

    if (width, height) == size:
        return pixels
    return shrink(pixels, width, height, channels, *size, _factor(width, height, size))


def _factor(width: int, height: int, size: tuple[int, int]) -> int:
    """The whole box-reduce factor that leaves about ``SAMPLED_REMAINDER`` to sample (at most 256, _shrink.c's)."""
    return min(256, max(1, round(max(width / size[0], height / size[1]) / SAMPLED_REMAINDER)))

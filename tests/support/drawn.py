"""Benign pictures drawn for tests (shapes, gradients, noise)."""

from __future__ import annotations

import io

from PIL import Image

from tutela.services.demo import noise, shapes


def picture(width: int = 640, height: int = 480, seed: int = 1) -> Image.Image:
    return Image.blend(shapes(width, height, seed), noise(width, height, seed + 100), 0.3)


def encoded(image: Image.Image, fmt: str, **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()

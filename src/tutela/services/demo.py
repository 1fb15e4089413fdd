"""Benign demo media: drawn shapes, gradients and noise, and a short video of moving shapes.

Nothing is downloaded; the same seed draws the same pictures.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw


def gradient(width: int, height: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    x = np.linspace(0, 1, width)[None, :, None]
    y = np.linspace(0, 1, height)[:, None, None]
    a, b = rng.uniform(0.2, 1.0, size=(2, 3))
    pixels = 255 * (a * x + b * y) / (a + b)
    return Image.fromarray(pixels.astype(np.uint8), "RGB")


def shapes(width: int, height: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    image = gradient(width, height, seed + 1)
    draw = ImageDraw.Draw(image)
    for _ in range(12):
        x0, y0 = rng.integers(0, width), rng.integers(0, height)
        size = int(rng.integers(1 + min(width, height) // 10, 2 + min(width, height) // 3))
        colour = tuple(int(c) for c in rng.integers(0, 256, 3))
        box = (x0, y0, x0 + size, y0 + size)
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour)
    return image


def noise(width: int, height: int, seed: int) -> Image.Image:
    rng = np.random.default_rng(seed)
    coarse = rng.integers(0, 256, size=(height // 16 + 1, width // 16 + 1, 3), dtype=np.uint8)
    return Image.fromarray(coarse, "RGB").resize((width, height), Image.Resampling.BICUBIC)


def write_demo_media(folder: Path) -> list[Path]:
    """Draw the demo set into ``folder``: stills in several formats, a near-duplicate, and a video."""
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    base = shapes(1600, 1200, seed=7)
    for name, image, fmt in (
        ("shapes.jpg", base, "JPEG"),
        ("shapes-small-copy.jpg", base.resize((800, 600)), "JPEG"),
        ("gradient.png", gradient(640, 480, seed=3), "PNG"),
        ("noise.webp", noise(800, 600, seed=5), "WEBP"),
        ("circles.gif", shapes(320, 240, seed=11).convert("P"), "GIF"),
    ):
        path = folder / name
        image.save(path, fmt)
        written.append(path)
    notes = folder / "notes.txt"
    notes.write_text("A text file: hashed, kind other.\n")
    written.append(notes)
    video = folder / "moving-shapes.mp4"
    write_video(video, seconds=3, fps=10, size=(320, 240), seed=13)
    written.append(video)
    return written


def write_video(path: Path, *, seconds: int, fps: int, size: tuple[int, int], seed: int) -> None:
    """An H.264 MP4 of a drawn scene panning across a larger picture."""
    import av

    width, height = size
    scene = np.asarray(shapes(width * 2, height, seed))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264" if "libx264" in av.codecs_available else "mpeg4", rate=fps)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        for index in range(seconds * fps):
            offset = index * width // (seconds * fps)
            frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(scene[:, offset:offset + width]),
                                               format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)

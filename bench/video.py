"""Benchmark video hashing (vPDQ convention, one signature a second) against the naive pipeline, in one run.

Corpus: clips that pan and zoom across the benign photographs of ../shared/tools/photo-corpus (8 "mid" photos,
1600x1200, from public wallpaper packages in Debian), two photos per clip, encoded with PyAV's libx264
(preset fast, CRF 23, 30 fps, B-frames on: x264's defaults). Built once into --corpus, with a re-encoded copy of
each clip at half size (CRF 28).

    .venv/bin/python bench/video.py [--corpus DIR] [--seconds 12] [--rounds 2]

Prints, pinned to one core: tutela (fast mode) video-seconds per second; the naive pipeline (PyAV decode of every
frame to full-size RGB, pdqhash on one frame a second); their ratio; the share of the copies' signatures within
31 bits of the original's signature for the same frame; and bits between fast and --exact signatures.
Each pipeline runs --rounds times, interleaved; the best round counts (the machine is shared).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
from PIL import Image

from tutela.hashing.pdq import hamming, pdq_from_rgb
from tutela.hashing.video import hash_video

ROOT = Path(__file__).resolve().parents[1]
CLIPS = (  # name, size, photos (indexes into the sorted mid/ photos)
    ("pan-1080p-a", (1920, 1080), (1, 3)),
    ("pan-1080p-b", (1920, 1080), (4, 6)),
    ("pan-720p-a", (1280, 720), (5, 7)),
    ("pan-720p-b", (1280, 720), (0, 2)),
)
FPS = 30


def photos(folder: Path) -> list[Path]:
    found = sorted(folder.glob("photos/mid/*.jpg"))
    if len(found) < 8:
        tool = ROOT.parent / "shared" / "tools" / "photo-corpus"
        subprocess.run([sys.executable, str(tool), str(folder / "photos"), "--phone", "0", "--mid", "8",
                        "--small", "0"], check=True)
        found = sorted(folder.glob("photos/mid/*.jpg"))
    return found


def view(image: Image.Image, size: tuple[int, int], t: float) -> Image.Image:
    """The part of ``image`` a camera sees at time ``t`` in [0, 1): panning left to right while zooming in."""
    width, height = size
    zoom = 0.9 - 0.35 * t
    crop_w = min(image.width * zoom, image.height * zoom * width / height)
    crop_h = crop_w * height / width
    x = (image.width - crop_w) * t
    y = (image.height - crop_h) * (0.5 + 0.4 * np.sin(2 * np.pi * t)) / 1.0
    y = min(max(y, 0.0), image.height - crop_h)
    return image.resize(size, Image.Resampling.BILINEAR, box=(x, y, x + crop_w, y + crop_h))


def write_clip(path: Path, images: list[Image.Image], size: tuple[int, int], seconds: int) -> None:
    count = seconds * FPS
    each = count // len(images)
    with av.open(str(path), "w", format="mp4") as out:
        stream = out.add_stream("libx264", rate=FPS)
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
        stream.options = {"preset": "fast", "crf": "23"}
        for index in range(count):
            image = images[min(index // each, len(images) - 1)]
            frame = av.VideoFrame.from_image(view(image, size, (index % each) / each))
            out.mux(stream.encode(frame))
        out.mux(stream.encode())


def write_copy(source: Path, target: Path) -> None:
    with av.open(str(source)) as inp, av.open(str(target), "w", format="mp4") as out:
        video = inp.streams.video[0]
        width, height = video.codec_context.width // 2, video.codec_context.height // 2
        stream = out.add_stream("libx264", rate=video.average_rate)
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = {"preset": "fast", "crf": "28"}
        for index, frame in enumerate(inp.decode(video)):
            small = frame.reformat(width=width, height=height, format="yuv420p", interpolation="BICUBIC")
            small.pts, small.time_base = index, Fraction(1, FPS)
            out.mux(stream.encode(small))
        out.mux(stream.encode())


def build_corpus(folder: Path, seconds: int) -> list[tuple[Path, Path]]:
    folder.mkdir(parents=True, exist_ok=True)
    sources = photos(folder)
    pairs = []
    for name, size, chosen in CLIPS:
        clip, copy = folder / f"{name}-{seconds}s.mp4", folder / f"{name}-{seconds}s-copy.mp4"
        if not clip.exists():
            images = [Image.open(sources[i]).convert("RGB") for i in chosen]
            write_clip(clip.with_suffix(".part"), images, size, seconds)
            clip.with_suffix(".part").rename(clip)
        if not copy.exists():
            write_copy(clip, copy.with_suffix(".part"))
            copy.with_suffix(".part").rename(copy)
        pairs.append((clip, copy))
    return pairs


def naive(path: Path) -> list[str]:
    """Every frame decoded to full-size RGB, PDQ of one a second: what a straightforward PyAV loop does."""
    hashes = []
    with av.open(str(path)) as container:
        stream = container.streams.video[0]
        every = max(1, int(stream.average_rate))
        for index, frame in enumerate(container.decode(stream)):
            rgb = frame.to_ndarray(format="rgb24")
            if index % every == 0:
                hashes.append(pdq_from_rgb(rgb)[0])
    return hashes


def timed(function, paths: list[Path]) -> float:
    start = time.perf_counter()
    for path in paths:
        function(path)
    return time.perf_counter() - start


def video_seconds(paths: list[Path]) -> float:
    return sum(hash_video(path, seconds_per_hash=3600).frames / FPS for path in paths)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", type=Path, default=Path("/tmp/tutela-bench-video"))
    parser.add_argument("--seconds", type=int, default=12)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()

    pairs = build_corpus(args.corpus, args.seconds)
    clips = [clip for clip, _ in pairs]
    for clip in clips:
        clip.read_bytes()  # page cache
    os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})
    length = video_seconds(clips)
    print(f"corpus: {len(clips)} clips, {length:.0f} video-seconds at {FPS} fps, h264 (x264 preset fast, CRF 23): "
          + ", ".join(f"{name} {w}x{h}" for name, (w, h), _ in CLIPS) + f"; photos from photo-corpus in {args.corpus}")

    ours, theirs = [], []
    for _ in range(args.rounds):
        ours.append(timed(hash_video, clips))
        theirs.append(timed(naive, clips))
    fast, slow = length / min(ours), length / min(theirs)
    print(f"one core, best of {args.rounds} rounds")
    print(f"tutela fast    {fast:7.1f} video-s/s   ({min(ours):.2f} s)")
    print(f"naive          {slow:7.1f} video-s/s   ({min(theirs):.2f} s)   decode all to RGB + pdqhash 1/s")
    print(f"ratio          {fast / slow:7.2f}x   (target >= 3x)")

    matched = total = 0
    drift: list[int] = []
    for clip, copy in pairs:
        original = {s.frame: s for s in hash_video(clip).signatures}
        for signature in hash_video(copy).signatures:
            total += 1
            matched += hamming(signature.pdq, original[signature.frame].pdq) <= 31
        exact = hash_video(clip, exact=True).signatures
        drift += [hamming(e.pdq, original[e.frame].pdq) for e in exact
                  if min(e.quality, original[e.frame].quality) >= 50]
    print(f"copies (half size, CRF 28): {matched}/{total} = {matched / total:.1%} of signatures within 31 bits "
          f"of the original's same frame (target >= 90%)")
    print(f"fast vs exact: mean {np.mean(drift):.1f} bits, p95 {np.percentile(drift, 95):.0f}, max {max(drift)} "
          f"over {len(drift)} signatures with quality >= 50")


if __name__ == "__main__":
    main()

"""Video signatures in the vPDQ convention: ThreatExchange's sample hashes, drawn clips, hostile files."""

from __future__ import annotations

import io
from fractions import Fraction
from functools import cache
from pathlib import Path

import av
import numpy as np
import pytest

import tutela.hashing.video as video
from tutela.errors import DecodeError, TooLargeError, UnreadableError
from tutela.hashing.pdq import hamming
from tutela.hashing.video import VideoSignal, hash_video

VPDQ = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "vpdq"
SAMPLES = ("doorknob-hd-no-bar", "test-padded-dimensions")


def sample_hashes(name: str) -> list[tuple[int, int, str, str]]:
    """vpdq/sample-hashes lines: frame number, quality, PDQ hex, timestamp as printed (3 decimals)."""
    rows = []
    for line in (VPDQ / f"{name}.txt").read_text().split():
        frame, quality, pdq, seconds = line.split(",")
        rows.append((int(frame), int(quality), pdq, seconds))
    return rows


@cache
def hashed_sample(name: str, exact: bool, seconds_per_hash: float) -> VideoSignal:
    return hash_video(VPDQ / f"{name}.mp4", seconds_per_hash=seconds_per_hash, exact=exact)


# Bits from vpdq's own hashes on frames where both qualities are >= 50 (PyAV 18 / FFmpeg 8 here):
#   doorknob-hd-no-bar      60 frames   exact max 22 mean 5.4    fast max 16 mean 5.1
#   test-padded-dimensions 150 frames   exact max  2 mean 0.01   fast max 12 mean 2.8
@pytest.mark.parametrize("exact", [True, False], ids=["exact", "fast"])
@pytest.mark.parametrize("name", SAMPLES)
def test_every_frame_matches_vpdq_sample_hashes(name, exact):
    expected = sample_hashes(name)
    signal = hashed_sample(name, exact, 0.0)

    assert signal.frames == len(expected)
    assert [s.frame for s in signal.signatures] == [row[0] for row in expected]
    assert [f"{s.timestamp:.3f}" for s in signal.signatures] == [row[3] for row in expected]
    distances = [hamming(s.pdq, row[2]) for s, row in zip(signal.signatures, expected, strict=True)
                 if s.quality >= 50 and row[1] >= 50]
    assert len(distances) >= 50
    assert max(distances) < 31
    assert np.mean(distances) < 8


@pytest.mark.parametrize("exact", [True, False], ids=["exact", "fast"])
@pytest.mark.parametrize("name", SAMPLES)
def test_one_second_hashes_every_frame_rate_th_frame(name, exact):
    # Both samples are 30 fps: vpdq hashes frames 0, 30, 60... at N / 30 seconds.
    every = {s.frame: s for s in hashed_sample(name, False, 0.0).signatures} if not exact else None
    signal = hashed_sample(name, exact, 1.0)

    frames = len(sample_hashes(name))
    assert signal.frames == frames
    assert [s.frame for s in signal.signatures] == list(range(0, frames, 30))
    assert [s.timestamp for s in signal.signatures] == pytest.approx([n / 30 for n in range(0, frames, 30)])
    if every is not None:  # frames the fast mode leaves undecoded do not change the ones it hashes
        assert all(s == every[s.frame] for s in signal.signatures)


def test_sample_size_and_duration():
    signal = hashed_sample("doorknob-hd-no-bar", False, 1.0)
    assert (signal.width, signal.height, signal.duration) == (1280, 720, pytest.approx(4.0))


# --- drawn clips ---------------------------------------------------------------------------------------------


def textured_frames(count: int, width: int, height: int, seed: int):
    """Smoothed noise with a bright disc, panning right: busy enough for PDQ quality near 100."""
    rng = np.random.default_rng(seed)
    texture = rng.integers(0, 256, (height // 8 + 1, (width + 4 * count) // 8 + 1), dtype=np.uint8)
    texture = np.repeat(np.repeat(texture, 8, axis=0), 8, axis=1)[:height]
    yy, xx = np.mgrid[:height, :width]
    for index in range(count):
        grey = texture[:, 4 * index:4 * index + width].copy()
        cx, cy = width * (0.3 + 0.4 * index / count), height / 2
        grey[(xx - cx) ** 2 + (yy - cy) ** 2 < (height / 5) ** 2] = 230
        yield np.stack([grey, np.roll(grey, 7, axis=1), 255 - grey], axis=-1)


def write_clip(path: Path, *, codec: str = "libx264", seconds: float = 3, fps: float | Fraction = 10,
               size: tuple[int, int] = (160, 120), seed: int = 1, options: dict | None = None) -> Path:
    width, height = size
    with av.open(str(path), "w") as out:
        stream = out.add_stream(codec, rate=Fraction(fps))
        stream.width, stream.height, stream.pix_fmt = width, height, "yuv420p"
        stream.options = options or {}
        for rgb in textured_frames(round(seconds * fps), width, height, seed):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(rgb, format="rgb24")))
        out.mux(stream.encode())
    return path


def reencode(source: Path, target: Path, size: tuple[int, int]) -> Path:
    with av.open(str(source)) as inp, av.open(str(target), "w") as out:
        rate = inp.streams.video[0].average_rate
        stream = out.add_stream("libx264", rate=rate)
        stream.width, stream.height, stream.pix_fmt = *size, "yuv420p"
        stream.options = {"crf": "30", "preset": "veryfast"}
        for index, frame in enumerate(inp.decode(video=0)):
            small = frame.reformat(width=size[0], height=size[1], format="yuv420p")
            small.pts, small.time_base = index, 1 / rate
            out.mux(stream.encode(small))
        out.mux(stream.encode())
    return target


CONTAINERS = [
    ("mp4", "libx264", None),
    ("mkv", "libx264", None),
    ("webm", "libvpx-vp9", None),
    ("avi", "mpeg4", {"bf": "2"}),
]


@pytest.mark.parametrize(("suffix", "codec", "options"), CONTAINERS, ids=[c[0] for c in CONTAINERS])
def test_drawn_clip_gives_one_signature_a_second(tmp_path, suffix, codec, options):
    path = write_clip(tmp_path / f"clip.{suffix}", codec=codec, options=options)

    signal = hash_video(path)

    assert (signal.width, signal.height, signal.frames) == (160, 120, 30)
    assert signal.duration == pytest.approx(3.0, abs=0.15)
    assert [(s.frame, s.timestamp) for s in signal.signatures] == [(0, 0.0), (10, 1.0), (20, 2.0)]
    assert all(s.quality >= 80 and len(s.pdq) == 64 for s in signal.signatures)


@pytest.mark.parametrize(("suffix", "codec", "options"), CONTAINERS, ids=[c[0] for c in CONTAINERS])
def test_skipping_undecoded_frames_changes_nothing(tmp_path, monkeypatch, suffix, codec, options):
    path = write_clip(tmp_path / f"clip.{suffix}", codec=codec, options=options, seconds=4)
    fast = hash_video(path, seconds_per_hash=0.5)

    monkeypatch.setattr(video, "_plan", lambda *args: None)
    assert hash_video(path, seconds_per_hash=0.5) == fast
    monkeypatch.setattr(video, "_plan", lambda *args: video._Plan({}, frozenset()))  # a ranking that is wrong
    assert hash_video(path, seconds_per_hash=0.5) == fast
    assert [s.frame for s in fast.signatures] == list(range(0, 40, 5))


def test_file_object_gives_the_same_signal_as_the_path(tmp_path):
    path = write_clip(tmp_path / "clip.mp4")
    with path.open("rb") as stream:
        assert hash_video(stream) == hash_video(path)


def test_frame_interval_truncates_like_vpdq(tmp_path):
    # int(1.0 * 29.97) = 29: vpdq hashes every 29th frame of NTSC video, not every 30th.
    path = write_clip(tmp_path / "ntsc.mp4", fps=Fraction(30000, 1001), seconds=2.1)
    signal = hash_video(path)
    assert [s.frame for s in signal.signatures] == [0, 29, 58]
    assert signal.signatures[1].timestamp == pytest.approx(29 * 1001 / 30000)


def test_every_frame_and_max_seconds(tmp_path):
    path = write_clip(tmp_path / "clip.mp4")
    every = hash_video(path, seconds_per_hash=0)
    assert [s.frame for s in every.signatures] == list(range(30))

    short = hash_video(path, max_seconds=1.5)
    assert short.frames == 15
    assert short.signatures == every.signatures[0:11:10]


def test_exact_and_fast_agree_on_a_drawn_clip(tmp_path):
    path = write_clip(tmp_path / "clip.mp4", size=(1280, 720), seconds=1)
    exact, fast = hash_video(path, exact=True), hash_video(path)
    assert [s.frame for s in exact.signatures] == [s.frame for s in fast.signatures] == [0]
    assert hamming(exact.signatures[0].pdq, fast.signatures[0].pdq) <= 16


def test_reencoded_downscaled_copy_matches(tmp_path):
    original = write_clip(tmp_path / "original.mp4", size=(640, 360), seconds=8, seed=5)
    copy = reencode(original, tmp_path / "copy.mp4", (320, 180))

    ours = hash_video(original).signatures
    theirs = hash_video(copy).signatures
    assert len(theirs) == len(ours) == 8
    matched = [any(hamming(t.pdq, o.pdq) <= 31 for o in ours) for t in theirs if t.quality >= 50]
    assert sum(matched) / len(theirs) >= 0.9


# --- hostile input -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("keep", [0.05, 0.5, 0.97])
def test_truncated_copy_is_a_decode_error(tmp_path, keep):
    data = write_clip(tmp_path / "clip.mp4").read_bytes()
    with pytest.raises(DecodeError):
        hash_video(io.BytesIO(data[: int(len(data) * keep)]))


def test_truncated_faststart_copy_is_a_decode_error(tmp_path):
    # moov first, so the demuxer finds frames; the decoder fails at the cut, and vpdq fails the video then.
    path = write_clip(tmp_path / "clip.mp4", options={"movflags": "+faststart"})
    data = path.read_bytes()
    with pytest.raises(DecodeError):
        hash_video(io.BytesIO(data[: len(data) // 2]))


@pytest.mark.parametrize("data", [
    b"",
    b"\0" * 4096,
    np.random.default_rng(3).integers(0, 256, 100_000, dtype=np.uint8).tobytes(),
], ids=["empty", "zeros", "random"])
def test_bytes_that_are_no_video_are_a_decode_error(data):
    with pytest.raises(DecodeError):
        hash_video(io.BytesIO(data))


def test_audio_only_file_is_a_decode_error(tmp_path):
    path = tmp_path / "tone.m4a"
    with av.open(str(path), "w") as out:
        stream = out.add_stream("aac", rate=8000)
        for index in range(10):
            samples = np.sin(np.arange(1024, dtype=np.float32) * 0.1 * (index + 1))[None, :]
            frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout="mono")
            frame.sample_rate, frame.pts = 8000, index * 1024
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    with pytest.raises(DecodeError, match="no video stream"):
        hash_video(path)


def test_frames_beyond_max_pixels_are_too_large(tmp_path):
    path = write_clip(tmp_path / "clip.mp4", seconds=1)
    with pytest.raises(TooLargeError):
        hash_video(path, max_pixels=160 * 120 - 1)


def test_missing_path_is_unreadable(tmp_path):
    with pytest.raises(UnreadableError):
        hash_video(tmp_path / "absent.mp4")


def test_negative_interval_is_refused():
    with pytest.raises(ValueError, match="seconds_per_hash"):
        hash_video("unused.mp4", seconds_per_hash=-1)

"""Video frame signatures in the vPDQ convention (ThreatExchange ``vpdq/cpp/vpdq/cpp/hashing/filehasher.cpp``).

What vpdq does, and so what we do:

- the first video stream is decoded in full; frames are numbered 0, 1, 2... in the order the decoder outputs
  them (``codecContext->frame_num - 1``), which is presentation order;
- the frame rate is the stream's ``avg_frame_rate``, else ``r_frame_rate``; a video without one is refused;
- frame N is hashed when ``N % max(1, int(seconds_per_hash * frame_rate)) == 0``; ``seconds_per_hash=0`` hashes
  every frame. The truncation is vpdq's: at 29.97 fps it hashes every 29th frame;
- a signature's timestamp is ``N / frame_rate`` (not the frame's pts), its hash the PDQ of the frame as RGB24
  (swscale's default BT.601 matrix), at full resolution.

``exact=True`` is that pipeline. The fast mode (default) differs in two places that keep matching: the frames
it hashes go to grey (the same BT.601 luma PDQ takes from RGB), reduced by a whole factor to a short side of
512-1023 px, since PDQ works on a 64x64 reduction anyway; and the frames it will not hash are not decoded
when nothing refers to them (``skip_frame="NONREF"``, switched per packet). Skipped frames still need their
numbers, so a first, cheap pass reads the packets' timestamps and ranks them; the decode checks every frame it
gets against that ranking and falls back to decoding everything when the timestamps do not tell the order.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from fractions import Fraction
from typing import BinaryIO

import av
import av.error

from tutela.domain.media import FrameSignature
from tutela.errors import DecodeError, TooLargeError, UnreadableError
from tutela.hashing.pdq import pdq_from_luma, pdq_from_rgb

__all__ = ["FAST_SHORT_SIDE", "VideoSignal", "hash_video"]

FAST_SHORT_SIDE = 512
# vpdq converts with a plain sws_getContext, which ignores colour tags and uses BT.601.
_MATRIX = "ITU601"

VideoSource = str | os.PathLike[str] | BinaryIO


@dataclass(frozen=True, slots=True)
class VideoSignal:
    """What hashing a video gives: its size, length and frame signatures in the vPDQ convention."""

    duration: float | None  # seconds
    frames: int  # frames of the video stream (up to max_seconds when given)
    width: int | None
    height: int | None
    signatures: list[FrameSignature]


@dataclass(frozen=True, slots=True)
class _Stream:
    index: int
    rate: Fraction
    width: int
    height: int
    duration: float | None


@dataclass(frozen=True, slots=True)
class _Request:
    frame_mod: int
    exact: bool
    max_seconds: float | None
    max_pixels: int

    def wanted(self, number: int) -> bool:
        return number % self.frame_mod == 0

    def frame_limit(self, rate: Fraction) -> int | None:
        """Frames whose timestamp is before ``max_seconds``."""
        return None if self.max_seconds is None else math.ceil(Fraction(self.max_seconds) * rate)


@dataclass(frozen=True, slots=True)
class _Plan:
    """Presentation rank of every packet timestamp, and the timestamps of the frames to hash."""

    ranks: dict[int, int]
    targets: frozenset[int]


class _PlanMismatch(Exception):
    """The decoder's frames do not follow the packet ranking; decode everything instead."""


def hash_video(source: VideoSource, *, seconds_per_hash: float = 1.0, exact: bool = False,
               max_seconds: float | None = None, max_pixels: int = 100_000_000) -> VideoSignal:
    """Frame signatures of a video file: a path, or a seekable binary file object holding the whole file.

    Raises ``DecodeError`` when the bytes are not a decodable video (as vpdq, also when the decoder fails part
    way), ``TooLargeError`` when a frame has more than ``max_pixels`` pixels, ``UnreadableError`` when a path
    cannot be opened. ``max_seconds`` stops decoding at that point of the video.
    """
    if seconds_per_hash < 0:
        raise ValueError("seconds_per_hash must not be negative")
    try:
        return _hash(source, seconds_per_hash, exact, max_seconds, max_pixels)
    except av.error.FFmpegError as exc:
        if isinstance(exc, OSError):  # av's FileNotFoundError, PermissionError... are OSErrors too
            raise UnreadableError(f"cannot read: {_reason(exc)}") from None
        raise DecodeError(f"cannot decode video: {_reason(exc)}") from None


def _reason(exc: av.error.FFmpegError) -> str:
    text = exc.strerror or type(exc).__name__
    return " ".join(str(text).split()).lower()


def _hash(source: VideoSource, seconds_per_hash: float, exact: bool,
          max_seconds: float | None, max_pixels: int) -> VideoSignal:
    with _open(source) as container:
        stream = _describe(container, max_pixels)
    frame_mod = max(1, int(seconds_per_hash * float(stream.rate)))
    request = _Request(frame_mod, exact, max_seconds, max_pixels)
    plan = None if exact or frame_mod == 1 else _plan(source, stream, request)
    if plan is not None:
        try:
            return _decode(source, stream, request, plan)
        except _PlanMismatch:
            pass
    return _decode(source, stream, request, None)


def _open(source: VideoSource) -> av.container.InputContainer:
    if hasattr(source, "seek"):
        source.seek(0)  # av reads a file object from its start whatever its position
    return av.open(source, mode="r")


def _describe(container: av.container.InputContainer, max_pixels: int) -> _Stream:
    if not container.streams.video:
        raise DecodeError("no video stream")
    stream = container.streams.video[0]
    width, height = stream.codec_context.width, stream.codec_context.height
    if not width or not height:
        raise DecodeError("video stream has no frame size")
    _check_pixels(width, height, max_pixels)
    rate = stream.average_rate or stream.base_rate
    if not rate:
        raise DecodeError("video stream has no frame rate")
    duration = None
    if stream.duration is not None and stream.time_base is not None:
        duration = float(stream.duration * stream.time_base)
    elif container.duration is not None:
        duration = container.duration / av.time_base
    return _Stream(stream.index, Fraction(rate), width, height, duration)


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width * height > max_pixels:
        raise TooLargeError(f"video frames of {width}x{height} exceed {max_pixels} pixels")


def _plan(source: VideoSource, stream: _Stream, request: _Request) -> _Plan | None:
    """Rank the packets by timestamp without decoding; None when timestamps are missing or repeated."""
    stamps: list[int] = []
    with _open(source) as container:
        for packet in container.demux(container.streams.video[0]):
            if packet.size == 0:
                continue
            if packet.pts is None:
                return None
            stamps.append(packet.pts)
    ranks = {pts: rank for rank, pts in enumerate(sorted(stamps))}
    if len(ranks) != len(stamps):
        return None
    limit = request.frame_limit(stream.rate)
    targets = frozenset(pts for pts, rank in ranks.items() if request.wanted(rank) and (limit is None or rank < limit))
    return _Plan(ranks, targets)


def _decode(source: VideoSource, stream: _Stream, request: _Request,
            plan: _Plan | None) -> VideoSignal:
    signatures: list[FrameSignature] = []
    decoded = 0
    last = -1
    limit = request.frame_limit(stream.rate)
    with _open(source) as container:
        video = container.streams.video[0]
        codec = video.codec_context
        for packet in container.demux(video):
            if plan is not None:
                codec.skip_frame = "DEFAULT" if packet.pts in plan.targets or packet.size == 0 else "NONREF"
            for frame in packet.decode():
                number = decoded if plan is None else _rank(plan, frame.pts, last)
                if limit is not None and number >= limit:
                    return _signal(stream, limit, signatures, plan)
                decoded, last = decoded + 1, number
                if request.wanted(number):
                    signatures.append(_signature(frame, number, stream.rate, request))
    if decoded == 0:
        raise DecodeError("video stream has no decodable frames")
    return _signal(stream, decoded if plan is None else len(plan.ranks), signatures, plan)


def _rank(plan: _Plan, pts: int | None, last: int) -> int:
    number = plan.ranks.get(pts) if pts is not None else None
    if number is None or number <= last:
        raise _PlanMismatch
    return number


def _signal(stream: _Stream, frames: int, signatures: list[FrameSignature], plan: _Plan | None) -> VideoSignal:
    if plan is not None and len(signatures) != sum(1 for pts in plan.targets if plan.ranks[pts] < frames):
        raise _PlanMismatch
    return VideoSignal(stream.duration, frames, stream.width, stream.height, signatures)


def _signature(frame: av.VideoFrame, number: int, rate: Fraction, request: _Request) -> FrameSignature:
    _check_pixels(frame.width, frame.height, request.max_pixels)
    if request.exact:
        rgb = frame.reformat(format="rgb24", src_colorspace=_MATRIX, dst_colorspace=_MATRIX).to_ndarray()
        pdq, quality = pdq_from_rgb(rgb)
    else:
        pdq, quality = pdq_from_luma(_fast_luma(frame))
    return FrameSignature(frame=number, timestamp=number / float(rate), pdq=pdq, quality=quality)


def _fast_luma(frame: av.VideoFrame):
    # Whole-number factors only: averaging k x k blocks commutes with PDQ's own box filters, where a 1080 -> 512
    # reduction moved hard-edged test patterns by 20-40 bits (1080 -> 540: 0-6).
    factor = max(1, min(frame.width, frame.height) // FAST_SHORT_SIDE)
    grey = frame.reformat(width=round(frame.width / factor), height=round(frame.height / factor), format="gray",
                          interpolation="AREA", src_colorspace=_MATRIX, dst_colorspace=_MATRIX)
    return grey.to_ndarray()

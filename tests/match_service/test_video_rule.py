"""The vPDQ rule on ThreatExchange's sample hashes and on our own hashes of the sample videos."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pytest

from tutela.hashing.video import hash_video
from tutela.matching.video_match import VideoFrames, VideoIndex, VideoRule, compare_videos

VPDQ = Path(__file__).resolve().parents[3] / "shared" / "vectors" / "vpdq"


@cache
def sample(name: str, every: int = 1) -> VideoFrames:
    """vpdq/sample-hashes (frame number, quality, PDQ hex, seconds), every frame or every ``every``-th."""
    rows = [line.split(",") for line in (VPDQ / f"{name}.txt").read_text().split()]
    return VideoFrames.from_hex([(pdq, int(quality)) for frame, quality, pdq, _ in rows if int(frame) % every == 0])


@cache
def ours(name: str, seconds_per_hash: float) -> VideoFrames:
    signal = hash_video(VPDQ / f"{name}.mp4", seconds_per_hash=seconds_per_hash)
    return VideoFrames.from_hex([(s.pdq, s.quality) for s in signal.signatures])


def test_a_video_matches_itself_fully():
    result = compare_videos(sample("doorknob-hd-no-bar"), sample("doorknob-hd-no-bar"))
    assert (result.query_percent, result.bank_percent, result.matched) == (100.0, 100.0, True)


def test_our_hashes_of_the_sample_match_vpdq_hashes_both_ways():
    # vpdq's own sample hashes (its frames at one a second: both samples are 30 fps) are the bank; our fast
    # hashing of the same file at one frame a second is the query.
    for name in ("doorknob-hd-no-bar", "test-padded-dimensions"):
        result = compare_videos(ours(name, 1.0), sample(name, every=30))
        assert result.matched, (name, result)
        assert (result.query_percent, result.bank_percent) == (100.0, 100.0)


def test_one_frame_a_second_still_matches_every_frame_hashes_of_the_same_video():
    result = compare_videos(ours("doorknob-hd-no-bar", 1.0), sample("doorknob-hd-no-bar"))
    # The query's 4 frames all match; they cover only some of the bank's 89 usable frames, so the bank share
    # is lower: the reason the rule has two thresholds.
    assert result.query_percent == 100.0
    assert result.bank_percent < 100.0


def test_different_videos_do_not_match():
    result = compare_videos(sample("doorknob-hd-no-bar"), sample("test-padded-dimensions"))
    assert result.query_percent < 10 and result.bank_percent < 10
    assert not result.matched


def test_low_quality_frames_are_left_out_on_both_sides():
    frames = sample("doorknob-hd-no-bar")
    usable = int((frames.quality >= 50).sum())
    assert usable < frames.rows.shape[0]  # the sample holds quality-0 frames
    # Corrupt only the unusable frames: the shares do not move.
    changed = frames.rows.copy()
    changed[frames.quality < 50] ^= 0xFF
    result = compare_videos(VideoFrames(changed, frames.quality), frames)
    assert (result.query_percent, result.bank_percent) == (100.0, 100.0)


def test_distance_is_strictly_below_the_tolerance_as_in_vpdq():
    rng = np.random.default_rng(3)
    base = rng.integers(0, 256, (1, 32), dtype=np.uint8)
    bits = np.unpackbits(base, axis=1)
    bits[0, :31] ^= 1  # exactly 31 bits away
    moved = np.packbits(bits, axis=1)
    quality = np.array([100], dtype=np.int16)
    assert not compare_videos(VideoFrames(moved, quality), VideoFrames(base, quality)).matched
    assert compare_videos(VideoFrames(moved, quality), VideoFrames(base, quality), VideoRule(distance=32)).matched


def test_thresholds_are_configurable_in_each_direction():
    clip, whole = ours("doorknob-hd-no-bar", 1.0), sample("doorknob-hd-no-bar")
    assert not compare_videos(clip, whole).matched
    assert compare_videos(clip, whole, VideoRule(bank_percent=0.0)).matched
    assert not compare_videos(whole, clip, VideoRule(bank_percent=0.0)).matched  # query side now short


def test_index_finds_exactly_the_matching_bank_videos():
    bank = {7: sample("doorknob-hd-no-bar", every=30), 9: sample("test-padded-dimensions", every=30)}
    index = VideoIndex(bank)
    assert [m.entry_id for m in index.match(ours("doorknob-hd-no-bar", 1.0))] == [7]
    assert [m.entry_id for m in index.match(ours("test-padded-dimensions", 1.0))] == [9]
    unrelated = VideoFrames(np.random.default_rng(1).integers(0, 256, (20, 32), dtype=np.uint8),
                            np.full(20, 100, dtype=np.int16))
    assert index.match(unrelated) == []


def test_malformed_frames_are_refused_by_position():
    with pytest.raises(ValueError, match="frame #1: PDQ must be 64 hex digits"):
        VideoFrames.from_hex([("0" * 64, 100), ("0" * 63, 100)])
    with pytest.raises(ValueError, match="frame #0: quality must be 0-100"):
        VideoFrames.from_hex([("0" * 64, 101)])

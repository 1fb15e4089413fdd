"""The matching rules: digests first, near matches per bank threshold, dihedral, borders, quality, blanks."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np
import pytest
from drawn import encoded, picture
from PIL import Image, ImageOps

from tutela.domain.banks import BankInfo, Trust
from tutela.hashing.pdq import hamming
from tutela.hashing.stills import hash_still, match_signals, register_decoders
from tutela.matching.brute import BruteForcePdqIndex
from tutela.matching.digest_index import DigestIndex
from tutela.matching.matcher import (
    LibraryMatcher,
    PdqQuery,
    blank_like,
    flat_picture_hashes,
    hash_flat_pictures,
    resolved_grade,
)


@pytest.fixture(scope="module", autouse=True)
def _decoders():
    register_decoders()


def _flip_bits(hex_value: str, count: int, seed: int) -> str:
    value = int(hex_value, 16)
    for bit in random.Random(seed).sample(range(256), count):
        value ^= 1 << bit
    return f"{value:064x}"


def _matcher(entries: list[dict], banks: list[BankInfo]) -> LibraryMatcher:
    rows = {e["id"]: SimpleNamespace(series=None, victim_identified=None, **e) for e in entries}
    with_pdq = [e for e in entries if e.get("pdq")]
    near = BruteForcePdqIndex(np.array([e["id"] for e in with_pdq], dtype=np.int64),
                              np.stack([np.frombuffer(e["pdq"], np.uint8) for e in with_pdq]))
    exact = DigestIndex.build([(e["id"], e.get("md5"), None, None) for e in entries], generation=1)
    return LibraryMatcher(banks, exact, near, lambda ids: {i: rows[i] for i in ids if i in rows})


def test_digest_match_comes_first_and_precedence_resolves_conflicts():
    md5 = bytes.fromhex("ab" * 16)
    pdq = bytes.fromhex(hash_still(encoded(picture(seed=1), "PNG")).pdq)
    banks = [BankInfo(1, "local", Trust.UNVERIFIED, precedence=1), BankInfo(2, "national", Trust.TRUSTED, precedence=9)]
    matcher = _matcher([{"id": 10, "bank_id": 1, "category": "c", "md5": md5, "pdq": pdq},
                        {"id": 11, "bank_id": 2, "category": "a", "md5": md5, "pdq": None}], banks)
    (result,) = matcher.match_digests([("md5", "AB" * 16)])
    assert [(m.bank, m.category, m.distance) for m in result.matches] == [("national", "a", 0), ("local", "c", 0)]
    assert resolved_grade(result.matches).category == "a"


def test_each_bank_applies_its_own_threshold():
    original = hash_still(encoded(picture(seed=2), "PNG")).pdq
    banks = [BankInfo(1, "strict", Trust.TRUSTED, pdq_threshold=10), BankInfo(2, "loose", Trust.TRUSTED)]
    matcher = _matcher([{"id": 1, "bank_id": 1, "category": "a", "pdq": bytes.fromhex(original)},
                        {"id": 2, "bank_id": 2, "category": "b", "pdq": bytes.fromhex(original)}], banks)
    near = _flip_bits(original, 20, seed=3)
    (result,) = matcher.match_pdqs([PdqQuery((("original", near),), quality=100)])
    assert [(m.bank, m.distance) for m in result.matches] == [("loose", 20)]
    far = _flip_bits(original, 32, seed=4)
    assert matcher.match_pdqs([PdqQuery((("original", far),), quality=100)])[0].matches == []


def test_disabled_bank_never_matches():
    original = hash_still(encoded(picture(seed=5), "PNG")).pdq
    matcher = _matcher([{"id": 1, "bank_id": 1, "category": "a", "pdq": bytes.fromhex(original)}],
                       [BankInfo(1, "off", Trust.TRUSTED, enabled=False)])
    assert matcher.match_pdqs([PdqQuery((("original", original),), 100)])[0].matches == []


@pytest.mark.parametrize("transform", [
    Image.Transpose.FLIP_LEFT_RIGHT, Image.Transpose.FLIP_TOP_BOTTOM, Image.Transpose.ROTATE_90,
    Image.Transpose.ROTATE_180, Image.Transpose.ROTATE_270, Image.Transpose.TRANSPOSE])
def test_turned_and_flipped_copies_match(transform):
    photo = picture(800, 600, seed=6)
    original = hash_still(encoded(photo, "JPEG", quality=92))
    matcher = _matcher([{"id": 1, "bank_id": 1, "category": "b", "pdq": bytes.fromhex(original.pdq)}],
                       [BankInfo(1, "bank", Trust.TRUSTED)])
    copy = encoded(photo.transpose(transform), "JPEG", quality=85)
    assert hamming(hash_still(copy).pdq, original.pdq) > 31  # plain PDQ misses it
    signals = match_signals(copy)
    (result,) = matcher.match_pdqs([PdqQuery(signals.candidates, signals.quality)])
    assert [m.entry_id for m in result.matches] == [1]
    assert result.matches[0].orientation is not None


@pytest.mark.parametrize("colour", [(0, 0, 0), (255, 255, 255)])
def test_padded_copy_matches_inside_its_borders(colour):
    photo = picture(800, 600, seed=7)
    original = hash_still(encoded(photo, "JPEG", quality=92))
    matcher = _matcher([{"id": 1, "bank_id": 1, "category": "a", "pdq": bytes.fromhex(original.pdq)}],
                       [BankInfo(1, "bank", Trust.TRUSTED)])
    padded = ImageOps.expand(photo, border=(80, 60), fill=colour)
    signals = match_signals(encoded(padded, "JPEG", quality=90))
    (result,) = matcher.match_pdqs([PdqQuery(signals.candidates, signals.quality)])
    assert [m.entry_id for m in result.matches] == [1]
    assert result.matches[0].orientation.startswith("trimmed")


def test_low_quality_still_is_not_near_matched_and_says_so():
    matcher = _matcher([{"id": 1, "bank_id": 1, "category": "a", "pdq": bytes.fromhex("5a" * 32)}],
                       [BankInfo(1, "bank", Trust.TRUSTED)])
    (result,) = matcher.match_pdqs([PdqQuery((("original", "5a" * 32),), quality=20)])
    assert result.matches == [] and "quality 20" in result.note


def test_two_near_blank_pictures_never_match():
    blank = Image.new("RGB", (640, 480), (200, 200, 200))
    other = Image.new("RGB", (640, 480), (40, 40, 40))
    first, second = hash_still(encoded(blank, "PNG")), hash_still(encoded(other, "PNG"))
    assert blank_like(first.pdq) and blank_like(second.pdq)
    matcher = _matcher([{"id": 1, "bank_id": 1, "category": "a", "pdq": bytes.fromhex(first.pdq)}],
                       [BankInfo(1, "bank", Trust.TRUSTED)])
    by_hash_only, with_quality = matcher.match_pdqs([PdqQuery((("original", second.pdq),)),
                                                     PdqQuery((("original", second.pdq),), second.quality)])
    assert by_hash_only.matches == [] and "blank" in by_hash_only.note
    assert with_quality.matches == [] and "quality 0" in with_quality.note


def test_real_pictures_are_not_blank_like():
    for seed in range(20):
        assert not blank_like(hash_still(encoded(picture(320, 240, seed=seed), "PNG")).pdq)


def test_blank_like_rows_in_chunks_agrees_with_one_hash_at_a_time(monkeypatch):
    from tutela.matching import matcher

    monkeypatch.setattr(matcher, "_BLANK_CHUNK", 7)  # many chunks, a flat hash on each side of a boundary
    rng = np.random.default_rng(5)
    rows = rng.integers(0, 256, (40, 32), dtype=np.uint8)
    flats = flat_picture_hashes()
    for position, flat in ((6, flats[3]), (7, flats[100]), (39, flats[-1])):
        rows[position] = np.frombuffer(bytes.fromhex(_flip_bits(f"{flat:064x}", 5, position)), dtype=np.uint8)
    rows[20] = 0  # few bits set
    found = matcher.blank_like_rows(rows)
    assert found.tolist() == [blank_like(bytes(row).hex()) for row in rows]
    assert set(np.flatnonzero(found).tolist()) >= {6, 7, 20, 39}


def test_blank_like_rows_through_an_index_agrees_with_the_comparison_word_by_word(monkeypatch):
    """Many rows go through an index of them; it must find exactly the rows within 16 bits of a flat picture."""
    from tutela.matching import matcher

    rng = np.random.default_rng(9)
    rows = rng.integers(0, 256, (3000, 32), dtype=np.uint8)
    flats = flat_picture_hashes()
    for position in range(0, 3000, 37):  # at the edge: 16 bits from a flat picture (blank), 17 (not)
        flat = f"{flats[position % len(flats)]:064x}"
        rows[position] = np.frombuffer(bytes.fromhex(_flip_bits(flat, 16 + position % 2, position)), np.uint8)
    rows[5] = 0
    monkeypatch.setattr(matcher, "_BLANK_BY_INDEX", 1)
    by_index = matcher.blank_like_rows(rows)
    monkeypatch.setattr(matcher, "_BLANK_BY_INDEX", 10**9)
    by_words = matcher.blank_like_rows(rows)
    assert by_index.tolist() == by_words.tolist()
    assert by_index[0::74].all() and not by_index[37::74].any() and by_index[5]


def test_near_index_leaves_out_flat_picture_hashes():
    from tutela.hashing.pdq import pdq_from_luma
    from tutela.matching.indexes import build_near_index

    rng = np.random.default_rng(3)
    rows = rng.integers(0, 256, (1000, 32), dtype=np.uint8)
    rows[7] = np.frombuffer(bytes.fromhex(pdq_from_luma(np.full((64, 64), 200, np.uint8))[0]), np.uint8)
    rows[9] = 0  # no bits set
    index = build_near_index(np.arange(1000, dtype=np.int64) + 100, rows, generation=4)
    assert len(index) == 998 and index.generation == 4
    assert index.search(rows[[7, 9, 11]], 31) == [[], [], [(111, 0)]]


def test_padding_does_not_lift_a_low_quality_picture_past_the_quality_rule():
    flat_ish = Image.fromarray(np.full((400, 600), 90, np.uint8)).convert("RGB")
    padded = ImageOps.expand(flat_ish, border=60, fill=(255, 255, 255))
    signals = match_signals(encoded(padded, "PNG"))
    assert not any(label.startswith("trimmed") for label, _ in signals.candidates)


def test_flat_picture_table_is_what_pdqhash_gives():
    # If pdqhash changes, regenerate src/tutela/matching/flat_pdqs.py from sorted(hash_flat_pictures()).
    assert set(flat_picture_hashes()) == hash_flat_pictures()

"""The served library: answers from mapped indexes, picks up new entries and bank changes without a rebuild,
and never disturbs a library already answering."""

from __future__ import annotations

import os

from match_entries import add_entries, flipped, random_pdqs

from tutela.domain.categories import Category
from tutela.domain.media import FrameSignature
from tutela.matching.indexes import PDQ_FILE
from tutela.matching.video_match import VideoFrames
from tutela.services.match_library import LibraryWatcher, load_library, refreshed, rule_from
from tutela.services.match_service import match_hashes, match_videos, parse_hashes
from tutela.store.bank_videos import add_bank_video
from tutela.store.library import LibraryStore


def _watcher(settings, engine) -> LibraryWatcher:
    return LibraryWatcher(lambda: load_library(settings, engine),
                          lambda lib: refreshed(lib, engine, rule_from(settings)), settings.match_reload_seconds)


def _banks_of(library, queries: list[str]) -> list[list[str]]:
    return [[f.bank for f in a.found] for a in match_hashes(library, None, parse_hashes(queries, 100))]


def test_near_and_exact_matches_come_from_the_mapped_index(library):
    settings, engine, banks = library
    served = _watcher(settings, engine).current
    entry = banks["national"][5]
    answers = match_hashes(served, None, parse_hashes([f"pdq:{flipped(entry.pdq, 9)}", f"md5:{entry.md5}",
                                                       f"pdq:{random_pdqs(1, 99)[0]}"], 100))
    assert [(f.bank, f.category, f.hash_type, f.distance) for f in answers[0].found] == [("national", "a", "pdq", 9)]
    assert [(f.bank, f.hash_type, f.distance) for f in answers[1].found] == [("national", "md5", 0)]
    assert answers[2].found == []
    assert served.figures()["pdq_entries"] == 400


def test_new_entries_are_live_after_one_poll_without_rebuilding_the_index(library):
    settings, engine, _ = library
    watcher = _watcher(settings, engine)
    before = watcher.current
    index_file = settings.index_folder / PDQ_FILE
    stamp = os.stat(index_file).st_mtime_ns
    fresh = random_pdqs(30, 7)
    entries = add_entries(LibraryStore(engine), "partner-feed", fresh, Category.C, 17)
    queries = [f"pdq:{flipped(fresh[0], 4)}", f"md5:{entries[1].md5}"]
    assert _banks_of(before, queries) == [[], []]

    assert watcher.poll() is True
    after = watcher.current
    assert _banks_of(after, queries) == [["partner-feed"], ["partner-feed"]]
    assert _banks_of(before, queries) == [[], []]  # the library already answering is unchanged
    assert after.figures()["in_memory"] == 30
    assert os.stat(index_file).st_mtime_ns == stamp  # nothing rebuilt on disk
    assert watcher.poll() is False


def test_a_disabled_bank_stops_matching_after_a_poll(library):
    settings, engine, banks = library
    watcher = _watcher(settings, engine)
    query = [f"md5:{banks['national'][0].md5}"]
    assert _banks_of(watcher.current, query) == [["national"]]
    LibraryStore(engine).set_bank("national", enabled=False)
    watcher.poll()
    assert _banks_of(watcher.current, query) == [[]]


def test_only_the_banks_asked_for_are_answered(library):
    settings, engine, banks = library
    served = _watcher(settings, engine).current
    national = LibraryStore(engine).bank("national").id
    query = parse_hashes([f"md5:{banks['partner-feed'][0].md5}", f"md5:{banks['national'][0].md5}"], 10)
    assert [[f.bank for f in a.found] for a in match_hashes(served, frozenset({national}), query)] == [[], ["national"]]


def test_a_bank_video_added_while_serving_matches_after_a_poll(library):
    settings, engine, _ = library
    watcher = _watcher(settings, engine)
    pdqs = random_pdqs(12, 5)
    frames = [FrameSignature(i, float(i), p, 100) for i, p in enumerate(pdqs)]
    entry_id, added = add_bank_video(engine, "national", category=Category.A, frames=frames)
    assert added and add_bank_video(engine, "national", category=Category.A, frames=frames) == (entry_id, False)
    query = VideoFrames.from_hex([(flipped(p, 5), 90) for p in pdqs[2:]])
    assert match_videos(watcher.current, None, [query]) == [[]]
    watcher.poll()
    (found,) = match_videos(watcher.current, None, [query])[0]
    assert (found.bank, found.category, found.hash_type, found.query_percent) == ("national", "a", "vpdq", 100.0)
    assert found.bank_percent == 83.3  # 10 of the bank video's 12 frames


def test_the_watcher_thread_swaps_libraries_on_its_own(library):
    import time

    settings, engine, _ = library
    watcher = _watcher(settings, engine)
    watcher.start()
    try:
        first = watcher.current
        add_entries(LibraryStore(engine), "national", random_pdqs(3, 8), Category.A, 18)
        deadline = time.monotonic() + 30
        while watcher.current is first and time.monotonic() < deadline:
            time.sleep(0.02)
        assert watcher.current is not first
    finally:
        watcher.stop()

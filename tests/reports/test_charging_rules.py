"""The charging rules on item records written out by hand: every cell of both exhibits and of the total."""

from __future__ import annotations

from charging_cells import table

from tutela.domain.charging import (
    BASES,
    CELL_KEYS,
    TOTAL_CELL_KEYS,
    ChargingItem,
    charging_table,
    duplicate_marks,
)

ORDER = ["EX-1", "EX-2"]


def item(n, exhibit, sha, kind, category, basis, outcome="known"):
    return ChargingItem(n, exhibit, f"/evidence/{exhibit}/file{n}", sha, kind, outcome, category, basis)


ITEMS = [
    item(1, "EX-1", "s1", "still", "a", "library"),
    item(2, "EX-1", "s1", "still", "a", "library", "duplicate"),
    item(3, "EX-1", "s2", "still", "b", "trusted_votes", "unknown_still"),
    item(4, "EX-1", "s3", "video", "a", "examiner_unverified", "unknown_video"),
    item(5, "EX-1", "s4", "still", None, "ungraded", "unknown_still"),
    item(6, "EX-1", "s5", "still", "c", "library"),
    item(7, "EX-1", "s9", "other", None, "ungraded", "not_media"),
    item(8, "EX-1", None, None, None, "ungraded", "failed"),
    item(9, "EX-2", "s1", "still", "a", "library"),  # across devices
    item(10, "EX-2", "s1", "still", "a", "library", "duplicate"),  # on EX-2's device
    item(11, "EX-2", "s2", "still", "b", "trusted_votes", "unknown_still"),  # across devices
    item(12, "EX-2", "s6", "video", "non_photographic", "trusted_votes", "unknown_video"),
    item(13, "EX-2", "s7", "still", None, "disputed", "unknown_still"),
    item(14, "EX-2", "s8", "still", "not_indecent", "trusted_votes", "unknown_still"),
    item(15, "EX-2", "s10", "still", "not_indecent", "library", "ignorable"),
    item(16, "EX-2", "s4", "still", None, "ungraded", "unknown_still"),  # across devices, still ungraded
    item(17, "EX-2", "s3", "video", "a", "examiner_unverified", "unknown_video"),  # across devices
]




EX1 = table(CELL_KEYS, {
    ("a", "still"): {"images": 2, "unique": 1, "duplicates": 1, "library": 2},
    ("b", "still"): {"images": 1, "unique": 1, "trusted_votes": 1},
    ("a", "video"): {"images": 1, "unique": 1, "examiner_unverified": 1},
    ("c", "still"): {"images": 1, "unique": 1, "library": 1},
    ("ungraded", "still"): {"images": 1, "unique": 1},
})
EX2 = table(CELL_KEYS, {
    ("a", "still"): {"images": 2, "unique": 1, "duplicates": 1, "library": 2},
    ("b", "still"): {"images": 1, "unique": 1, "trusted_votes": 1},
    ("non_photographic", "video"): {"images": 1, "unique": 1, "trusted_votes": 1},
    ("disputed", "still"): {"images": 1, "unique": 1},
    ("not_indecent", "still"): {"images": 1, "unique": 1, "trusted_votes": 1},
    ("ungraded", "still"): {"images": 1, "unique": 1},
    ("a", "video"): {"images": 1, "unique": 1, "examiner_unverified": 1},
})
TOTAL = table(TOTAL_CELL_KEYS, {
    ("a", "still"): {"images": 4, "unique": 1, "duplicates_on_device": 2, "duplicates_across_devices": 1,
                     "library": 4},
    ("b", "still"): {"images": 2, "unique": 1, "duplicates_across_devices": 1, "trusted_votes": 2},
    ("a", "video"): {"images": 2, "unique": 1, "duplicates_across_devices": 1, "examiner_unverified": 2},
    ("c", "still"): {"images": 1, "unique": 1, "library": 1},
    ("non_photographic", "video"): {"images": 1, "unique": 1, "trusted_votes": 1},
    ("disputed", "still"): {"images": 1, "unique": 1},
    ("not_indecent", "still"): {"images": 1, "unique": 1, "trusted_votes": 1},
    ("ungraded", "still"): {"images": 2, "unique": 1, "duplicates_across_devices": 1},
})


def test_every_cell_of_both_exhibits_and_the_total():
    found = charging_table(ITEMS, ORDER)
    assert found["exhibits"]["EX-1"] == {"cells": EX1, "items": 8,
                                         "not_counted": {"not_media": 1, "failed": 1, "ignorable": 0}}
    assert found["exhibits"]["EX-2"] == {"cells": EX2, "items": 9,
                                         "not_counted": {"not_media": 0, "failed": 0, "ignorable": 1}}
    assert found["total"] == {"cells": TOTAL, "items": 17,
                              "not_counted": {"not_media": 1, "failed": 1, "ignorable": 1}}
    assert found["conflicts"] == []


def test_cells_add_up_to_the_items_and_unique_is_distinct_pictures():
    found = charging_table(ITEMS, ORDER)
    for part in (*found["exhibits"].values(), found["total"]):
        cells = [cell for row in part["cells"].values() for cell in row.values()]
        assert sum(c["images"] for c in cells) + sum(part["not_counted"].values()) == part["items"]
    total_cells = [cell for row in found["total"]["cells"].values() for cell in row.values()]
    for cell in total_cells:
        assert cell["images"] == cell["unique"] + cell["duplicates_on_device"] + cell["duplicates_across_devices"]
        assert sum(cell[b] for b in BASES) <= cell["images"]
    counted_shas = {i.sha256 for i in ITEMS if i.outcome not in ("not_media", "failed", "ignorable")}
    assert sum(c["unique"] for c in total_cells) == len(counted_shas)


def test_the_earlier_exhibit_holds_the_unique_copy_whatever_the_item_order():
    reordered = sorted(ITEMS, key=lambda i: -i.item_id)
    marks = duplicate_marks(reordered, ORDER)
    assert (marks[1], marks[2], marks[9], marks[10]) == (
        "unique", "duplicate_on_device", "duplicate_across_devices", "duplicate_on_device")
    assert duplicate_marks(ITEMS, ["EX-2", "EX-1"])[9] == "unique"
    assert charging_table(reordered, ORDER) == charging_table(ITEMS, ORDER)


def test_copies_graded_differently_are_conflicts_each_counted_under_its_own_grade():
    items = [item(1, "EX-1", "s1", "still", "a", "library"),
             item(2, "EX-2", "s1", "still", "b", "examiner_unverified", "unknown_still")]
    found = charging_table(items, ORDER)
    assert found["conflicts"] == [{"sha256": "s1", "grades": {"a": [1], "b": [2]}}]
    assert found["total"]["cells"]["b"]["still"]["duplicates_across_devices"] == 1
    assert found["total"]["cells"]["a"]["still"]["unique"] == 1


def test_a_copy_recorded_as_duplicate_counts_as_its_first_copy():
    from tutela.domain.charging import as_first_copies

    items = as_first_copies([item(1, "EX-1", "s1", "still", "b", "trusted_votes", "unknown_still"),
                             item(2, "EX-1", "s1", "still", None, "ungraded", "duplicate"),
                             item(3, "EX-1", "s2", "still", "not_indecent", "library", "ignorable"),
                             item(4, "EX-1", "s2", "still", "not_indecent", "library", "duplicate")])
    assert [(i.outcome, i.recorded_outcome, i.category, i.basis) for i in items] == [
        ("unknown_still", None, "b", "trusted_votes"), ("unknown_still", "duplicate", "b", "trusted_votes"),
        ("ignorable", None, "not_indecent", "library"), ("ignorable", "duplicate", "not_indecent", "library")]
    found = charging_table(items, ORDER)["exhibits"]["EX-1"]
    assert found["cells"]["b"]["still"] == {"images": 2, "unique": 1, "duplicates": 1, "library": 0,
                                            "trusted_votes": 2, "examiner_unverified": 0}
    assert found["not_counted"]["ignorable"] == 2

"""Grades a library entry or a seized item can carry, and how VICS category codes map onto them.

``Category`` values are stable lower-case strings; they are written to the store, to CSV files and to
JSON output, so they never change once released:

    a                 Category A (England and Wales sentencing guideline grades A, B, C)
    b                 Category B
    c                 Category C
    not_indecent      graded and found not indecent
    non_photographic  prohibited (non-photographic) images, Coroners and Justice Act 2009 s.62
    comparison        comparison / exemplar material kept to help grading, not a grade of the item
    ungraded          known to the library but without a grade in our scheme

VICS (Project VIC) documents carry a numeric ``Category`` whose meaning depends on the regional
profile of whoever wrote it. A ``VicsProfile`` is plain data (a name, a label per code, a code ->
``Category`` map and a ``Category`` -> code map) so settings can supply one as a dict
(``VicsProfile.from_dict``). Two profiles are built in:

* ``US_PROFILE``: the Project VIC US codes 0-4 with their own labels. The labels follow the US tag set
  that Autopsy creates for Project VIC (sleuthkit/autopsy, ImageGalleryService.java): 0 Non-Pertinent,
  1 Child Abuse Material (CAM), 2 Child Exploitive (non-CAM) / Age Difficult, 3 CGI/Animation,
  4 Comparison Images. A US code is not a UK grade, so CAM and age-difficult material become
  ``ungraded`` (known, to be graded here); the code itself is kept by the readers in
  ``LibraryEntry.extra["vics_category"]``.
* ``UK_PROFILE``: a default mapping for VICS documents graded in the UK scheme (1 -> A, 2 -> B,
  3 -> C, 4 -> not indecent, 5 -> non-photographic, 6 -> comparison). No public reference for the CAID
  code table was found, so this default is an assumption: a unit confirms it against its own export
  and overrides it through settings.

Code 0 and a missing ``Category`` read as ``ungraded`` in both profiles. Readers in the wild disagree
on code 0 (Autopsy labels it Non-Pertinent, IPED treats it as known-ignorable, other exporters write it
or omit it for "not categorised yet"); reading it as not-indecent would let ungraded material pass as
benign, so the cautious reading wins.

Pure: no I/O, no settings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class Category(StrEnum):
    A = "a"
    B = "b"
    C = "c"
    NOT_INDECENT = "not_indecent"
    NON_PHOTOGRAPHIC = "non_photographic"
    COMPARISON = "comparison"
    UNGRADED = "ungraded"

    @classmethod
    def parse(cls, text: str) -> Category:
        """A category from its value or its name, in any case: ``"A"``, ``"a"``, ``"Not_Indecent"``."""
        found = _BY_TEXT.get(text.strip().lower())
        if found is None:
            raise ValueError(f"unknown category {text!r}")
        return found


_BY_TEXT: dict[str, Category] = {c.value: c for c in Category} | {c.name.lower(): c for c in Category}


@dataclass(frozen=True, slots=True)
class VicsProfile:
    """How one region's VICS ``Category`` codes read as Tutela categories, and back.

    ``categories`` maps each known code to a ``Category``; ``codes`` maps each ``Category`` to the code
    written on export (several categories may share a code: a lossy profile says so here, visibly).
    """

    name: str
    labels: Mapping[int, str]
    categories: Mapping[int, Category]
    codes: Mapping[Category, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.categories) - set(self.labels)
        if unknown:
            raise ValueError(f"VICS profile {self.name!r}: codes without a label: {sorted(unknown)}")
        if not self.codes:
            # Default inverse: the lowest code that reads as each category.
            inverse = {cat: code for code, cat in sorted(self.categories.items(), reverse=True)}
            object.__setattr__(self, "codes", inverse)

    def category_for(self, code: int) -> Category:
        try:
            return self.categories[code]
        except KeyError:
            raise ValueError(f"VICS category {code} is not in the {self.name} profile") from None

    def code_for(self, category: Category) -> int:
        try:
            return self.codes[category]
        except KeyError:
            raise ValueError(f"category {category.value!r} has no VICS code in the {self.name} profile") from None

    def round_trips(self, code: int) -> bool:
        """Whether ``code`` is what its category is written back as (else the code is worth keeping)."""
        category = self.categories.get(code)
        return category is not None and self.codes.get(category) == code

    def label_for(self, code: int) -> str:
        return self.labels.get(code, f"VICS category {code}")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able form, the shape ``from_dict`` and settings accept."""
        return {
            "name": self.name,
            "labels": {str(code): label for code, label in self.labels.items()},
            "categories": {str(code): cat.value for code, cat in self.categories.items()},
            "codes": {cat.value: code for cat, code in self.codes.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> VicsProfile:
        """Build a profile from plain data: codes may be ints or digit strings, categories values or names.

        ``labels`` is optional (each code is then labelled by its category); ``codes`` is optional
        (the inverse of ``categories`` is used).
        """
        categories = {int(code): _category(value) for code, value in dict(data["categories"]).items()}
        labels = {int(code): str(label) for code, label in dict(data.get("labels") or {}).items()}
        for code, cat in categories.items():
            labels.setdefault(code, cat.value)
        codes = {_category(cat): int(code) for cat, code in dict(data.get("codes") or {}).items()}
        return cls(name=str(data.get("name", "custom")), labels=labels, categories=categories, codes=codes)

    def with_overrides(self, categories: Mapping[int | str, str | Category]) -> VicsProfile:
        """This profile with some codes re-mapped (a unit's settings correcting the default)."""
        merged = dict(self.categories) | {int(code): _category(cat) for code, cat in categories.items()}
        labels = dict(self.labels)
        for code, cat in merged.items():
            labels.setdefault(code, cat.value)
        # Export codes follow the new reading; categories it no longer names keep their old code.
        codes = {cat: code for code, cat in sorted(merged.items(), reverse=True)}
        codes = dict(self.codes) | codes
        return VicsProfile(name=self.name, labels=labels, categories=merged, codes=codes)


def _category(value: str | Category) -> Category:
    return value if isinstance(value, Category) else Category.parse(str(value))


US_PROFILE = VicsProfile(
    name="us",
    labels={
        0: "Non-Pertinent / Uncategorized",
        1: "Child Abuse Material (CAM)",
        2: "Child Exploitive (non-CAM) / Age Difficult",
        3: "CGI/Animation",
        4: "Comparison Images",
    },
    categories={
        0: Category.UNGRADED,
        1: Category.UNGRADED,
        2: Category.UNGRADED,
        3: Category.NON_PHOTOGRAPHIC,
        4: Category.COMPARISON,
    },
    codes={
        Category.UNGRADED: 0,
        Category.NOT_INDECENT: 0,
        Category.A: 1,
        Category.B: 1,
        Category.C: 1,
        Category.NON_PHOTOGRAPHIC: 3,
        Category.COMPARISON: 4,
    },
)

UK_PROFILE = VicsProfile(
    name="uk",
    labels={
        0: "Uncategorised",
        1: "Category A",
        2: "Category B",
        3: "Category C",
        4: "Not indecent",
        5: "Non-photographic (prohibited)",
        6: "Comparison",
    },
    categories={
        0: Category.UNGRADED,
        1: Category.A,
        2: Category.B,
        3: Category.C,
        4: Category.NOT_INDECENT,
        5: Category.NON_PHOTOGRAPHIC,
        6: Category.COMPARISON,
    },
)

VICS_PROFILES: Mapping[str, VicsProfile] = {"us": US_PROFILE, "uk": UK_PROFILE}


def vics_profile(name: str, overrides: Mapping[int | str, str | Category] | None = None) -> VicsProfile:
    """A built-in profile by name, optionally with some codes re-mapped."""
    try:
        profile = VICS_PROFILES[name.lower()]
    except KeyError:
        known = ", ".join(VICS_PROFILES)
        raise ValueError(f"unknown VICS profile {name!r} (known: {known})") from None
    return profile.with_overrides(overrides) if overrides else profile

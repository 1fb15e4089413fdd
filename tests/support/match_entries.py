"""Library entries for the match service tests: random PDQs and MD5s (no pictures needed)."""

from __future__ import annotations

import numpy as np

from tutela.domain.categories import Category
from tutela.formats.entries import LibraryEntry
from tutela.store.library import LibraryStore

ENTRIES_PER_BANK = 200


def random_pdqs(count: int, seed: int) -> list[str]:
    return [bytes(row).hex() for row in np.random.default_rng(seed).integers(0, 256, (count, 32), dtype=np.uint8)]


def flipped(pdq: str, bits: int) -> str:
    return f"{int(pdq, 16) ^ ((1 << bits) - 1):064x}"


def add_entries(store: LibraryStore, bank: str, pdqs: list[str], category: Category, seed: int) -> list[LibraryEntry]:
    md5s = [bytes(row).hex() for row in np.random.default_rng(seed).integers(0, 256, (len(pdqs), 16), np.uint8)]
    entries = [LibraryEntry(md5=m, pdq=p, category=category, series="private series name")
               for m, p in zip(md5s, pdqs, strict=True)]
    result = store.import_rows(bank, entries, skip_invalid=False, file_name="t.csv", file_sha256="0" * 64, fmt="csv")
    assert result.added == len(entries)
    return entries

"""What a look-up reads from the embedded SQLite store, through the standard library's sqlite3.

`tutela lookup` answers from the memory-mapped indexes and needs from the store only the library generation
(are the indexes current?), the banks, and the few entries that matched. Reading those three with sqlite3
spares a look-up the import of SQLAlchemy and the store's table classes (~0.4 s of a 2,000-query look-up's
start-up). Anything else (a PostgreSQL store, a store at another schema revision that must be upgraded, indexes
to rebuild) goes through ``LibraryStore``; the queries here read only what migration 0001 created.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

from tutela.domain.banks import BankInfo, Trust
from tutela.store.database import store_url
from tutela.store.migrate import SCHEMA_REVISION

_GENERATION = "library_generation"  # LibraryStore.GENERATION_KEY, which is not importable without SQLAlchemy
_CHUNK = 500


class EntryRow(NamedTuple):
    """What matching reads of a matched entry (the attributes of ``LibraryStore.entries_by_id`` rows it uses)."""

    id: int
    bank_id: int
    category: str
    series: str | None
    victim_identified: bool | None


class SqliteLibraryReader:
    """Read-only queries on an embedded store already at this code's schema revision."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    @classmethod
    def open(cls, database_url: str | None, home: Path) -> SqliteLibraryReader | None:
        """A reader for the configured store when it is an existing SQLite file at ``SCHEMA_REVISION``, else None."""
        url = store_url(database_url, home)
        if not url.startswith("sqlite:///") or "?" in url:
            return None
        path = Path(url.removeprefix("sqlite:///"))
        if not path.is_file():
            return None  # the full path creates it
        connection = sqlite3.connect(path, timeout=30)
        try:
            connection.execute("PRAGMA busy_timeout=30000")
            revision = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        except sqlite3.Error:
            revision = None
        if revision is None or revision[0] != SCHEMA_REVISION:
            connection.close()
            return None
        return cls(connection)

    def close(self) -> None:
        self._connection.close()

    def generation(self) -> int:
        row = self._connection.execute("SELECT value FROM store_meta WHERE key = ?", (_GENERATION,)).fetchone()
        return int(row[0]) if row else 0

    def banks(self) -> list[BankInfo]:
        rows = self._connection.execute(
            "SELECT id, name, trust, source, enabled, precedence, pdq_threshold FROM banks ORDER BY name")
        return [BankInfo(i, name, Trust(trust), source, bool(enabled), precedence, threshold)
                for i, name, trust, source, enabled, precedence, threshold in rows]

    def entries_by_id(self, ids: Sequence[int]) -> dict[int, EntryRow]:
        found: dict[int, EntryRow] = {}
        for start in range(0, len(ids), _CHUNK):
            chunk = [int(i) for i in ids[start:start + _CHUNK]]
            rows = self._connection.execute(
                "SELECT id, bank_id, category, series, victim_identified FROM bank_entries "
                f"WHERE id IN ({', '.join('?' * len(chunk))})", chunk)
            for entry_id, bank_id, category, series, victim in rows:
                flag = None if victim is None else bool(victim)
                found[entry_id] = EntryRow(entry_id, bank_id, category, series, flag)
        return found

"""What the match service reads from the library as it changes: entries added after a watermark, video frames.

Entry ids only grow, so "every entry whose id is above the highest one an index holds" is exactly what the
index lacks; the service reads that much when the library generation moves, never the whole library.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from sqlalchemy import Engine, func, select

from tutela.store.tables import BankEntry
from tutela.store.video_tables import BankEntryFrame


@dataclass
class AddedEntries:
    """Entries above a watermark: their digests, their PDQs as rows, and the highest id seen."""

    watermark: int
    digests: list[tuple[int, bytes | None, bytes | None, bytes | None]]
    pdq_ids: np.ndarray
    pdq_rows: np.ndarray

    def __len__(self) -> int:
        return len(self.digests)


def highest_entry_id(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.max(BankEntry.__table__.c.id))).scalar() or 0)


def entries_after(engine: Engine, watermark: int) -> AddedEntries:
    """Every entry whose id is above ``watermark`` (in id order)."""
    table = BankEntry.__table__
    query = (select(table.c.id, table.c.md5, table.c.sha1, table.c.sha256, table.c.pdq)
             .where(table.c.id > watermark).order_by(table.c.id))
    digests, pdq_ids, pdq_bytes = [], [], bytearray()
    with engine.connect() as connection:
        for entry_id, md5, sha1, sha256, pdq in connection.execute(query):
            digests.append((entry_id, md5, sha1, sha256))
            if pdq:
                pdq_ids.append(entry_id)
                pdq_bytes += pdq
    highest = digests[-1][0] if digests else watermark
    return AddedEntries(highest, digests, np.asarray(pdq_ids, dtype=np.int64),
                        np.frombuffer(bytes(pdq_bytes), dtype=np.uint8).reshape(-1, 32))


def video_frames(engine: Engine, after: int = 0) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
    """(entry id, (N, 32) PDQ rows, (N,) qualities) of every bank video whose entry id is above ``after``."""
    table = BankEntryFrame.__table__
    query = (select(table.c.entry_id, table.c.pdq, table.c.quality).where(table.c.entry_id > after)
             .order_by(table.c.entry_id, table.c.frame))
    current, rows, qualities = None, bytearray(), []
    with engine.connect() as connection:
        for entry_id, pdq, quality in connection.execute(query):
            if entry_id != current and current is not None:
                yield current, _rows(rows), np.asarray(qualities, dtype=np.int16)
                rows, qualities = bytearray(), []
            current = entry_id
            rows += pdq
            qualities.append(quality)
    if current is not None:
        yield current, _rows(rows), np.asarray(qualities, dtype=np.int16)


def _rows(data: bytearray) -> np.ndarray:
    return np.frombuffer(bytes(data), dtype=np.uint8).reshape(-1, 32)

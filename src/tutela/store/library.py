"""The library's repository: banks, their entries, imports, statistics and grade conflicts."""

from __future__ import annotations

from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter

import numpy as np
from sqlalchemy import Engine, func, select, update
from sqlalchemy.exc import IntegrityError

from tutela.domain.banks import DEFAULT_PDQ_THRESHOLD, BankInfo, Trust
from tutela.domain.categories import Category
from tutela.errors import NotFoundError, UsageError
from tutela.formats.entries import (
    HASH_FIELDS,
    EntryRecord,
    LibraryEntry,
    ParsedRow,
    RowProblem,
    entry_record,
    entry_values,
)
from tutela.store.library_read import EntryRow
from tutela.store.tables import Bank, BankEntry, LibraryImport, StoreMeta

BATCH = 50_000
COLUMN_BATCH = 50_000  # rows a fetch when reading hash columns
MAX_PROBLEMS_KEPT = 1000
GENERATION_KEY = "library_generation"
_fromhex = bytes.fromhex


@dataclass
class ImportResult:
    bank: str
    read: int = 0
    added: int = 0
    already_present: int = 0
    problems: list[RowProblem] = field(default_factory=list)
    problem_count: int = 0
    rejected: bool = False
    file_sha256: str = ""


def _bytes(value: str | None) -> bytes | None:
    return _fromhex(value) if value else None


def _hex(value: bytes | None) -> str | None:
    return value.hex() if value else None


def _bank_info(row: Bank) -> BankInfo:
    return BankInfo(row.id, row.name, Trust(row.trust), row.source, row.enabled, row.precedence, row.pdq_threshold)


class LibraryStore:
    """Banks and entries in the SQL store. One instance per engine; cheap to make."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    # banks ---------------------------------------------------------------------------------------
    def add_bank(self, name: str, *, trust: Trust, source: str = "", precedence: int = 0,
                 pdq_threshold: int = DEFAULT_PDQ_THRESHOLD, enabled: bool = True) -> BankInfo:
        _check_bank_name(name)
        if not 0 <= pdq_threshold <= 64:
            raise UsageError(f"PDQ threshold must be between 0 and 64, not {pdq_threshold}")
        row = Bank(name=name, trust=str(trust), source=source, precedence=precedence, pdq_threshold=pdq_threshold,
                   enabled=enabled, created_at=datetime.now(UTC))
        try:
            with self.engine.begin() as connection:
                connection.execute(Bank.__table__.insert().values(
                    name=row.name, trust=row.trust, source=row.source, precedence=row.precedence,
                    pdq_threshold=row.pdq_threshold, enabled=row.enabled, created_at=row.created_at))
                self._bump_generation(connection)
        except IntegrityError:
            raise UsageError(f"bank {name!r} already exists") from None
        return self.bank(name)

    def bank(self, name: str) -> BankInfo:
        with self.engine.connect() as connection:
            row = connection.execute(select(Bank.__table__).where(Bank.name == name)).first()
        if row is None:
            raise NotFoundError(f"no bank named {name!r} (see `tutela library banks`)")
        return _bank_info(Bank(**row._mapping))

    def banks(self) -> list[BankInfo]:
        with self.engine.connect() as connection:
            rows = connection.execute(select(Bank.__table__).order_by(Bank.name)).all()
        return [_bank_info(Bank(**row._mapping)) for row in rows]

    def set_bank(self, name: str, **changes) -> BankInfo:
        bank = self.bank(name)
        values = {k: (str(v) if isinstance(v, Trust) else v) for k, v in changes.items() if v is not None}
        if values:
            with self.engine.begin() as connection:
                connection.execute(update(Bank).where(Bank.id == bank.id).values(**values))
                self._bump_generation(connection)
        return self.bank(name)

    # entries -------------------------------------------------------------------------------------
    def import_rows(self, bank_name: str, rows: Iterable[ParsedRow], *, skip_invalid: bool, file_name: str,
                    file_sha256: str, fmt: str, progress: Callable[[int], None] | None = None) -> ImportResult:
        """All rows in one transaction: a problem rejects the whole file unless ``skip_invalid``."""
        return self.import_batches(bank_name, row_batches(rows), skip_invalid=skip_invalid, file_name=file_name,
                                   file_sha256=file_sha256, fmt=fmt, progress=progress)

    def import_batches(self, bank_name: str, batches: Iterable[RowBatch], *, skip_invalid: bool, file_name: str,
                       file_sha256: str, fmt: str, progress: Callable[[int], None] | None = None) -> ImportResult:
        """``import_rows`` for rows already made into ``row_batches`` (perhaps by another process)."""
        bank = self.bank(bank_name)
        result = ImportResult(bank=bank.name, file_sha256=file_sha256)
        with self.engine.connect() as connection:
            transaction = connection.begin()
            try:
                self._insert_batches(connection, bank.id, batches, result, skip_invalid, progress)
                if result.problem_count and not skip_invalid:
                    result.rejected = True
                    transaction.rollback()
                    return result
                connection.execute(LibraryImport.__table__.insert().values(
                    bank_id=bank.id, file_name=file_name, file_sha256=file_sha256, format=fmt,
                    rows_read=result.read, rows_added=result.added, rows_skipped=result.problem_count,
                    imported_at=datetime.now(UTC)))
                if result.added:
                    self._bump_generation(connection)
                transaction.commit()
            except BaseException:
                transaction.rollback()
                raise
        return result

    def _insert_batches(self, connection, bank_id: int, batches: Iterable[RowBatch], result: ImportResult,
                        skip_invalid: bool, progress: Callable[[int], None] | None) -> None:
        # One thread does the inserting: a second Python thread here would fight the driver for the GIL,
        # which it takes back for every row. Parsing overlaps with this when ``batches`` comes from a child.
        paramstyle = connection.dialect.paramstyle
        # Plain DBAPI executemany on the transaction's own connection: SQLAlchemy's per-row processing costs
        # more than the insert itself.
        cursor = connection.connection.cursor()
        before = self._count(connection, bank_id)
        try:
            self._insert_each(cursor, bank_id, paramstyle, batches, result, skip_invalid, progress)
        finally:
            cursor.close()
        result.added = self._count(connection, bank_id) - before
        result.already_present = result.read - result.problem_count - result.added

    @staticmethod
    def _insert_each(cursor, bank_id: int, paramstyle: str, batches: Iterable[RowBatch], result: ImportResult,
                     skip_invalid: bool, progress: Callable[[int], None] | None) -> None:
        for batch in batches:
            result.read += batch.read
            result.problem_count += len(batch.problems)
            result.problems.extend(batch.problems[:MAX_PROBLEMS_KEPT - len(result.problems)])
            if progress is not None:
                progress(result.read)
            if batch.count and not (result.problem_count and not skip_invalid):
                cursor.executemany(_insert_sql(paramstyle, bank_id, batch.columns), batch.rows())
            # else the file will be rejected: read on only to report every problem

    def entries(self, bank_name: str) -> Iterator[LibraryEntry]:
        """Every entry of a bank in the order it was added (streamed)."""
        bank = self.bank(bank_name)
        table = BankEntry.__table__
        query = select(table).where(table.c.bank_id == bank.id).order_by(table.c.id)
        with self.engine.connect() as connection, _closing(
                connection.execution_options(yield_per=10_000).execute(query)) as result:
            for row in result:
                yield LibraryEntry(md5=_hex(row.md5), sha1=_hex(row.sha1), sha256=_hex(row.sha256), pdq=_hex(row.pdq),
                                   category=Category(row.category), series=row.series,
                                   victim_identified=row.victim_identified, comments=row.comments,
                                   source_line=row.id, extra=row.extra or {})

    def hash_columns(self, names: Sequence[str]) -> dict[str, HashColumn]:
        """For each hash type in ``names``: the ids of the entries that carry one and those hashes end to end,
        in id order, for building the matching indexes. One streamed read of the table, turned into columns a
        batch at a time by C-level zips and joins: row by row through SQLAlchemy this took 10 s a million."""
        unknown = set(names) - set(HASH_FIELDS)
        if unknown or not names:
            raise ValueError(f"not hash columns: {sorted(unknown) or names}")
        columns = {name: HashColumn() for name in names}
        query = f"SELECT id, {', '.join(names)} FROM bank_entries ORDER BY id"  # names checked above
        with self.engine.connect() as connection:
            # The DBAPI's own cursor, not SQLAlchemy's rows: no Row object per row. On PostgreSQL a named
            # (server-side) cursor, so that ten million rows are not all sent at once.
            named = {"name": "tutela_hash_columns"} if connection.dialect.name == "postgresql" else {}
            cursor = connection.connection.cursor(**named)
            try:
                cursor.execute(query)
                while rows := cursor.fetchmany(COLUMN_BATCH):
                    ids, *values = zip(*rows, strict=True)
                    for name, hashes in zip(names, values, strict=True):
                        columns[name].extend(ids, hashes)
            finally:
                cursor.close()
        return columns

    def entries_by_id(self, ids: Sequence[int]) -> dict[int, EntryRow]:
        """What matching reads of each matched entry, and only that. A match server reads tens of these rows a
        request: with every column, a join and SQLAlchemy's row processing this was a sixth of its CPU time, so
        it is one plain statement on the DBAPI cursor."""
        found: dict[int, EntryRow] = {}
        with self.engine.connect() as connection:
            marker = "?" if connection.dialect.paramstyle == "qmark" else "%s"
            cursor = connection.connection.cursor()
            try:
                for start in range(0, len(ids), 500):
                    chunk = [int(i) for i in ids[start:start + 500]]
                    cursor.execute("SELECT id, bank_id, category, series, victim_identified FROM bank_entries "
                                   f"WHERE id IN ({', '.join([marker] * len(chunk))})", chunk)
                    for entry_id, bank_id, category, series, victim in cursor.fetchall():
                        found[entry_id] = EntryRow(entry_id, bank_id, category, series,
                                                   None if victim is None else bool(victim))
            finally:
                cursor.close()
        return found

    # figures -------------------------------------------------------------------------------------
    def stats(self) -> list[dict]:
        table = BankEntry.__table__
        out = []
        with self.engine.connect() as connection:
            for bank in self.banks():
                where = table.c.bank_id == bank.id
                counts = connection.execute(select(
                    func.count(), *(func.count(table.c[name]) for name in HASH_FIELDS)).where(where)).one()
                by_category = dict(connection.execute(
                    select(table.c.category, func.count()).where(where).group_by(table.c.category)).all())
                out.append({"bank": bank.name, "entries": counts[0], "trust": str(bank.trust),
                            "enabled": bank.enabled, "precedence": bank.precedence,
                            "pdq_threshold": bank.pdq_threshold,
                            "hashes": dict(zip(HASH_FIELDS, counts[1:], strict=True)),
                            "categories": {str(c): by_category.get(str(c), 0) for c in Category}})
        return out

    def conflicts(self) -> list[dict]:
        """Hashes graded differently by different entries (across banks or within one)."""
        table, banks = BankEntry.__table__, Bank.__table__
        out = []
        with self.engine.connect() as connection:
            for name in HASH_FIELDS:
                column = table.c[name]
                disputed = (select(column).where(column.is_not(None)).group_by(column)
                            .having(func.count(table.c.category.distinct()) > 1))
                query = (select(column, table.c.category, banks.c.name, banks.c.precedence)
                         .join(banks, banks.c.id == table.c.bank_id).where(column.in_(disputed))
                         .order_by(column, banks.c.precedence.desc(), banks.c.name))
                grouped: dict[bytes, list] = {}
                for value, category, bank, precedence in connection.execute(query):
                    grouped.setdefault(value, []).append(
                        {"bank": bank, "category": category, "precedence": precedence})
                for value, grades in grouped.items():
                    out.append({"hash_type": name, "hash": value.hex(), "grades": grades,
                                "resolved": grades[0]["category"], "resolved_by": grades[0]["bank"]})
        return out

    def generation(self) -> int:
        with self.engine.connect() as connection:
            value = connection.execute(select(StoreMeta.value).where(StoreMeta.key == GENERATION_KEY)).scalar()
        return int(value or 0)

    # helpers -------------------------------------------------------------------------------------
    @staticmethod
    def _count(connection, bank_id: int) -> int:
        return connection.execute(select(func.count()).select_from(BankEntry.__table__)
                                  .where(BankEntry.__table__.c.bank_id == bank_id)).scalar_one()

    @staticmethod
    def _bump_generation(connection) -> None:
        """Indexes remember the generation they were built from; a change makes them stale."""
        table = StoreMeta.__table__
        current = connection.execute(select(table.c.value).where(table.c.key == GENERATION_KEY)).scalar()
        if current is None:
            connection.execute(table.insert().values(key=GENERATION_KEY, value="1"))
        else:
            connection.execute(update(table).where(table.c.key == GENERATION_KEY).values(value=str(int(current) + 1)))


_COLUMNS = ("entry_key", "md5", "sha1", "sha256", "pdq", "category", "series", "victim_identified", "comments",
            "extra")
_WIDTHS = {"entry_key": 16, "md5": 16, "sha1": 20, "sha256": 32, "pdq": 32}


class HashColumn:
    """The entries carrying one hash type: their ids and their hashes end to end (fixed width)."""

    def __init__(self) -> None:
        self.ids, self.hashes = array("q"), bytearray()

    def extend(self, ids: Sequence[int], hashes: Sequence[bytes | None]) -> None:
        if None in hashes:
            kept = [pair for pair in zip(ids, hashes, strict=True) if pair[1] is not None]
            ids, hashes = [i for i, _ in kept], [h for _, h in kept]
        self.ids.extend(ids)
        self.hashes += b"".join(hashes)

    def arrays(self, width: int) -> tuple[np.ndarray, np.ndarray]:
        """(entry ids as int64, hashes as rows of ``width`` bytes), sharing this column's memory."""
        return (np.frombuffer(self.ids, dtype=np.int64),
                np.frombuffer(self.hashes, dtype=np.uint8).reshape(-1, width))


@dataclass
class RowBatch:
    """Consecutive rows of a file: how many were read, the entries to insert and the problems.

    Entries travel by column, ready for the insert: a fixed-width column that every entry fills is packed into
    one bytes object (cheap to send between processes, sliced into bytearrays on arrival, which the sqlite3
    driver binds without its adapter look-up); a column no entry fills is left out of the insert altogether,
    since binding NULLs costs as much as binding values; any other column is a list.
    """

    read: int = 0
    count: int = 0
    columns: tuple[str, ...] = ()
    data: list[bytes | list] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)

    def rows(self) -> list[tuple]:
        """The entries as insert parameters, in ``columns`` order."""
        columns = []
        for name, data in zip(self.columns, self.data, strict=True):
            if isinstance(data, bytes):
                width, packed = _WIDTHS[name], bytearray(data)
                columns.append([packed[at:at + width] for at in range(0, len(packed), width)])
            else:
                columns.append(data)
        return list(zip(*columns, strict=True))


def row_batches(rows: Iterable[ParsedRow | EntryRecord], size: int = BATCH) -> Iterator[RowBatch]:
    """``rows`` (entries, their ``EntryRecord``, or problems) in batches of ``size``; a full batch is sorted by
    entry key so neighbours share index pages (a small file keeps its own order)."""
    read, records, problems = 0, [], []
    for row in rows:
        read += 1
        if type(row) is tuple:
            records.append(row)
        elif isinstance(row, RowProblem):
            problems.append(row)
        else:
            records.append(entry_record(entry_values(row)))
        if read >= size:
            yield _packed(read, records, problems, by_key=True)
            read, records, problems = 0, [], []
    if read:
        yield _packed(read, records, problems, by_key=False)


def _packed(read: int, records: list[tuple], problems: list[RowProblem], by_key: bool) -> RowBatch:
    batch = RowBatch(read=read, count=len(records), problems=problems)
    if by_key:
        records.sort(key=_by_entry_key)
    if not records:
        return batch
    columns, data = [], []
    for at, name in enumerate(_COLUMNS):
        values = list(map(itemgetter(at), records))
        missing = values.count(None)
        if name in _WIDTHS and not missing:
            columns.append(name)
            data.append(b"".join(values))
        elif missing < len(values):
            columns.append(name)
            data.append(values)
    batch.columns, batch.data = tuple(columns), data
    return batch


def _by_entry_key(values: tuple) -> bytes:
    return values[0]


def _insert_sql(paramstyle: str, bank_id: int, columns: Sequence[str]) -> str:
    # The bank id is written into the statement (an integer from our own table) so rows need not carry it.
    marker = "?" if paramstyle == "qmark" else "%s"
    return (f"INSERT INTO bank_entries (bank_id, {', '.join(columns)}) VALUES ({int(bank_id)}, "
            f"{', '.join([marker] * len(columns))}) ON CONFLICT (bank_id, entry_key) DO NOTHING")


@contextmanager
def _closing(result):
    """Close a streamed result even when its reader stops early (PostgreSQL server-side cursors)."""
    try:
        yield result
    finally:
        result.close()


def _check_bank_name(name: str) -> None:
    if not name or len(name) > 100 or not name.isprintable() or name != name.strip():
        raise UsageError(f"bad bank name {name!r}: 1-100 printable characters, no leading or trailing spaces")

"""Banks and entries in the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import random
from dataclasses import replace

import pytest

from tutela.domain.banks import Trust
from tutela.domain.categories import Category
from tutela.errors import NotFoundError, UsageError
from tutela.formats.entries import LibraryEntry, RowProblem
from tutela.formats.hashlists import CsvLibraryReader
from tutela.store.library import LibraryStore
from tutela.store.migrate import current_revision, head_revision, upgrade


def _hex(rnd: random.Random, bits: int) -> str:
    return f"{rnd.getrandbits(bits):0{bits // 4}x}"


def random_entries(count: int, seed: int = 1) -> list[LibraryEntry]:
    rnd = random.Random(seed)
    return [LibraryEntry(md5=_hex(rnd, 128), sha256=_hex(rnd, 256), pdq=_hex(rnd, 256),
                         category=rnd.choice([Category.A, Category.B, Category.C]), series=f"s{i % 7}",
                         victim_identified=rnd.choice([True, False, None]), source_line=i + 2)
            for i in range(count)]


def _import(store, bank, rows, skip_invalid=False):
    return store.import_rows(bank, iter(rows), skip_invalid=skip_invalid, file_name="f.csv", file_sha256="0" * 64,
                             fmt="csv")


def test_upgrade_is_safe_to_run_twice(engine):
    upgrade(engine)
    assert current_revision(engine) == head_revision()


def test_banks_are_created_once_and_found_by_name(engine):
    store = LibraryStore(engine)
    made = store.add_bank("national", trust=Trust.TRUSTED, precedence=5, pdq_threshold=20, source="CAID")
    assert store.bank("national") == made
    assert (made.trust, made.precedence, made.pdq_threshold, made.enabled) == (Trust.TRUSTED, 5, 20, True)
    with pytest.raises(UsageError, match="already exists"):
        store.add_bank("national", trust=Trust.UNVERIFIED)
    with pytest.raises(NotFoundError, match="no bank named 'nope'"):
        store.bank("nope")
    assert store.set_bank("national", enabled=False).enabled is False


def test_import_adds_entries_and_twice_adds_nothing(engine):
    store = LibraryStore(engine)
    store.add_bank("b", trust=Trust.TRUSTED)
    entries = random_entries(500)
    first = _import(store, "b", entries)
    assert (first.read, first.added, first.already_present, first.rejected) == (500, 500, 0, False)
    again = _import(store, "b", entries)
    assert (again.added, again.already_present) == (0, 500)
    stored = list(store.entries("b"))
    assert [{**_fields(e), "source_line": 0} for e in stored] == [{**_fields(e), "source_line": 0} for e in entries]


def _fields(entry: LibraryEntry) -> dict:
    return {name: getattr(entry, name) for name in LibraryEntry.__dataclass_fields__}


def test_a_bad_row_rejects_the_whole_file_unless_skipped(engine):
    store = LibraryStore(engine)
    store.add_bank("b", trust=Trust.TRUSTED)
    rows = [*random_entries(30), RowProblem(32, "md5 is not hexadecimal"), *random_entries(30, seed=2)]
    rejected = _import(store, "b", rows)
    assert rejected.rejected and rejected.problem_count == 1 and rejected.problems[0].line == 32
    assert store.stats()[0]["entries"] == 0  # nothing half-imported
    skipped = _import(store, "b", rows, skip_invalid=True)
    assert (skipped.rejected, skipped.added, skipped.problem_count) == (False, 60, 1)


def test_duplicate_rows_collapse_and_conflicting_grades_are_kept(engine):
    store = LibraryStore(engine)
    store.add_bank("low", trust=Trust.UNVERIFIED, precedence=1)
    store.add_bank("high", trust=Trust.TRUSTED, precedence=9)
    md5 = "ab" * 16
    result = _import(store, "low", [LibraryEntry(md5=md5, category=Category.C)] * 3)
    assert (result.added, result.already_present) == (1, 2)
    _import(store, "high", [LibraryEntry(md5=md5, category=Category.A)])
    _import(store, "high", [LibraryEntry(md5="cd" * 16, category=Category.B)])
    (conflict,) = store.conflicts()
    assert conflict["hash"] == md5 and conflict["hash_type"] == "md5"
    assert conflict["resolved"] == "a" and conflict["resolved_by"] == "high"
    assert {(g["bank"], g["category"]) for g in conflict["grades"]} == {("low", "c"), ("high", "a")}


def test_stats_count_by_hash_type_and_category(engine):
    store = LibraryStore(engine)
    store.add_bank("b", trust=Trust.TRUSTED)
    _import(store, "b", [LibraryEntry(md5="11" * 16, category=Category.A),
                         LibraryEntry(sha1="22" * 20, pdq="33" * 32, category=Category.B)])
    (row,) = store.stats()
    assert row["entries"] == 2
    assert row["hashes"] == {"md5": 1, "sha1": 1, "sha256": 0, "pdq": 1}
    assert row["categories"]["a"] == 1 and row["categories"]["b"] == 1 and row["categories"]["c"] == 0


def test_generation_moves_when_the_library_changes(engine):
    store = LibraryStore(engine)
    store.add_bank("b", trust=Trust.TRUSTED)
    before = store.generation()
    _import(store, "b", random_entries(3))
    after = store.generation()
    assert after > before
    _import(store, "b", random_entries(3))  # nothing new: indexes stay fresh
    assert store.generation() == after


def test_csv_with_bom_crlf_and_mixed_case_imports(engine):
    store = LibraryStore(engine)
    store.add_bank("b", trust=Trust.TRUSTED)
    data = "\ufeffmd5,category\r\nABCDEF0123456789abcdef0123456789,A\r\n".encode()
    result = _import(store, "b", CsvLibraryReader(io.BytesIO(data)))
    assert result.added == 1
    assert next(store.entries("b")).md5 == "abcdef0123456789abcdef0123456789"


def test_schema_revision_constant_is_the_newest_migration():
    from tutela.store.migrate import migrations_head

    assert head_revision() == migrations_head()


def test_lookup_reader_serves_only_an_existing_sqlite_store_at_this_revision(tmp_path):
    import sqlite3

    from tutela.services.store import open_store
    from tutela.settings import Settings
    from tutela.store.library_read import SqliteLibraryReader

    home = tmp_path / "home"
    assert SqliteLibraryReader.open(None, home) is None  # no store yet: the full path creates it
    assert not (home / "tutela.sqlite3").exists()
    assert SqliteLibraryReader.open("postgresql://127.0.0.1/test", home) is None
    store = LibraryStore(open_store(Settings(home=home)))
    store.add_bank("b", trust=Trust.TRUSTED, precedence=3)
    _import(store, "b", random_entries(5))
    reader = SqliteLibraryReader.open(None, home)
    assert reader.banks() == store.banks() and reader.generation() == store.generation()
    wanted = [1, 3, 99]
    full = store.entries_by_id(wanted)
    assert sorted(reader.entries_by_id(wanted)) == sorted(full) == [1, 3]
    for entry_id, row in reader.entries_by_id(wanted).items():
        other = full[entry_id]
        assert (row.bank_id, row.category, row.series, row.victim_identified) == (
            other.bank_id, other.category, other.series, other.victim_identified)
    reader.close()
    with sqlite3.connect(home / "tutela.sqlite3") as connection:
        connection.execute("UPDATE alembic_version SET version_num = '0001'")
    assert SqliteLibraryReader.open(None, home) is None  # to be upgraded first: the full path does that


def test_hash_columns_hold_each_hash_type_of_the_entries_that_carry_it_in_id_order(engine, monkeypatch):
    monkeypatch.setattr("tutela.store.library.COLUMN_BATCH", 7)  # several fetches, the last one short
    store = LibraryStore(engine)
    store.add_bank("b", trust=Trust.TRUSTED)
    entries = random_entries(30)
    for at in range(1, 30, 3):  # every third entry has no PDQ, every fifth no MD5 (the first has all)
        entries[at] = replace(entries[at], pdq=None)
    for at in range(1, 30, 5):
        entries[at] = replace(entries[at], md5=None)
    _import(store, "b", entries)
    stored = list(store.entries("b"))  # id order
    columns = store.hash_columns(("md5", "sha1", "sha256", "pdq"))
    for name, width in (("md5", 16), ("sha256", 32), ("pdq", 32)):
        ids, hashes = columns[name].arrays(width)
        carrying = [e for e in stored if getattr(e, name)]
        assert ids.tolist() == [e.source_line for e in carrying]
        assert [row.tobytes().hex() for row in hashes] == [getattr(e, name) for e in carrying]
    assert len(columns["sha1"].ids) == 0
    with pytest.raises(ValueError):
        store.hash_columns(("category",))

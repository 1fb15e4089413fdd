"""The audit chain: every event carries the previous digest; a changed, deleted or inserted row is found."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from tutela.store.account_tables import AuditEvent
from tutela.store.audit import append_event, digest_of, verify_chain


def _append(engine, count: int, start: int = 0) -> None:
    with Session(engine) as session, session.begin():
        for n in range(start, start + count):
            append_event(session, kind="view", actor="examiner", subject=f"media:{n}", details={"n": n, "ü": "é"})


def _drop_append_only_guard(engine) -> None:
    """What an intruder with the database's owner rights would do first."""
    with engine.begin() as connection:
        if engine.dialect.name == "sqlite":
            connection.exec_driver_sql("DROP TRIGGER audit_events_append_only_update")
            connection.exec_driver_sql("DROP TRIGGER audit_events_append_only_delete")
        else:
            connection.exec_driver_sql("DROP TRIGGER audit_events_append_only ON audit_events")


def _verify(engine):
    with Session(engine) as session:
        return verify_chain(session)


def test_a_whole_chain_verifies_and_links_each_event_to_the_one_before(engine):
    _append(engine, 5)
    report = _verify(engine)
    assert report.ok and report.events == 5
    with engine.connect() as connection:
        rows = connection.exec_driver_sql("SELECT id, prev_digest, digest FROM audit_events ORDER BY id").all()
    assert rows[0].prev_digest == "0" * 64
    assert [r.prev_digest for r in rows[1:]] == [r.digest for r in rows[:-1]]
    assert report.head_digest == rows[-1].digest


def test_the_store_itself_refuses_to_change_or_delete_an_event(engine):
    _append(engine, 2)
    for statement in ("UPDATE audit_events SET actor = 'someone' WHERE id = 1", "DELETE FROM audit_events"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.exec_driver_sql(statement)
    assert _verify(engine).ok


def test_a_changed_event_is_named(engine):
    _append(engine, 6)
    _drop_append_only_guard(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("UPDATE audit_events SET actor = 'someone else' WHERE id = 4")
    report = _verify(engine)
    assert not report.ok and report.broken_at == 4 and "changed" in report.reason


def test_a_deleted_event_is_named_in_the_middle_and_at_the_end(engine):
    _append(engine, 6)
    _drop_append_only_guard(engine)
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM audit_events WHERE id = 3")
    report = _verify(engine)
    assert not report.ok and report.broken_at == 4 and "event 3 is missing" in report.reason
    with engine.begin() as connection:
        connection.exec_driver_sql("DELETE FROM audit_events WHERE id >= 3")
    report = _verify(engine)
    assert not report.ok and report.broken_at == 3 and "deleted from the end" in report.reason


def _forge(connection, *, id: int, prev_digest: str) -> None:
    """Write an event with a correct digest of its own, as someone who knows the rule would."""
    from datetime import UTC, datetime

    event = {"id": id, "at": datetime.now(UTC), "kind": "grade", "actor": "intruder", "subject": "media:1",
             "details": None, "prev_digest": prev_digest}
    connection.execute(insert(AuditEvent.__table__).values(**event, digest=digest_of(event)))


def test_an_inserted_event_is_found_even_with_a_correct_digest_of_its_own(engine):
    _append(engine, 5)
    _drop_append_only_guard(engine)
    events = AuditEvent.__table__
    with engine.begin() as connection:
        rows = connection.execute(select(events).order_by(events.c.id)).mappings().all()
        # Shift events 3.. up by one and slip a forged event in as 3, linked to event 2.
        for row in reversed(rows[2:]):
            connection.execute(update(events).where(events.c.id == row["id"]).values(id=row["id"] + 1))
        _forge(connection, id=3, prev_digest=rows[1]["digest"])
    report = _verify(engine)
    assert not report.ok and report.broken_at == 4 and "inserted" in report.reason


def test_an_event_appended_behind_the_chains_back_is_found(engine):
    _append(engine, 3)
    events = AuditEvent.__table__
    with engine.begin() as connection:
        last = connection.execute(select(events.c.digest).where(events.c.id == 3)).scalar_one()
        _forge(connection, id=4, prev_digest=last)
    report = _verify(engine)
    assert not report.ok and report.broken_at == 4 and "inserted" in report.reason


def test_concurrent_appends_never_fork_the_chain(engine):
    errors: list[BaseException] = []

    def writer(start: int) -> None:
        try:
            for n in range(10):
                _append(engine, 1, start + n)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=writer, args=(k * 100,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    report = _verify(engine)
    assert report.ok and report.events == 40


def test_an_unknown_kind_is_refused(engine):
    with Session(engine) as session, pytest.raises(ValueError, match="unknown audit event kind"):
        append_event(session, kind="made_up")

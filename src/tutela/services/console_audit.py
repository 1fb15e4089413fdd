"""Audit events for commands run at the console (imports and exports of the library and the unit's records).

The web application audits what signed-in users do; a command has no signed-in user, so its actor is the
operating-system account that ran it (``cli:NAME``). The event is appended after the command's own work has
committed, in a transaction of its own, so an import that was rejected is audited as such.
"""

from __future__ import annotations

import getpass
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session

from tutela.store.audit import append_event


def console_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):  # no name for this uid (a container's user): still someone
        return "cli:unknown"


def record_command(engine: Engine, *, kind: str, subject: str, details: dict[str, Any]) -> None:
    with Session(engine) as session, session.begin():
        append_event(session, kind=kind, actor=console_actor(), subject=subject, details=details)

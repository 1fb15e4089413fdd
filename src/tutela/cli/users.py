"""``tutela user add|lock|unlock|list``: the unit's accounts. Accounts are locked, never deleted."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager

import typer

user = typer.Typer(help="Accounts for the web application (roles, teams, locking).", no_args_is_help=True)
JSON = typer.Option(False, "--json", help="one JSON line per account")


def register(app: typer.Typer) -> None:
    app.add_typer(user, name="user")


@contextmanager
def store_session() -> Iterator:
    """One transaction on the store for a command; committed when the command succeeds."""
    from sqlalchemy.orm import Session

    from tutela.cli.common import settings
    from tutela.services.store import open_store

    engine = open_store(settings())
    try:
        with Session(engine) as session, session.begin():
            yield session
    finally:
        engine.dispose()


def read_password() -> str:
    """The password twice: prompted (not echoed) on a terminal, else the first two lines of stdin."""
    from tutela.errors import UsageError

    if sys.stdin.isatty():
        import getpass

        first, second = getpass.getpass("password: "), getpass.getpass("again: ")
    else:
        lines = sys.stdin.read().splitlines()
        if len(lines) < 2:
            raise UsageError("give the password twice on stdin, one line each")
        first, second = lines[0], lines[1]
    if first != second:
        raise UsageError("the two passwords differ")
    return first


def _show(account, json_out: bool, verb: str) -> None:
    if json_out:
        from tutela.cli.output import write_json_line

        write_json_line(account.public())
    else:
        state = "locked" if account.locked else "active"
        typer.echo(f"user {account.name} {verb} ({account.role}, team {account.team or '-'}, {state})")


@user.command("add")
def user_add(name: str = typer.Argument(..., help="the account's name (letters, digits, . _ -)"),
             role: str = typer.Option(..., "--role", help="admin, supervisor, examiner, investigator, "
                                                          "referral_officer or partner"),
             team: str | None = typer.Option(None, "--team", help="the team's ref (every case role but admin "
                                                                  "and supervisor belongs to one)"),
             no_password: bool = typer.Option(False, "--no-password",
                                              help="an API-only account that never signs in (partners only)"),
             json_out: bool = JSON) -> None:
    """Add an account; the password is read twice from stdin (or prompted on a terminal)."""
    from tutela.domain.roles import Role, check_password, check_team_for_role, check_user_name, parse_role
    from tutela.errors import UsageError
    from tutela.services.accounts import add_user

    check_user_name(name)
    check_team_for_role(parse_role(role), team)
    if no_password and role != Role.PARTNER:
        raise UsageError("--no-password is for partner accounts only")
    password = None if no_password else check_password(read_password())
    with store_session() as session:
        account = add_user(session, name=name, role=role, team_ref=team, password=password, actor=_operator())
    _show(account, json_out, "added")


@user.command("lock")
def user_lock(name: str = typer.Argument(...), json_out: bool = JSON) -> None:
    """Lock an account: it can no longer sign in and its sessions end (it is never deleted)."""
    _set_locked(name, True, json_out)


@user.command("unlock")
def user_unlock(name: str = typer.Argument(...), json_out: bool = JSON) -> None:
    """Unlock an account (also clears a lock-out after repeated failed sign-ins)."""
    _set_locked(name, False, json_out)


def _set_locked(name: str, locked: bool, json_out: bool) -> None:
    from tutela.services.accounts import set_locked

    with store_session() as session:
        account = set_locked(session, name, locked, actor=_operator())
    _show(account, json_out, "locked" if locked else "unlocked")


@user.command("list")
def user_list(json_out: bool = JSON) -> None:
    """Every account with its role, team and state."""
    from tutela.store.users import list_accounts

    with store_session() as session:
        accounts = list_accounts(session)
    if json_out:
        from tutela.cli.output import write_json_line

        for account in accounts:
            write_json_line(account.public())
        return
    from tutela.cli.common import table

    table(["name", "role", "team", "state", "created"],
          [[a.name, a.role, a.team or "-", "locked" if a.locked else "active", a.created.isoformat(timespec="seconds")]
           for a in accounts])


def _operator() -> str:
    """Who ran the command, for the audit: the operating-system account (the CLI runs on the server)."""
    import getpass

    try:
        return f"os:{getpass.getuser()}"[:64]
    except (KeyError, OSError):
        return "os:unknown"

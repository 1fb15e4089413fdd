"""``tutela team|operation|referral|case|suspect|warrant|arrest|exhibit|safeguarding ...``: the unit's records.

Each verb checks every value before writing (a bad one is one line, status 2, nothing written) and prints the
record as stored: ``--json`` gives it as one line in the unit document's form (docs/unit.md).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import typer

JSON = typer.Option(False, "--json", help="the record as one JSON line")
OPERATION = typer.Option(None, "--operation", help="the operation it belongs to (ref)")

team = typer.Typer(help="Central and borough teams.", no_args_is_help=True)
operation = typer.Typer(help="Named, dated operations (weeks of action).", no_args_is_help=True)
referral = typer.Typer(help="Referrals received by the unit.", no_args_is_help=True)
case = typer.Typer(help="Cases, their team and the referrals behind them.", no_args_is_help=True)
suspect = typer.Typer(help="Suspects in a case.", no_args_is_help=True)
warrant = typer.Typer(help="Warrants: applied, granted, executed, outcome.", no_args_is_help=True)
arrest = typer.Typer(help="Arrests of suspects.", no_args_is_help=True)
exhibit = typer.Typer(help="Seized exhibits and their continuity log.", no_args_is_help=True)
safeguarding = typer.Typer(help="Children safeguarded (by reference only).", no_args_is_help=True)

GROUPS = {"team": team, "operation": operation, "referral": referral, "case": case, "suspect": suspect,
          "warrant": warrant, "arrest": arrest, "exhibit": exhibit, "safeguarding": safeguarding}


def register(app: typer.Typer) -> None:
    from tutela.cli import unit_io, unit_reports

    for name, group in GROUPS.items():
        app.add_typer(group, name=name)
    unit_io.register(app)
    unit_reports.register(app)


@contextmanager
def unit_store() -> Iterator[tuple[Any, Any]]:
    """(store, time zone) for one command; the engine is closed after it (PostgreSQL connections too)."""
    from tutela.cli.common import settings
    from tutela.services.store import open_store
    from tutela.store.unit import UnitStore

    config = settings()
    engine = open_store(config)
    try:
        yield UnitStore(engine), config.zone
    finally:
        engine.dispose()


def show(section: str, record: dict[str, Any], json_out: bool, verb: str = "recorded") -> None:
    from tutela.cli.output import write_json_line
    from tutela.domain.unit_format import SINGULAR

    if json_out:
        write_json_line(record)
        return
    details = ", ".join(f"{k}: {v}" for k, v in record.items() if k not in ("ref", "continuity") and v not in ([], ""))
    typer.echo(f"{SINGULAR[section]} {record['ref']} {verb}" + (f" ({details})" if details else ""))
    for event in record.get("continuity", []):
        typer.echo(f"  {event['at']}  {event['kind']:<11} {event['from'] or '-'} -> {event['to']}: {event['reason']}")


def _add(section: str, item: dict[str, Any], json_out: bool) -> None:
    from tutela.services.unit_records import add_record

    with unit_store() as (store, zone):
        show(section, add_record(store, section, item, zone), json_out)


@team.command("add")
def team_add(ref: str = typer.Argument(..., help="the team's reference, e.g. T-B01"),
             name: str = typer.Option(..., "--name"),
             kind: str = typer.Option(..., "--kind", help="central or borough"), json_out: bool = JSON) -> None:
    """Add a team."""
    _add("teams", {"ref": ref, "name": name, "kind": kind}, json_out)


@operation.command("add")
def operation_add(ref: str = typer.Argument(...), name: str = typer.Option(..., "--name"),
                  start: str = typer.Option(..., "--start", help="first day, YYYY-MM-DD"),
                  end: str = typer.Option(..., "--end", help="last day (inclusive)"), json_out: bool = JSON) -> None:
    """Add an operation with its dates (both inclusive, in the unit's time zone)."""
    _add("operations", {"ref": ref, "name": name, "start": start, "end": end}, json_out)


@referral.command("add")
def referral_add(ref: str = typer.Argument(...), received: str = typer.Option(..., "--received", help="ISO 8601"),
                 source: str = typer.Option("", "--source", help="who referred it, e.g. NCA"),
                 team_ref: str | None = typer.Option(None, "--team", help="the team it is assigned to"),
                 json_out: bool = JSON) -> None:
    """Record a referral (awaiting assessment)."""
    _add("referrals", {"ref": ref, "received": received, "source": source, "team": team_ref}, json_out)


@referral.command("import")
def referral_import(file: Path = typer.Argument(..., help="a CyberTipline-style JSON report"),
                    team_ref: str | None = typer.Option(None, "--team", help="the team it is assigned to"),
                    json_out: bool = JSON) -> None:
    """Import a CyberTipline-style report as a referral, with its risk band and reasons."""
    from tutela.cli.common import settings
    from tutela.services.referral_intake import import_referral, load_rules

    config = settings()
    rules = load_rules(config.triage_rules)
    with unit_store() as (store, zone):
        record = import_referral(store, file, zone, rules, team_ref, matcher=_library_matcher(config, store.engine))
    known = record.pop("known_from")
    matches = record.pop("library_matches")
    if json_out:
        from tutela.cli.output import write_json_line

        write_json_line({**record, "known_from": known, "library_matches": matches})
        return
    show("referrals", record, False, "imported")
    for match in matches:
        typer.echo(f"  file {match['file']} known to the library: category {match['category']} "
                   f"({match['bank']}, {match['hash_type']})")
    for link in known:
        typer.echo(f"  already known: referral {link['referral']} (cases: {', '.join(link['cases']) or 'none'}) "
                   f"shares {', '.join(link['shared'])}")


@referral.command("retriage")
def referral_retriage(json_out: bool = JSON) -> None:
    """Recompute the risk band of imported referrals from what the unit knows now (links, library)."""
    from tutela.cli.common import settings
    from tutela.services.referral_intake import load_rules, retriage

    config = settings()
    with unit_store() as (store, _zone):
        changed = retriage(store, load_rules(config.triage_rules), _library_matcher(config, store.engine))
    if json_out:
        from tutela.cli.output import write_json_line

        for change in changed:
            write_json_line(change)
        return
    for change in changed:
        typer.echo(f"{change['ref']}: {change['was'] or 'unbanded'} -> {change['risk_band']} "
                   f"({'; '.join(change['risk_reasons'])})")
    typer.echo(f"{len(changed)} referrals changed band or reasons")


def _library_matcher(config, engine):
    """The library matcher when the store holds any bank (a unit without a library still takes referrals)."""
    from tutela.services.matching import load_matcher
    from tutela.store.library import LibraryStore

    library = LibraryStore(engine)
    return load_matcher(config, library) if library.banks() else None


@case.command("create")
def case_create(ref: str = typer.Argument(...), team_ref: str | None = typer.Option(None, "--team"),
                referrals: list[str] = typer.Option([], "--referral", help="a referral behind it (repeatable)"),
                opened: str | None = typer.Option(None, "--opened", help="when it was opened (default now)"),
                json_out: bool = JSON) -> None:
    """Open a case, for a team, from referrals."""
    _add("cases", {"ref": ref, "team": team_ref, "referrals": referrals, "opened": opened}, json_out)


@case.command("close")
def case_close(ref: str = typer.Argument(...), outcome: str | None = typer.Option(None, "--outcome"),
               json_out: bool = JSON) -> None:
    """Close a case, with its outcome."""
    from tutela.services.unit_records import set_status

    with unit_store() as (store, _zone):
        show("cases", set_status(store, "cases", ref, "closed", outcome=outcome), json_out, "closed")


@suspect.command("add")
def suspect_add(ref: str = typer.Argument(...), case_ref: str = typer.Option(..., "--case"),
                age: int | None = typer.Option(None, "--age"),
                team_ref: str | None = typer.Option(None, "--team", help="refuse unless the case is this team's"),
                json_out: bool = JSON) -> None:
    """Add a suspect to a case."""
    from tutela.services.unit_records import add_suspect

    with unit_store() as (store, zone):
        show("suspects", add_suspect(store, {"ref": ref, "case": case_ref, "age": age}, zone, team_ref), json_out)


@warrant.command("add")
def warrant_add(ref: str = typer.Argument(...), case_ref: str = typer.Option(..., "--case"),
                operation_ref: str | None = OPERATION, applied: str | None = typer.Option(None, "--applied"),
                granted: str | None = typer.Option(None, "--granted"),
                executed: str | None = typer.Option(None, "--executed"),
                outcome: str | None = typer.Option(None, "--outcome"), json_out: bool = JSON) -> None:
    """Record a warrant (applied, granted, executed: each an ISO 8601 time, in that order)."""
    _add("warrants", {"ref": ref, "case": case_ref, "operation": operation_ref, "applied": applied,
                      "granted": granted, "executed": executed, "outcome": outcome}, json_out)


@warrant.command("update")
def warrant_update(ref: str = typer.Argument(...), granted: str | None = typer.Option(None, "--granted"),
                   executed: str | None = typer.Option(None, "--executed"),
                   outcome: str | None = typer.Option(None, "--outcome"), json_out: bool = JSON) -> None:
    """Record that a warrant was granted or executed, or its outcome."""
    from tutela.services.unit_records import update_warrant

    with unit_store() as (store, zone):
        show("warrants", update_warrant(store, ref, zone, granted=granted, executed=executed, outcome=outcome),
             json_out, "updated")


@arrest.command("add")
def arrest_add(ref: str = typer.Argument(...), suspect_ref: str = typer.Option(..., "--suspect"),
               at: str = typer.Option(..., "--at", help="ISO 8601"), operation_ref: str | None = OPERATION,
               json_out: bool = JSON) -> None:
    """Record an arrest of a suspect."""
    _add("arrests", {"ref": ref, "suspect": suspect_ref, "at": at, "operation": operation_ref}, json_out)


@exhibit.command("add")
def exhibit_add(ref: str = typer.Argument(...), case_ref: str = typer.Option(..., "--case"),
                kind: str = typer.Option(..., "--type", help="phone|tablet|laptop|desktop|storage|other"),
                operation_ref: str | None = OPERATION,
                seized: str | None = typer.Option(None, "--seized", help="when (ISO 8601)"),
                place: str | None = typer.Option(None, "--place", help="where it was seized"),
                bag: str | None = typer.Option(None, "--bag", help="evidence bag number"),
                seized_by: str | None = typer.Option(None, "--seized-by", help="opens the continuity log"),
                json_out: bool = JSON) -> None:
    """Record a seized exhibit (awaiting examination)."""
    from tutela.services.unit_records import add_exhibit

    with unit_store() as (store, zone):
        item = {"ref": ref, "case": case_ref, "type": kind, "operation": operation_ref, "seized": seized,
                "seized_place": place, "bag_number": bag}
        show("exhibits", add_exhibit(store, item, zone, seized_by), json_out)


@exhibit.command("move")
def exhibit_move(ref: str = typer.Argument(...), to: str = typer.Option(..., "--to", help="who has it now"),
                 reason: str = typer.Option(..., "--reason"),
                 kind: str = typer.Option("movement", "--kind", help="movement|examination|return"),
                 at: str | None = typer.Option(None, "--at", help="when (default now)"), json_out: bool = JSON) -> None:
    """Record a movement (or examination, or return) of an exhibit in its continuity log."""
    from tutela.services.unit_records import move_exhibit

    with unit_store() as (store, zone):
        show("exhibits", move_exhibit(store, ref, zone, to=to, reason=reason, kind=kind, at=at), json_out, "moved")


@exhibit.command("status")
def exhibit_status(ref: str = typer.Argument(...),
                   status: str = typer.Argument(..., help="awaiting_examination|in_examination|examined|returned"),
                   json_out: bool = JSON) -> None:
    """Set an exhibit's examination status."""
    from tutela.services.unit_records import set_status

    with unit_store() as (store, _zone):
        show("exhibits", set_status(store, "exhibits", ref, status), json_out, "updated")


@safeguarding.command("add")
def safeguarding_add(ref: str = typer.Argument(...), case_ref: str = typer.Option(..., "--case"),
                     child: str = typer.Option(..., "--child", help="the child's reference, e.g. CH-0001"),
                     at: str = typer.Option(..., "--at", help="ISO 8601"), operation_ref: str | None = OPERATION,
                     age_band: str | None = typer.Option(None, "--age-band", help="0-2|3-5|6-10|11-13|14-15|16-17"),
                     json_out: bool = JSON) -> None:
    """Record a child safeguarded in a case."""
    _add("safeguarding", {"ref": ref, "case": case_ref, "child": child, "at": at, "operation": operation_ref,
                          "age_band": age_band}, json_out)

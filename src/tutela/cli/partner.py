"""``tutela partner add|key|revoke|share|list`` (platform partners of the match service) and
``tutela library review`` (the custodian's queue of false positives that partners reported)."""

from __future__ import annotations

import typer

partner = typer.Typer(help="Platform partners of the match service: accounts, API keys, shared banks.",
                      no_args_is_help=True)
JSON = typer.Option(False, "--json", help="one JSON object per line")


def register(app: typer.Typer) -> None:
    from tutela.cli.library import library

    app.add_typer(partner, name="partner")
    library.command("review")(review_command)


def _emit(out: dict, json_out: bool, text: str) -> None:
    if json_out:
        from tutela.cli.output import write_json_line

        write_json_line(out)
    else:
        typer.echo(text)


@partner.command("add")
def partner_add(name: str = typer.Argument(..., help="the partner's account name (letters, digits, . _ -)"),
                json_out: bool = JSON) -> None:
    """Add a partner: an account with role partner that never signs in and calls the API with keys."""
    from tutela.cli.users import _operator, store_session
    from tutela.services.partners import add_partner

    with store_session() as session:
        out = add_partner(session, name, _operator())
    _emit(out, json_out, f"partner {name} added: give it a key with `tutela partner key {name}`")


@partner.command("key")
def partner_key(name: str = typer.Argument(..., help="the partner"),
                label: str | None = typer.Option(None, "--label", help="what the key is for (shown in list)"),
                json_out: bool = JSON) -> None:
    """Create an API key for a partner. The key is printed once: only its SHA-256 is kept."""
    from tutela.cli.users import _operator, store_session
    from tutela.services.partners import new_key

    with store_session() as session:
        made = new_key(session, name, label, _operator())
    _emit({"partner": name, "prefix": made.prefix, "key": made.key}, json_out,
          f"{made.key}\n(key for {name}, prefix {made.prefix}: shown once, store it now)")


@partner.command("revoke")
def partner_revoke(prefix: str = typer.Argument(..., help="the key's prefix (tpk_...) as `partner list` shows it"),
                   json_out: bool = JSON) -> None:
    """Revoke a key: calls with it are refused (401) from the next request on."""
    from tutela.cli.users import _operator, store_session
    from tutela.services.partners import revoke

    with store_session() as session:
        out = revoke(session, prefix, _operator())
    _emit(out, json_out, f"key {out['prefix']} of {out['partner']} revoked")


@partner.command("share")
def partner_share(name: str = typer.Argument(..., help="the partner"),
                  bank: str = typer.Argument(..., help="the bank to share"),
                  unshare: bool = typer.Option(False, "--unshare", help="stop sharing the bank instead"),
                  json_out: bool = JSON) -> None:
    """Share a bank with a partner (or stop): a partner only ever sees matches in banks shared with it."""
    from tutela.cli.users import _operator, store_session
    from tutela.services.partners import share

    with store_session() as session:
        out = share(session, name, bank, _operator(), shared=not unshare)
    _emit(out, json_out, f"bank {bank} {'no longer ' if unshare else ''}shared with {name}")


@partner.command("list")
def partner_list(json_out: bool = JSON) -> None:
    """Every partner with its keys (prefix, label, created, revoked) and shared banks; never a key itself."""
    from tutela.cli.users import store_session
    from tutela.store.partners import partners

    with store_session() as session:
        found = partners(session)
    if json_out:
        from tutela.cli.output import write_json_line

        for row in found:
            write_json_line(row)
        return
    from tutela.cli.common import table

    table(["partner", "state", "banks", "keys (prefix: created / revoked)"],
          [[p["partner"], "locked" if p["locked"] else "active", ", ".join(p["banks"]) or "-",
            "; ".join(f"{k['prefix']}: {k['created'][:10]}" + (f" / revoked {k['revoked'][:10]}" if k["revoked"]
                                                               else "") for k in p["keys"]) or "-"]
           for p in found])


def review_command(
    close: int | None = typer.Option(None, "--close", help="mark this report reviewed"),
    note: str | None = typer.Option(None, "--note", help="what was decided (with --close)"),
    show_all: bool = typer.Option(False, "--all", help="also reports already reviewed"),
    json_out: bool = JSON,
) -> None:
    """False positives that partners reported against bank entries, oldest first, for the library custodian."""
    from tutela.cli.users import _operator, store_session
    from tutela.store.partners import close_review, review_queue, utc_now

    if close is not None:
        with store_session() as session:
            close_review(session, close, _operator(), note, utc_now())
        _emit({"report": close, "reviewed": True}, json_out, f"report {close} marked reviewed")
        return
    with store_session() as session:
        queue = review_queue(session, include_reviewed=show_all)
    if json_out:
        from tutela.cli.output import write_json_line

        for row in queue:
            write_json_line(row)
        return
    from tutela.cli.common import table

    table(["report", "reported", "partner", "bank", "entry", "category", "match", "note"],
          [[r["report"], r["reported"][:19], r["partner"], r["bank"], r["entry_id"], r["category"],
            f"{r['hash_type']}" + (f" @{r['distance']}" if r["distance"] is not None else ""), r["note"] or ""]
           for r in queue])

"""``tutela remote lookup``: `tutela lookup` against a match service, as a partner calls it."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

remote = typer.Typer(help="Call a Tutela match service as a platform partner.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(remote, name="remote")


@remote.command("lookup")
def remote_lookup(
    url: str = typer.Option(..., "--url", help="the match service, e.g. https://match.example.org"),
    key_file: Path | None = typer.Option(None, "--key-file", help="file holding the API key "
                                                                  "(default: TUTELA_PARTNER_KEY)"),
    bank: list[str] | None = typer.Option(None, "--bank", help="only this shared bank (repeatable)"),
    json_out: bool = typer.Option(False, "--json", help="one JSON line per query"),
) -> None:
    """Look up hashes read from stdin, one a line (md5:HEX, sha1:HEX, sha256:HEX, pdq:HEX), at a match service."""
    import os

    from tutela.cli.output import write_json_line
    from tutela.client import MatchClient
    from tutela.errors import ConfigurationError
    from tutela.services.matching import check_queries_given, parse_query

    key = key_file.read_text().strip() if key_file is not None else os.environ.get("TUTELA_PARTNER_KEY", "")
    if not key:
        raise ConfigurationError("no API key: set TUTELA_PARTNER_KEY or give --key-file")
    lines = [line for line in sys.stdin.buffer.read().decode("utf-8", "replace").splitlines() if line.strip()]
    check_queries_given(len(lines))
    parsed: list[str | Exception] = []
    for line in lines:
        try:
            parsed.append(parse_query(line).text)
        except ValueError as exc:
            parsed.append(exc)
    with MatchClient(url, key) as client:
        answers = iter(client.lookup([q for q in parsed if isinstance(q, str)], banks=bank or None))
    rows = [{"query": line.strip(), "error": str(q), "matches": []} if isinstance(q, Exception) else next(answers)
            for line, q in zip(lines, parsed, strict=True)]
    if json_out:
        for row in rows:
            write_json_line(row)
    else:
        from tutela.cli.common import table

        table(["query", "matches (bank: category, distance, match id)", "note"],
              [[r["query"], ", ".join(f"{m['bank']}: {m['category']} @{m.get('distance')} {m['match_id']}"
                                      for m in r["matches"]) or "-", r.get("note") or r.get("error") or ""]
               for r in rows])
    raise typer.Exit(1 if any(isinstance(q, Exception) for q in parsed) else 0)

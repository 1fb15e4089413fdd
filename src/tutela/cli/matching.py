"""``tutela lookup`` (hashes on stdin) and ``tutela match`` (files): answers from the library."""

from __future__ import annotations

import sys

import typer


def register(app: typer.Typer) -> None:
    app.command("lookup")(lookup_command)
    app.command("match")(match_command)


def lookup_command(json_out: bool = typer.Option(False, "--json", help="one JSON line per query")) -> None:
    """Look up hashes read from stdin, one a line: md5:HEX, sha1:HEX, sha256:HEX or pdq:HEX."""
    from tutela.cli.common import settings
    from tutela.cli.output import write_json_line
    from tutela.services.matching import check_queries_given, load_lookup_matcher, lookup, parse_query

    lines = [line for line in sys.stdin.buffer.read().decode("utf-8", "replace").splitlines() if line.strip()]
    check_queries_given(len(lines))
    parsed, bad = [], 0
    for line in lines:
        try:
            parsed.append(parse_query(line))
        except ValueError as exc:
            parsed.append(str(exc))
            bad += 1
    matcher = load_lookup_matcher(settings())
    good = [q for q in parsed if not isinstance(q, str)]
    answers = iter(lookup(matcher, good))
    rows = []
    for line, query in zip(lines, parsed, strict=True):
        if isinstance(query, str):
            out = {"query": line.strip(), "error": query, "matches": []}
        else:
            result = next(answers)
            out = {"query": query.text, "matches": [m.to_json() for m in result.matches]}
            if result.note:
                out["note"] = result.note
        if json_out:
            write_json_line(out)
        else:
            rows.append(out)
    if not json_out:
        _print(rows)
    raise typer.Exit(1 if bad else 0)


def match_command(
    paths: list[str] = typer.Argument(..., metavar="PATH...", help="files, folders (recursed), or - for stdin"),
    json_out: bool = typer.Option(False, "--json", help="one JSON object per line on stdout"),
    workers: int | None = typer.Option(None, "--workers", min=1, help="processes (default: all cores)"),
) -> None:
    """Hash files as `tutela hash` does and match them against the library, best match first."""
    from tutela.cli.common import library_store, settings
    from tutela.cli.hashing import _expand_stdin
    from tutela.cli.output import progress_over, write_json_line
    from tutela.hashing.hasher import HashOptions
    from tutela.matching.matcher import resolved_grade
    from tutela.services.hashing import collect_entries, hash_entries
    from tutela.services.matching import load_matcher, match_records

    config = settings()
    matcher = load_matcher(config, library_store())
    entries = collect_entries(_expand_stdin(paths))
    options = HashOptions(max_pixels=config.max_pixels, max_still_bytes=config.max_still_bytes, match_signals=True)
    records = hash_entries(entries, options, workers=workers or config.workers, timeout=config.item_timeout)
    failed, rows = 0, []
    with progress_over(records, total=len(entries), description="matching") as tracked:
        for record, result in match_records(matcher, tracked):
            failed += record.error is not None
            out = record.to_json()
            out["matches"] = [m.to_json() for m in result.matches]
            grade = resolved_grade(result.matches)
            out["category"] = str(grade.category) if grade else None
            if result.note:
                out["match_note"] = result.note
            if json_out:
                write_json_line(out)
            else:
                rows.append({"query": out["path"], "matches": out["matches"], "note": result.note or out.get("error")})
    if not json_out:
        _print(rows)
    raise typer.Exit(1 if failed else 0)


def _print(rows: list[dict]) -> None:
    from tutela.cli.common import table

    table(["query", "matches (bank: category, distance)", "note"],
          [[r["query"], ", ".join(f"{m['bank']}: {m['category']} @{m['distance']}" for m in r["matches"]) or "-",
            r.get("note") or r.get("error") or ""] for r in rows])

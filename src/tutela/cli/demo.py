"""``tutela demo``: the main job on benign drawn media, end to end, on the embedded default store."""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import typer


def register(app: typer.Typer) -> None:
    app.command("demo")(demo_command)


def demo_command(
    keep: Path | None = typer.Option(None, "--keep", help="work in this folder (media, store) and keep it"),
) -> None:
    """Draw benign media, hash it, grade seized copies from a demo library, and count a week of action."""
    from rich.console import Console

    console = Console()
    with tempfile.TemporaryDirectory(prefix="tutela-demo-") as scratch:
        work = keep or Path(scratch)
        started = time.perf_counter()
        failed = _run(console, work)
        console.print(f"\n[bold]demo finished[/] in {time.perf_counter() - started:.1f} s "
                      f"({'kept in ' + str(work) if keep else 'nothing left behind'})")
    raise typer.Exit(1 if failed else 0)


def _run(console, work: Path) -> int:
    from tutela.cli.hashing import _print_table
    from tutela.domain.banks import Trust
    from tutela.hashing.hasher import HashOptions
    from tutela.services.demo import write_demo_media
    from tutela.services.demo_unit import library_entries, write_seized_folder
    from tutela.services.hashing import collect_entries, hash_entries
    from tutela.services.store import open_store
    from tutela.settings import load_settings
    from tutela.store.library import LibraryStore

    settings = load_settings().model_copy(update={"home": work / "home", "database_url": None})
    media = work / "media"
    write_demo_media(media)
    console.print(f"[bold]1. Hash[/]: benign drawn media in {media} (shapes, gradients, noise; nothing downloaded)")
    records = list(hash_entries(collect_entries([str(media)]), HashOptions(), workers=settings.workers,
                                timeout=settings.item_timeout))
    _print_table(records, root=str(media))
    failed = sum(r.error is not None for r in records)

    store = LibraryStore(open_store(settings, create=True))
    store.add_bank("demo-library", trust=Trust.TRUSTED, source="drawn stand-ins, grades picked at random")
    entries = library_entries(records)
    store.import_rows("demo-library", iter(entries), skip_invalid=False, file_name="demo", file_sha256="0" * 64,
                      fmt="demo")
    console.print(f"\n[bold]2. Library[/]: bank demo-library (trusted) holds {len(entries)} of the drawn pictures "
                  "as stand-ins for graded known material")
    known = [Path(r.path) for r in records if r.md5 in {e.md5 for e in entries}]
    unknown = [Path(r.path) for r in records if r.kind == "still" and Path(r.path) not in known]
    write_seized_folder(media, known, unknown, work / "exhibit")
    failed += _match_exhibit(console, settings, store, work / "exhibit")
    _unit(console, settings)
    failed += _ingest_disk(console, settings, work)
    return failed


def _match_exhibit(console, settings, store, folder: Path) -> int:
    from tutela.cli.common import table
    from tutela.hashing.hasher import HashOptions
    from tutela.matching.matcher import resolved_grade
    from tutela.services.hashing import collect_entries, hash_entries
    from tutela.services.matching import load_matcher, match_records

    matcher = load_matcher(settings, store)
    options = HashOptions(match_signals=True)
    records = hash_entries(collect_entries([str(folder)]), options, workers=settings.workers,
                           timeout=settings.item_timeout)
    rows, failed, known = [], 0, 0
    for record, result in match_records(matcher, records):
        failed += record.error is not None
        grade = resolved_grade(result.matches)
        known += grade is not None
        how = "" if grade is None else (f"{grade.hash_type} distance {grade.distance}"
                                        + (f" ({grade.orientation})" if grade.orientation else ""))
        rows.append([Path(record.path).name, str(grade.category) if grade else "unknown: to grade", how])
    console.print(f"\n[bold]3. Match[/]: a seized folder ({folder.name}) against the library; known material is "
                  "graded without anyone looking at it")
    table(["file", "category", "matched by"], rows)
    console.print(f"{known} of {len(rows)} files known from the library, {len(rows) - known} left to grade")
    return failed


def _unit(console, settings) -> None:
    from tutela.cli.common import table
    from tutela.services.demo_unit import week_of_action
    from tutela.services.store import open_store
    from tutela.services.unit_import import import_unit
    from tutela.services.unit_reports import operation_report
    from tutela.store.unit import UnitStore
    from tutela.store.unit_queries import UnitQueries

    engine = open_store(settings)
    import_unit(UnitStore(engine), week_of_action(), settings.zone, source="demo")
    figures = operation_report(UnitQueries(engine), "OP-DEMO", settings.zone)
    console.print("\n[bold]4. Unit records[/]: a week of action, every figure counted from the records "
                  "(a warrant never executed, a child safeguarded twice and another operation's records do not count)")
    keys = ("warrants_executed", "arrests", "children_safeguarded", "exhibits_seized", "suspect_age_min",
            "suspect_age_max")
    table([f"{figures['name']} ({figures['start']} to {figures['end']})", "count"],
          [[key.replace("_", " "), figures[key]] for key in keys])


def _ingest_disk(console, settings, work: Path) -> int:
    from tutela.cli.common import table
    from tutela.evidence.archives import ArchiveLimits
    from tutela.hashing.hasher import HashOptions
    from tutela.processing.ingest import LocalEngine
    from tutela.services.demo_unit import write_seized_disk
    from tutela.services.ingest import IngestRequest, IngestService
    from tutela.services.matching import load_matcher
    from tutela.services.store import open_store
    from tutela.store.ingest import IngestStore
    from tutela.store.library import LibraryStore
    from tutela.store.unit import UnitStore

    image = write_seized_disk(work / "exhibit", work / "disk")
    console.print(f"\n[bold]5. Ingest[/]: exhibit EX-2 of CASE-1, a laptop's disk image ({image.name}: an MBR "
                  "partition holding a FAT volume, a deleted picture, a zip), read through dfVFS and recorded")
    engine = open_store(settings)
    service = IngestService(IngestStore(engine), UnitStore(engine),
                            matcher=lambda: load_matcher(settings, LibraryStore(engine)),
                            engine=LocalEngine(settings.workers, settings.item_timeout), batch=settings.ingest_batch)
    (settings.home / "spool").mkdir(parents=True, exist_ok=True)
    request = IngestRequest(str(image), "CASE-1", "EX-2", examiner="tutela demo",
                            options=HashOptions(match_signals=True),
                            limits=ArchiveLimits(spool_folder=str(settings.home / "spool")))
    try:
        run = service.start(request)
        outcomes = list(service.outcomes(run))
        summary = service.finish(run)
    finally:
        engine.dispose()
    table(["on the disk", "outcome", "category"],
          [[str(o.locator).removeprefix(f"{image} » "), o.outcome, str(o.match.category) if o.match else ""]
           for o in outcomes])
    known = ", ".join(f"{category}: {count}" for category, count in summary["known"].items())
    same = summary["evidence_sha256_before"] == summary["evidence_sha256_after"]
    console.print(f"{summary['files']} files: {sum(summary['known'].values())} known ({known}), "
                  f"{summary['unknown_stills']} unknown still, {summary['not_media']} not media, "
                  f"{summary['failed']} failed; {summary['deleted_recovered']} deleted file recovered; evidence "
                  f"SHA-256 {'unchanged' if same else 'CHANGED'} ({summary['evidence_sha256_after'][:16]}...)")
    return summary["failed"]

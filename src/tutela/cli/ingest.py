"""``tutela ingest``: an exhibit's evidence hashed, matched and recorded, one outcome per file."""

from __future__ import annotations

import gc

import typer


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)
    app.command("keygen")(keygen_command)


def keygen_command() -> None:
    """Print a new key for TUTELA_MEDIA_KEY (Fernet: thumbnails are encrypted with it at rest)."""
    from cryptography.fernet import Fernet

    typer.echo(Fernet.generate_key().decode("ascii"))


def ingest_command(
    source: str = typer.Argument(..., metavar="SOURCE", help="the evidence: a folder or a file (archives are read)"),
    case: str = typer.Option(..., "--case", help="the case the exhibit belongs to (ref)"),
    exhibit: str = typer.Option(..., "--exhibit", help="the exhibit the evidence was taken from (ref)"),
    workers: int | None = typer.Option(None, "--workers", min=1, help="processes (default: all cores)"),
    scheduler: str | None = typer.Option(None, "--scheduler", metavar="ADDRESS",
                                         help="run on a Dask cluster (tcp://HOST:PORT) instead of local processes"),
    no_thumbnails: bool = typer.Option(False, "--no-thumbnails", help="store no thumbnails (no TUTELA_MEDIA_KEY)"),
    json_out: bool = typer.Option(False, "--json", help="one JSON line per file, then the summary"),
) -> None:
    """Ingest an exhibit: every file ends as known, unknown, ignorable, duplicate, not media or failed."""
    from tutela.cli.common import settings
    from tutela.cli.output import progress_over, write_json_line

    # What the imports make lives as long as the process: not scanned while it is made (a full collection took
    # 16-18 ms then, before the workers started), and frozen out of later full passes (the one that came at the
    # end of a run, while the last files were recorded, took 39-42 ms scanning it). Workers collect as usual.
    gc.disable()
    try:
        config = settings()
        request = _request(source, case, exhibit, config, thumbnails=not no_thumbnails)
        hashing = _head_start(request, config, workers, scheduler)
        try:
            engine, service = _service(config, hashing.engine)  # the store opens while the first files are hashed
        except BaseException:
            hashing.close()
            hashing.engine.close()
            raise
    finally:
        gc.freeze()
        gc.enable()
    run = None
    try:
        run = service.start(request, hashing)
        rows = []
        # The bar stays up through the digest after the files: on a large image, minutes of reading.
        with progress_over(_committed(service.batches(run)), total=len(run.units), description="ingesting",
                           status=run.status) as tracked:
            for outcome in tracked:
                if json_out:
                    write_json_line(outcome.to_json())
                else:
                    rows.append(outcome)
            summary = service.finish(run)
    except BaseException as exc:
        if run is not None:
            run.abandon()
            if isinstance(exc, KeyboardInterrupt) and not run.already_finished:
                typer.echo("tutela: stopped: what was recorded is kept; run the same command again to finish the "
                           "ingest", err=True)
        raise
    finally:
        try:
            hashing.close()
        finally:
            service.engine.close()
            engine.dispose()
    if json_out:
        write_json_line(summary)
    else:
        _print(rows, summary)
    check = summary.get("acquisition_verification") or {}
    if check.get("result") in ("mismatch", "unreadable"):
        typer.echo(f"evidence: the E01's acquisition digests do not verify: {check['result']}"
                   + (f" ({check['reason']})" if check.get("reason") else ""), err=True)
    raise typer.Exit(1 if summary["failed"] or check.get("result") in ("mismatch", "unreadable") else 0)


def _committed(batches):
    """Outcomes a batch at a time, stdout flushed after each: a line seen is a file recorded, never ahead of it."""
    import sys

    for batch in batches:
        yield from batch
        sys.stdout.flush()


def _head_start(request, config, workers: int | None, scheduler: str | None):
    """The request checked and its evidence being hashed, before the store (a third of a second to open) is."""
    from tutela.processing.head_start import HeadStart

    request.evidence_path(config.media_key)  # said before a Dask scheduler is even called
    engine = _engine(scheduler, workers or config.workers, config.item_timeout)
    try:
        return HeadStart.of(request, engine, config.media_key, size=config.ingest_batch)
    except BaseException:
        engine.close()
        raise


def _service(config, hashing_engine):
    from tutela.services.ingest import IngestService
    from tutela.services.matching import load_matcher
    from tutela.services.store import open_store
    from tutela.store.ingest import IngestStore
    from tutela.store.library import LibraryStore
    from tutela.store.unit import UnitStore

    engine = open_store(config)
    service = IngestService(IngestStore(engine), UnitStore(engine),
                            matcher=lambda: load_matcher(config, LibraryStore(engine)),
                            engine=hashing_engine, batch=config.ingest_batch, media_key=config.media_key)
    return engine, service


def _engine(scheduler: str | None, workers: int, timeout: float):
    if scheduler is None:
        from tutela.processing.ingest import LocalEngine

        return LocalEngine(workers, timeout)
    from tutela.processing.dask_engine import DaskEngine

    return DaskEngine(scheduler)


def _request(source: str, case: str, exhibit: str, config, *, thumbnails: bool):
    import getpass

    from tutela.evidence.archives import ArchiveLimits
    from tutela.hashing.hasher import HashOptions
    from tutela.processing.ingest import THUMBNAIL_SIZE, IngestRequest

    options = HashOptions(max_pixels=config.max_pixels, max_still_bytes=config.max_still_bytes, match_signals=True,
                          thumbnail=THUMBNAIL_SIZE if thumbnails else 0)
    spool = config.home / "spool"
    spool.mkdir(parents=True, exist_ok=True)
    return IngestRequest(source, case, exhibit, examiner=f"tutela ingest ({getpass.getuser()})", options=options,
                         limits=ArchiveLimits(spool_folder=str(spool)))


def _print(rows, summary: dict) -> None:
    from tutela.cli.common import table

    shown = [r for r in rows if r.outcome != "duplicate"]
    table(["file", "outcome", "category", "bank", "reason"],
          [[str(r.locator), r.outcome, str(r.match.category) if r.match else "", r.match.bank if r.match else "",
            r.reason or ""] for r in shown])
    known = ", ".join(f"{category}: {count}" for category, count in summary["known"].items()) or "0"
    table(["", ""], [
        ["files", summary["files"]], ["known", known], ["unknown stills", summary["unknown_stills"]],
        ["unknown videos", summary["unknown_videos"]], ["ignorable", summary["ignorable"]],
        ["duplicates", summary["duplicates"]], ["not media", summary["not_media"]], ["failed", summary["failed"]],
        ["deleted recovered", summary["deleted_recovered"]],
        ["groups to grade", summary["groups"]], ["thumbnails", summary["thumbnails"]],
        ["seen in other cases", ", ".join(f"{c['case']}/{c['exhibit']}: {c['files']}" for c in summary["cross_case"])
         or "none"],
        ["evidence SHA-256 before", summary["evidence_sha256_before"]],
        ["evidence SHA-256 after", summary["evidence_sha256_after"]],
        *([["E01 acquisition digests", summary["acquisition_verification"]["result"].replace("_", " ")]]
          if summary.get("acquisition_verification") else []),
        ["elapsed", f"{summary['elapsed_seconds']:.1f} s ({summary['rate']:.1f} files/s)"]])

"""Library use cases: import and export hash lists, statistics, conflicts."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from tutela.domain.categories import Category, VicsProfile, vics_profile
from tutela.errors import UsageError
from tutela.services.library_feed import batches_from_child
from tutela.settings import Settings
from tutela.store.library import ImportResult, LibraryStore

FORMATS = ("vics", "csv", "md5list")


def profile_from(settings: Settings) -> VicsProfile:
    try:
        return vics_profile(settings.vics_profile, settings.vics_map or None)
    except ValueError as exc:
        raise UsageError(f"TUTELA_VICS_PROFILE / TUTELA_VICS_MAP: {exc}") from None


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def import_library(store: LibraryStore, path: Path, *, bank: str, fmt: str | None, skip_invalid: bool,
                   profile: VicsProfile, category: Category = Category.UNGRADED,
                   progress: Callable[[int], None] | None = None) -> tuple[ImportResult, list[str]]:
    """Import one file into ``bank``; returns the result and the reader's warnings."""
    from tutela.formats.library_io import detect_format, read_library

    store.bank(bank)  # a missing bank is an error before the file is read
    if not path.is_file():
        raise UsageError(f"{path}: no such file")
    with path.open("rb") as handle:
        chosen = fmt or detect_format(handle.read(8192))
        if chosen not in FORMATS:
            raise UsageError(f"unknown format {chosen!r} (known: {', '.join(FORMATS)})")
        handle.seek(0)
        reader = read_library(chosen, handle, profile=profile, category=category)
        warnings = list(reader.warnings)
        result = store.import_batches(bank, batches_from_child(reader, warnings), skip_invalid=skip_invalid,
                                      file_name=path.name, file_sha256=file_sha256(path), fmt=chosen,
                                      progress=progress)
        return result, warnings


def export_library(store: LibraryStore, path: Path, *, bank: str, fmt: str, profile: VicsProfile) -> int:
    from tutela.formats.library_io import write_library

    if fmt not in ("vics", "csv"):
        raise UsageError(f"export format must be vics or csv, not {fmt!r}")
    store.bank(bank)
    partial = path.with_name(path.name + ".partial")
    with partial.open("wb") as handle:
        count = write_library(fmt, store.entries(bank), handle, profile=profile)
    partial.replace(path)  # never leave a half-written export under the real name
    return count

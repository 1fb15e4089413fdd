"""Archives for ingest tests, built in memory from drawn pictures (and zeros, for bombs)."""

from __future__ import annotations

import io
import tarfile
import zipfile


def zip_of(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(zipfile.ZipInfo(name), data, compress_type=compression)
    return buffer.getvalue()


def tar_of(members: dict[str, bytes], mode: str = "w:gz") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


def zeros_zip(megabytes: int = 30) -> bytes:
    """A zip bomb in miniature: one member of zeros, about a thousand times its compressed size."""
    return zip_of({"zeros.bin": bytes(megabytes << 20)})

"""Reading a file out of a disk image as a Python stream that never gives bytes the image did not have."""

from __future__ import annotations

import errno
import io
import re
from typing import Any


def why(exc: BaseException) -> str:
    """One line: dfVFS's wrapping dropped; of libewf's chain of messages, the innermost cause."""
    text = str(exc).strip().strip("'") or type(exc).__name__
    for noise in ("Unable to open file object with error: ", "Unable to open file system with error: "):
        text = text.replace(noise, "")
    text = re.sub(r"^\w+_Con: \(tsk3\.cpp:\d+\) ", "", text.splitlines()[0])  # pytsk3's C++ location
    if text.startswith("pyewf_"):
        causes = [part.split(": ", 1)[-1] for part in text.split(". ")[1:]]
        text = causes[0] if causes else text
    return text


class GuardedStream(io.RawIOBase):
    """A dfVFS file object as a Python stream that fails rather than give bytes the image did not have.

    It keeps its own offset and seeks before every read, because dfVFS hands the same cached object to every
    opener of the same path spec in a process. After each read it fails if a hole in the image (recorded by the
    guard layer) lies in the file's bytes, or appeared during the read (where the file's bytes lie is unknown)."""

    def __init__(self, file_object: Any, holes: list, ranges: list[tuple[int, int]] | None) -> None:
        self._file, self._offset, self._size = file_object, 0, file_object.get_size()
        self._holes, self._ranges = holes, ranges

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._offset

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._offset, io.SEEK_END: self._size}[whence]
        if base + offset < 0:
            raise OSError("seek before the start of the file")
        self._offset = base + offset
        return self._offset

    def readinto(self, buffer: Any) -> int:
        wanted = min(len(buffer), max(0, self._size - self._offset))
        if wanted == 0:
            return 0
        known = len(self._holes)
        try:
            self._file.seek(self._offset)
            data = self._file.read(wanted)
        except RuntimeError as exc:  # pytsk3's, when the image below it failed a read
            raise OSError(errno.EIO, why(exc)) from exc
        self._fail_on_holes(known)
        if not data:
            raise OSError(errno.EIO, f"nothing read at offset {self._offset} of {self._size}")
        buffer[: len(data)] = data
        self._offset += len(data)
        return len(data)

    def _fail_on_holes(self, known: int) -> None:
        for index, hole in enumerate(self._holes):
            fresh = index >= known and self._ranges is None
            if fresh or any(hole.overlaps(start, end) for start, end in self._ranges or ()):
                first, last = hole.offset // 512, (hole.offset + hole.size - 1) // 512
                raise OSError(errno.EIO, f"unreadable sectors {first}-{last} of the image hold part of this file: "
                                         f"{why(OSError(hole.why))}")


def file_ranges(fs_info: Any, inode: int, base: int) -> list[tuple[int, int]] | None:
    """Where a file's data runs lie in the image (bytes), from TSK; None when TSK does not say."""
    import pytsk3

    block = fs_info.info.block_size
    ranges = []
    try:
        for attribute in fs_info.open_meta(inode=inode):
            if attribute.info.type not in _data_attributes():
                continue
            for run in attribute:
                if not int(run.flags) & (pytsk3.TSK_FS_ATTR_RUN_FLAG_SPARSE | pytsk3.TSK_FS_ATTR_RUN_FLAG_FILLER):
                    ranges.append((base + run.addr * block, base + (run.addr + run.len) * block))
    except (OSError, RuntimeError):
        return None
    return ranges or None  # resident data (in the MFT record) has no runs


def _data_attributes() -> tuple[int, ...]:
    import pytsk3

    return (pytsk3.TSK_FS_ATTR_TYPE_DEFAULT, pytsk3.TSK_FS_ATTR_TYPE_NTFS_DATA, pytsk3.TSK_FS_ATTR_TYPE_HFS_DATA)

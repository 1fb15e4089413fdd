"""Walk a file system The Sleuth Kit reads, deleted names included: one entry per file it describes.

Regular files are entries to hash. Deleted ones are flagged: a name the file system marks unallocated, an
unallocated inode, or anything under a deleted folder or TSK's ``$OrphanFiles`` (deleted files no folder names
any more). Links and special files are entries with a problem, as in a folder. TSK's virtual files (``$MBR``,
``$FAT1``...) are views of the file system's own structures, not files, and are left out, as is the entry TSK
shows for a FAT volume's label. Folders are walked
with an explicit stack (a hostile image can nest deeper than Python recurses) and each inode once (no loops).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytsk3

_SPECIAL = {
    pytsk3.TSK_FS_META_TYPE_LNK: "symbolic link, not followed",
    pytsk3.TSK_FS_META_TYPE_FIFO: "not a regular file: a FIFO",
    pytsk3.TSK_FS_META_TYPE_CHR: "not a regular file: a character device",
    pytsk3.TSK_FS_META_TYPE_BLK: "not a regular file: a block device",
    pytsk3.TSK_FS_META_TYPE_SOCK: "not a regular file: a socket",
}
_FOLDERS = (pytsk3.TSK_FS_META_TYPE_DIR, pytsk3.TSK_FS_META_TYPE_VIRT_DIR)


@dataclass(frozen=True, slots=True)
class FileEntry:
    path: str
    inode: int | None
    deleted: bool
    problem: str | None = None
    note: str | None = None


def walk_file_system(fs_info: Any) -> Iterator[FileEntry]:
    root = fs_info.info.root_inum
    seen = {root}
    stack = [(_listing(fs_info.open_dir(inode=root)), "", False)]
    while stack:
        listing, folder, folder_deleted = stack[-1]
        entry = next(listing, None)
        if entry is None:
            stack.pop()
            continue
        if isinstance(entry, OSError):
            yield FileEntry(folder or "/", None, folder_deleted, f"cannot read folder: {_why(entry)}")
            continue
        name, meta, name_deleted = entry
        path = f"{folder}/{name}"
        deleted = folder_deleted or name_deleted or _unallocated(meta)
        if meta is None and folder_deleted and folder.startswith("/$OrphanFiles"):
            continue  # an MFT entry or inode never used for a file: nothing was there
        if meta is None:
            yield FileEntry(path, None, True, "deleted: the file system no longer says where its content was")
        elif meta.type in _FOLDERS:
            if meta.addr not in seen:
                seen.add(meta.addr)
                orphans = meta.type == pytsk3.TSK_FS_META_TYPE_VIRT_DIR
                stack.append((_folder(fs_info, meta.addr), path, deleted or orphans))
        elif meta.type == pytsk3.TSK_FS_META_TYPE_REG:
            yield FileEntry(path, meta.addr, deleted, note=_reused(name_deleted, meta))
        elif meta.type in _SPECIAL:
            yield FileEntry(path, meta.addr, deleted, _SPECIAL[meta.type])


def _folder(fs_info: Any, inode: int) -> Iterator[tuple[str, Any, bool] | OSError]:
    try:
        directory = fs_info.open_dir(inode=inode)
    except (OSError, RuntimeError) as exc:  # pytsk3 raises RuntimeError when the image failed a read
        yield OSError(str(exc))
        return
    yield from _listing(directory)


def _listing(directory: Any) -> Iterator[tuple[str, Any, bool] | OSError]:
    """(name, meta or None, name deleted) for each entry but ``.`` and ``..``; a read error ends the folder."""
    try:
        for tsk_file in directory:
            info = tsk_file.info
            if info.name is None:
                continue
            name = info.name.name.decode("utf-8", "backslashreplace")
            if name in (".", "..") or name.endswith(_FAT_LABEL):
                continue
            meta = info.meta
            if meta is not None and meta.addr == 0 and info.fs_info.ftype not in _NTFS:
                meta = None  # inode 0 is "none" outside NTFS (a wiped ext name)
            yield name, meta, bool(int(info.name.flags) & pytsk3.TSK_FS_NAME_FLAG_UNALLOC)
    except (OSError, RuntimeError) as exc:
        yield OSError(str(exc))


_FAT_LABEL = " (Volume Label Entry)"  # TSK lists a FAT volume's label as an empty file: it is not one
_NTFS = (pytsk3.TSK_FS_TYPE_NTFS, pytsk3.TSK_FS_TYPE_NTFS_DETECT)


def _unallocated(meta: Any) -> bool:
    return meta is not None and bool(int(meta.flags) & pytsk3.TSK_FS_META_FLAG_UNALLOC)


def _reused(name_deleted: bool, meta: Any) -> str | None:
    if name_deleted and not _unallocated(meta):
        return "deleted name whose inode now belongs to another file: the content read is that file's"
    return None


def _why(exc: OSError) -> str:
    return (str(exc).strip() or type(exc).__name__).splitlines()[0]

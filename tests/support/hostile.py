"""Hostile files for tests: each written for real into a folder."""

from __future__ import annotations

import os
import random
import socket
import struct
import zlib
from pathlib import Path

from drawn import encoded, picture


def png_claiming(width: int, height: int) -> bytes:
    """A valid-looking PNG whose header claims ``width``×``height`` pixels, with a tiny IDAT."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
            + chunk(b"IEND", b""))


def write_hostile_folder(folder: Path) -> dict[str, Path]:
    """Every hostile case of the foundation issue, by name."""
    folder.mkdir(parents=True, exist_ok=True)
    jpeg = encoded(picture(800, 600, seed=21), "JPEG", quality=90)
    png = encoded(picture(64, 48, seed=22), "PNG")
    files = {
        "empty": (b"empty.jpg", b""),
        "truncated": (b"truncated.jpg", jpeg[: len(jpeg) // 2]),
        "header_only": (b"header-only.png", png[:33]),  # signature + IHDR, no pixels
        # Seeded: os.urandom's bytes began now and then as a zlib stream does (0x78 0x9c...), and libmagic said so.
        "random_bytes": (b"random.jpg", random.Random(0).randbytes(4096)),
        "bomb": (b"bomb.png", png_claiming(60000, 60000)),
        "one_pixel": (b"one-pixel.png", encoded(picture(1, 1, seed=23), "PNG")),
        "image_named_txt": (b"photo.txt", jpeg),
        "bad_utf8_name": (b"caf\xe9-\xff.jpg", jpeg),
        "corrupt_video": (b"corrupt.mp4", b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + os.urandom(2048)),
    }
    paths = {}
    for case, (name, data) in files.items():
        path = os.path.join(os.fsencode(folder), name)
        with open(path, "wb") as handle:
            handle.write(data)
        paths[case] = Path(os.fsdecode(path))
    loop = folder / "loop"
    loop.symlink_to(loop)
    paths["symlink_loop"] = loop
    fifo = folder / "pipe"
    os.mkfifo(fifo)
    paths["fifo"] = fifo
    sock_path = folder / "socket"
    with socket.socket(socket.AF_UNIX) as sock:
        sock.bind(str(sock_path))
    paths["socket"] = sock_path
    return paths

"""Reading a PNG's pixels with the standard library, to tell a drawn page from a blank one."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

CHANNELS = {2: 3, 6: 4}  # colour type: RGB, RGBA (8 bits each, what Chromium writes)


def pixels(path: Path) -> list[tuple[int, int, int]]:
    """Every pixel's RGB, row by row, after undoing PNG's per-row filters."""
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"{path} is not a PNG"
    chunks, offset = {}, 8
    idat = b""
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset : offset + 8])
        body = data[offset + 8 : offset + 8 + length]
        if kind == b"IDAT":
            idat += body
        else:
            chunks[kind] = body
        offset += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", chunks[b"IHDR"][:10])
    assert depth == 8 and colour in CHANNELS, f"unexpected PNG format {depth}/{colour}"
    step = CHANNELS[colour]
    raw, stride = zlib.decompress(idat), width * CHANNELS[colour]
    rows: list[bytearray] = []
    previous = bytearray(stride)
    for y in range(height):
        start = y * (stride + 1)
        kind, row = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):
            left = row[x - step] if x >= step else 0
            up, corner = previous[x], previous[x - step] if x >= step else 0
            row[x] = (row[x] + _predict(kind, left, up, corner)) & 0xFF
        rows.append(row)
        previous = row
    return [(r[x], r[x + 1], r[x + 2]) for r in rows for x in range(0, stride, step)]


def _predict(kind: int, left: int, up: int, corner: int) -> int:
    if kind == 1:
        return left
    if kind == 2:
        return up
    if kind == 3:
        return (left + up) // 2
    if kind == 4:
        guess = left + up - corner
        near = min(
            (abs(guess - left), 0, left), (abs(guess - up), 1, up), (abs(guess - corner), 2, corner)
        )
        return near[2]
    return 0

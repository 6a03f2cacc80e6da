"""Writes small Outlook .msg files (OLE compound files, MS-CFB version 3), for tests.

A .msg is a compound file whose streams are MAPI properties named
'__substg1.0_PPPPTTTT' (property id, type: 001F UTF-16 text, 001E 8-bit text, 0102
binary), with one '__attach_version1.0_#N' storage per attachment. Only what a reader
needs is written: no property stream, no recipients, no named properties. Streams under
4096 bytes go in the mini stream (64-byte sectors), the rest in 512-byte sectors.
"""

import struct
from datetime import UTC, datetime

SECTOR, MINI_SECTOR, MINI_CUTOFF = 512, 64, 4096
FREE, END, FAT_SECTOR, NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
STORAGE, STREAM, ROOT = 1, 2, 5

Tree = dict[str, "Tree | bytes"]


def _tree(streams: dict[str, bytes]) -> Tree:
    root: Tree = {}
    for path, data in streams.items():
        *storages, name = path.split("/")
        node = root
        for storage in storages:
            node = node.setdefault(storage, {})  # type: ignore[assignment]
        node[name] = data
    return root


def _pad(data: bytes, size: int, fill: bytes = b"\0") -> bytes:
    return data + fill * (-len(data) % size // len(fill))


def _chain(fat: list[int], first: int, count: int) -> None:
    fat.extend(range(first + 1, first + count))
    fat.append(END)


def compound_file(streams: dict[str, bytes]) -> bytes:
    """A compound file holding ``streams`` ('storage/stream' paths -> data)."""
    entries: list[dict[str, object]] = [
        {"name": "Root Entry", "type": ROOT, "node": _tree(streams)}
    ]
    for entry in entries:  # breadth first: the list grows as storages are met
        node = entry["node"]
        if not isinstance(node, dict):
            continue
        names = sorted(node, key=lambda n: (len(n), n.upper()))  # the order CFB requires
        first = len(entries)
        for offset, name in enumerate(names):
            child = node[name]
            entries.append({"name": name, "type": STORAGE if isinstance(child, dict) else STREAM,
                            "node": child, "right": first + offset + 1 if offset + 1 < len(names)
                            else NO_STREAM})  # fmt: skip
        entry["child"] = first if names else NO_STREAM
    mini, minifat, big, fat = b"", [], b"", []
    for entry in entries:
        data = entry["node"]
        if not isinstance(data, bytes):
            continue
        entry["size"] = len(data)
        if len(data) < MINI_CUTOFF:
            entry["start"] = len(mini) // MINI_SECTOR
            _chain(minifat, len(mini) // MINI_SECTOR, -(-len(data) // MINI_SECTOR))
            mini += _pad(data, MINI_SECTOR)
        else:
            entry["start"] = len(big) // SECTOR  # shifted past the mini stream below
            entry["big"] = True
            big += _pad(data, SECTOR)
    mini_sectors = -(-len(mini) // SECTOR)
    if mini_sectors:
        _chain(fat, 0, mini_sectors)
    for entry in entries:
        if entry.get("big"):
            entry["start"] = int(entry["start"]) + mini_sectors  # type: ignore[call-overload]
            _chain(fat, int(entry["start"]), -(-int(entry["size"]) // SECTOR))  # type: ignore[call-overload]
    entries[0].update(start=0 if mini_sectors else END, size=len(mini))
    minifat_bytes = _pad(struct.pack(f"<{len(minifat)}I", *minifat), SECTOR, b"\xff\xff\xff\xff")
    minifat_start = len(fat) if minifat else END
    if minifat:
        _chain(fat, minifat_start, len(minifat_bytes) // SECTOR)
    directory = _pad(b"".join(_dir_entry(e) for e in entries), SECTOR, _dir_entry(None))
    dir_start = len(fat)
    _chain(fat, dir_start, len(directory) // SECTOR)
    fat_count = -(-(len(fat) + 1) // 128)
    while len(fat) + fat_count > fat_count * 128:
        fat_count += 1
    fat_start = len(fat)
    fat += [FAT_SECTOR] * fat_count
    fat_bytes = _pad(struct.pack(f"<{len(fat)}I", *fat), SECTOR, b"\xff\xff\xff\xff")
    difat = list(range(fat_start, fat_start + fat_count)) + [FREE] * (109 - fat_count)
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII109I", MAGIC, b"\0" * 16, 0x3E, 3, 0xFFFE, 9, 6, b"\0" * 6,
        0, fat_count, dir_start, 0, MINI_CUTOFF, minifat_start, len(minifat_bytes) // SECTOR,
        END, 0, *difat,
    )  # fmt: skip
    return header + _pad(mini, SECTOR) + big + minifat_bytes + directory + fat_bytes


def _dir_entry(entry: dict[str, object] | None) -> bytes:
    if entry is None:  # an unused slot
        return struct.pack("<64sHBBIII16sIQQIII", b"", 0, 0, 0, NO_STREAM, NO_STREAM, NO_STREAM,
                           b"\0" * 16, 0, 0, 0, 0, 0, 0)  # fmt: skip
    name = str(entry["name"]).encode("utf-16-le") + b"\0\0"
    return struct.pack(
        "<64sHBBIII16sIQQIII", name, len(name), entry["type"], 1, NO_STREAM,
        entry.get("right", NO_STREAM), entry.get("child", NO_STREAM), b"\0" * 16, 0, 0, 0,
        entry.get("start", END), entry.get("size", 0), 0,
    )  # fmt: skip


def _text(prop: int, value: str) -> tuple[str, bytes]:
    return f"__substg1.0_{prop:04X}001F", value.encode("utf-16-le")


def outlook_msg(
    *,
    subject: str,
    sender_name: str,
    sender_email: str,
    body: str | None = None,
    html: str | None = None,
    files: list[tuple[str, bytes]] | None = None,
    properties: dict[int, str] | None = None,
    sent: datetime | None = None,
) -> bytes:
    """A saved Outlook message: sender, subject, a plain or HTML body, attached files;
    ``properties``: more text properties (id -> value); ``sent``: its submit time."""
    streams = dict([_text(0x0037, subject), _text(0x0C1A, sender_name),
                    _text(0x5D01, sender_email)])  # fmt: skip
    if body is not None:
        streams.update([_text(0x1000, body)])
    if html is not None:
        streams["__substg1.0_10130102"] = html.encode("utf-8")
    streams.update(_text(prop_id, value) for prop_id, value in (properties or {}).items())
    if sent is not None:  # PT_SYSTIME 0x0039, after the top-level message's 32-byte header
        ticks = int((sent - datetime(1601, 1, 1, tzinfo=UTC)).total_seconds() * 10**7)
        streams["__properties_version1.0"] = b"\0" * 32 + struct.pack("<IIQ", 0x00390040, 2, ticks)
    for index, (name, data) in enumerate(files or []):
        storage = f"__attach_version1.0_#{index:08X}"
        streams[f"{storage}/__substg1.0_37010102"] = data
        key, value = _text(0x3707, name)
        streams[f"{storage}/{key}"] = value
    return compound_file(streams)

"""The embedded default outbox: replies written into a local Maildir's ``new/``.

Files are named by Message-ID, so delivering a reply again leaves one copy: the
transport is idempotent, and the outbox hands it whole batches.
"""

import contextlib
import ctypes
import email.parser
import hashlib
import os
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from intake.errors import DeliveryError
from intake.reply.transport import BaseTransport, Envelope


class MaildirTransport(BaseTransport):
    """Writes each message into a Maildir's ``new/``; the same Message-ID is written once."""

    idempotent = True

    def __init__(self, path: Path) -> None:
        self.path = path

    def open(self) -> None:
        for sub in ("tmp", "new", "cur"):
            (self.path / sub).mkdir(parents=True, exist_ok=True)

    def deliver(self, data: bytes, sender: str, recipients: list[str]) -> None:
        """Write ``tmp/`` then rename into ``new/`` (atomic); skip if already there."""
        [error] = self.deliver_many([Envelope(data, sender, recipients)])
        if error is not None:
            raise error

    def deliver_many(self, messages: Sequence[Envelope]) -> list[DeliveryError | None]:
        """Write the new messages into ``tmp/``, make them durable together, then rename them
        into ``new/`` and sync that folder once. A file is in ``new/`` only once complete,
        so one found there is never written again."""
        try:
            self.open()
            read = self._names_in_cur()
        except OSError as e:
            return [self._error(e)] * len(messages)
        results: list[DeliveryError | None] = [None] * len(messages)
        wanted: dict[str, list[int]] = {}  # file name -> positions (a batch may repeat one)
        for n, message in enumerate(messages):
            name = self.file_name(message.data)
            if name not in read:
                wanted.setdefault(name, []).append(n)
        # Plain strings, not Paths, from here: this runs for every message.
        new, tmp = str(self.path / "new"), str(self.path / "tmp")
        suffix = f".{os.getpid()}.{os.urandom(4).hex()}"  # names are distinct within a batch
        staged: dict[str, str] = {}
        for name, positions in wanted.items():
            path = f"{tmp}/{name}{suffix}"
            try:
                if not os.path.exists(f"{new}/{name}"):
                    with open(path, "xb") as f:
                        f.write(messages[positions[0]].data.replace(b"\r\n", b"\n"))  # local ends
                    staged[name] = path
            except OSError as e:
                with contextlib.suppress(OSError):
                    os.unlink(path)  # a part-written file is never moved to new/
                for n in positions:
                    results[n] = self._error(e)
        try:
            self._publish(staged, new)
        except OSError as e:
            for name in staged:
                for n in wanted[name]:
                    results[n] = self._error(e)
        return results

    def _publish(self, staged: dict[str, str], new: str) -> None:
        """Durable contents first, then the renames, then the renames made durable."""
        if not staged:
            return
        try:
            if len(staged) == 1:
                _fsync_path(next(iter(staged.values())))
            else:
                sync_filesystem(self.path / "tmp")  # one flush instead of one fsync a file
            for name, tmp in staged.items():
                os.replace(tmp, f"{new}/{name}")
            _fsync_path(new)
        except BaseException:
            for tmp in staged.values():
                with contextlib.suppress(OSError):
                    os.unlink(tmp)  # those already renamed are gone from tmp/
            raise

    def _names_in_cur(self) -> set[str]:
        """Messages a reader has moved to ``cur/`` (appending ``:2,flags``): read once a batch."""
        with os.scandir(self.path / "cur") as entries:
            return {entry.name.partition(":")[0] for entry in entries}

    def _error(self, e: OSError) -> DeliveryError:
        error = DeliveryError(f"cannot write to outbox {self.path}: {e}")
        error.__cause__ = e
        return error

    @staticmethod
    def file_name(data: bytes) -> str:
        """A name fixed by the Message-ID (or, lacking one, by the content)."""
        message_id = _plain_message_id(data)
        if message_id is None:
            headers = email.parser.BytesHeaderParser().parsebytes(data)
            message_id = str(headers.get("Message-ID", "")).strip()
        key = message_id.encode("utf-8") if message_id else data
        return hashlib.sha256(key).hexdigest()[:40] + ".eml"


# A header as the e-mail parser reads it: lines of "Name: value" or continuations, CRLF.
_PLAIN_HEAD = re.compile(rb"(?:[!-9;-~]+:|[ \t])[^\r\n]*(?:\r\n(?:[!-9;-~]+:|[ \t])[^\r\n]*)*")
_MESSAGE_ID = re.compile(rb"(?:^|\r\n)message-id:([^\r\n]*)(\r\n[ \t])?", re.IGNORECASE)


def _plain_message_id(data: bytes) -> str | None:
    """The Message-ID of a plain header (ASCII, CRLF, well-formed lines, an unfolded
    Message-ID), "" if it has none; ``None`` for anything else, left to the parser.
    Much faster than the parser, and the same answer wherever it gives one."""
    end = data.find(b"\r\n\r\n")
    head = data[:end]
    if end < 0 or not head.isascii() or _PLAIN_HEAD.fullmatch(head) is None:
        return None
    found = _MESSAGE_ID.search(head)
    if found is None:
        return ""
    return None if found.group(2) else found.group(1).strip().decode("ascii")


def _fsync_path(path: str | Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


# syncfs(2) flushes one filesystem; Python has no binding for it, so it comes from libc.
_SYNCFS: Callable[[int], int] | None = (
    getattr(ctypes.CDLL(None, use_errno=True), "syncfs", None) if sys.platform == "linux" else None
)


def sync_filesystem(folder: Path) -> None:
    """Flush everything written to the filesystem holding ``folder``: one wait for a whole
    batch of files instead of one ``fsync`` each (``sync`` of every filesystem where
    ``syncfs`` is missing)."""
    if _SYNCFS is None:
        os.sync()
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        if _SYNCFS(fd) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, os.strerror(errno))
    finally:
        os.close(fd)

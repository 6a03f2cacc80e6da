"""The embedded Maildir backend, in a temporary folder."""

import os
import threading
import time
from pathlib import Path

import pytest

from intake.config import Settings
from intake.errors import MailboxError
from intake.mailbox.factory import open_mailbox
from intake.mailbox.maildir import MaildirMailbox
from intake.messages import RawMessage


def deliver(
    root: Path, name: str, data: bytes = b"Subject: x\r\n\r\nbody\r\n", mtime: float = 0
) -> Path:
    """Put a message into new/ as a delivery agent would (tmp/ then rename)."""
    staged = root / "tmp" / name
    staged.write_bytes(data)
    target = root / "new" / name
    staged.rename(target)
    if mtime:
        os.utime(target, (mtime, mtime))
    return target


@pytest.fixture
def maildir(tmp_path: Path) -> MaildirMailbox:
    mailbox = MaildirMailbox(tmp_path / "inbox")
    mailbox.connect()
    return mailbox


def test_connect_creates_the_maildir(tmp_path: Path) -> None:
    MaildirMailbox(tmp_path / "var" / "inbox").connect()
    assert sorted(p.name for p in (tmp_path / "var" / "inbox").iterdir()) == ["cur", "new", "tmp"]


def test_connect_where_a_file_stands_is_a_mailbox_error(tmp_path: Path) -> None:
    (tmp_path / "inbox").write_text("not a folder")
    with pytest.raises(MailboxError, match="cannot create"):
        MaildirMailbox(tmp_path / "inbox").connect()


def test_identity(maildir: MaildirMailbox) -> None:
    assert (maildir.name, maildir.folder, maildir.uidvalidity()) == (
        f"maildir:{maildir.path}",
        "new",
        None,
    )


@pytest.mark.parametrize(
    ("deliveries", "expected_order"),
    [
        ([("b", 200), ("a", 100), ("c", 300)], ["a", "b", "c"]),  # by modification time
        ([("2", 100), ("1", 100), ("0", 200)], ["1", "2", "0"]),  # same time: by name
    ],
)
def test_fetch_yields_new_oldest_first(
    maildir: MaildirMailbox, deliveries: list[tuple[str, float]], expected_order: list[str]
) -> None:
    for name, mtime in deliveries:
        deliver(maildir.path, name, f"Subject: {name}\r\n\r\n".encode(), mtime)
    fetched = list(maildir.fetch_new(None, 0))
    assert [m.key for m in fetched] == expected_order
    assert [m.data for m in fetched] == [f"Subject: {k}\r\n\r\n".encode() for k in expected_order]


def test_fetched_message_fields(maildir: MaildirMailbox) -> None:
    deliver(maildir.path, "1733300000.M1P2.host", b"raw bytes")
    assert list(maildir.fetch_new(None, 0)) == [
        RawMessage(
            mailbox=maildir.name,
            folder="new",
            uidvalidity=None,
            uid=None,
            key="1733300000.M1P2.host",
            data=b"raw bytes",
        )
    ]


def test_fetch_ignores_cursor_and_skips_dot_files_and_cur(maildir: MaildirMailbox) -> None:
    deliver(maildir.path, "fresh")
    (maildir.path / "new" / ".hidden").write_bytes(b"x")
    (maildir.path / "cur" / "old:2,S").write_bytes(b"x")
    assert [m.key for m in maildir.fetch_new(12345, 99)] == ["fresh"]


def test_mark_done_moves_to_cur_as_seen(maildir: MaildirMailbox) -> None:
    deliver(maildir.path, "one", b"first")
    deliver(maildir.path, "two", b"second")
    first = next(iter(maildir.fetch_new(None, 0)))
    maildir.mark_done(first)
    assert (maildir.path / "cur" / "one:2,S").read_bytes() == b"first"
    assert [m.key for m in maildir.fetch_new(None, 0)] == ["two"]


def test_mark_done_of_a_vanished_message_is_a_mailbox_error(maildir: MaildirMailbox) -> None:
    gone = RawMessage(mailbox=maildir.name, folder="new", key="gone", data=b"")
    with pytest.raises(MailboxError, match="cannot move gone"):
        maildir.mark_done(gone)


def test_wait_returns_true_soon_after_a_delivery(maildir: MaildirMailbox) -> None:
    deliver(maildir.path, "already-there")
    arrival = threading.Timer(0.2, deliver, (maildir.path, "arrived"))
    started = time.monotonic()
    arrival.start()
    try:
        assert maildir.wait_for_new(5) is True
    finally:
        arrival.join()
    assert time.monotonic() - started < 1.5


def test_wait_returns_false_after_timeout_without_new_files(maildir: MaildirMailbox) -> None:
    deliver(maildir.path, "already-there")
    started = time.monotonic()
    assert maildir.wait_for_new(0.6) is False
    assert 0.55 < time.monotonic() - started < 1.5


def test_factory_opens_the_embedded_maildir_by_default(tmp_path: Path) -> None:
    settings = Settings.model_validate({"inbox": {"maildir": str(tmp_path / "inbox")}})
    mailbox = open_mailbox(settings)
    assert isinstance(mailbox, MaildirMailbox)
    assert (tmp_path / "inbox" / "new").is_dir()

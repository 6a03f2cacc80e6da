"""The one small interface every mailbox backend offers to the poller."""

from collections.abc import Iterator
from typing import Protocol

from intake.messages import RawMessage


class Cursor(Protocol):
    """Where the poller stopped last time, for one mailbox folder."""

    uidvalidity: int | None
    last_uid: int


class Mailbox(Protocol):
    """A source of raw messages.

    ``name`` identifies the mailbox in the ledger (e.g. ``imap:user@host:993``,
    ``maildir:var/inbox``). ``fetch_new`` yields messages with UID above
    ``last_uid`` when ``uidvalidity`` still matches the folder's; when the folder's
    UIDVALIDITY differs from the one given, it yields every message of the folder
    (the ledger then recognises those already held by Message-ID and content hash).
    Messages come in UID order, fetched in batches, never relying on \\Seen.
    """

    name: str
    folder: str

    def connect(self) -> None: ...

    def close(self) -> None: ...

    def uidvalidity(self) -> int | None: ...

    def fetch_new(self, uidvalidity: int | None, last_uid: int) -> Iterator[RawMessage]: ...

    def mark_done(self, message: RawMessage) -> None:
        """Apply the configured after-processing action (none, flag or move)."""
        ...

    def wait_for_new(self, timeout: float) -> bool:
        """Block until the server reports new mail (IDLE) or ``timeout`` passes.

        Returns True when new mail was announced. A backend without push returns
        False after sleeping at most ``timeout`` seconds.
        """
        ...

"""The embedded mailbox: a local Maildir (``var/inbox/``) that anything can deliver into.

Unprocessed mail sits in ``new/``; ``mark_done`` moves a message to ``cur/`` marked
seen. There is no UID: a crash between fetching and ``mark_done`` only means the
message is read again, and the ledger recognises it by its content hash.
"""

import os
import time
from collections.abc import Iterator
from pathlib import Path

from intake.errors import MailboxError
from intake.messages import RawMessage

SUBFOLDERS = ("new", "cur", "tmp")
SEEN_INFO = ":2,S"
POLL_SECONDS = 0.5


class MaildirMailbox:
    """The messages in ``path/new``; see ``intake.mailbox.base.Mailbox``."""

    folder = "new"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.name = f"maildir:{self.path}"

    def __enter__(self) -> "MaildirMailbox":
        self.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def connect(self) -> None:
        """Create the Maildir (new/ cur/ tmp/) if it is missing."""
        try:
            for sub in SUBFOLDERS:
                (self.path / sub).mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise MailboxError(f"{self.name}: cannot create the Maildir: {e}") from e

    def close(self) -> None:
        """Nothing to release: every call opens and closes its own files."""

    def uidvalidity(self) -> int | None:
        return None

    def fetch_new(self, uidvalidity: int | None, last_uid: int) -> Iterator[RawMessage]:
        """Every message in new/, oldest first; the cursor arguments do not apply."""
        for key in self._keys_oldest_first():
            try:
                data = (self.path / "new" / key).read_bytes()
            except FileNotFoundError:
                continue  # taken by another reader since the listing
            except OSError as e:
                raise MailboxError(f"{self.name}: cannot read {key}: {e}") from e
            yield RawMessage(mailbox=self.name, folder=self.folder, key=key, data=data)

    def mark_done(self, message: RawMessage) -> None:
        """Move the message from new/ to cur/, flagged seen (``:2,S``)."""
        key = message.key
        source = self.path / "new" / key
        target = self.path / "cur" / (key.split(":", 1)[0] + SEEN_INFO)
        try:
            source.rename(target)
        except OSError as e:
            raise MailboxError(f"{self.name}: cannot move {key} to cur/: {e}") from e

    def wait_for_new(self, timeout: float) -> bool:
        """Poll new/ every 0.5 s until a file not there at the start appears, or ``timeout``."""
        known = set(self._names())
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            time.sleep(min(POLL_SECONDS, left))
            if not known.issuperset(self._names()):
                return True
        return False

    def _names(self) -> list[str]:
        """Message files in new/ (dot-files are not messages)."""
        try:
            return [n for n in os.listdir(self.path / "new") if not n.startswith(".")]
        except OSError as e:
            raise MailboxError(f"{self.name}: cannot list new/: {e}") from e

    def _keys_oldest_first(self) -> list[str]:
        dated: list[tuple[float, str]] = []
        for name in self._names():
            try:
                dated.append(((self.path / "new" / name).stat().st_mtime, name))
            except FileNotFoundError:
                continue
        return [name for _mtime, name in sorted(dated)]

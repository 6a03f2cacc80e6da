"""The IMAP mailbox backend (imapclient): fetch by UID, never by \\Seen.

What was already read is known only from the caller's cursor (UIDVALIDITY + last
UID), so other mail clients reading or flagging the same folder change nothing.
Every imapclient or socket failure surfaces as ``MailboxError``.
"""

import contextlib
import imaplib
import ssl
import subprocess
import time
from collections.abc import Iterator
from typing import Any

from imapclient import IMAPClient

from intake.config import ImapSettings
from intake.errors import MailboxError
from intake.messages import RawMessage

IMAP_ERRORS = (imaplib.IMAP4.error, OSError)
BODY_KEY = b"BODY[]"
NEW_MAIL_RESPONSES = {b"EXISTS", b"RECENT"}


def oauth_token(settings: ImapSettings) -> str:
    """The XOAUTH2 access token: ``oauth_token`` as given, else ``oauth_token_command``'s stdout."""
    if settings.oauth_token:
        return settings.oauth_token
    command = settings.oauth_token_command
    if not command:
        raise MailboxError(
            "imap.auth is xoauth2 but neither oauth_token nor oauth_token_command is set"
        )
    try:
        done = subprocess.run(
            command, shell=True, capture_output=True, text=True,
            timeout=settings.timeout_seconds, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired as e:
        raise MailboxError(f"oauth_token_command timed out after {e.timeout:g} s") from e
    token = done.stdout.strip()
    if done.returncode != 0:
        reason = done.stderr.strip().splitlines()[-1:] or [f"exit status {done.returncode}"]
        raise MailboxError(f"oauth_token_command failed: {reason[0]}")
    if not token:
        raise MailboxError("oauth_token_command printed no token")
    return token


def ssl_context(verify_certificate: bool) -> ssl.SSLContext:
    """A client TLS context; without verification only for self-signed test servers."""
    context = ssl.create_default_context()
    if not verify_certificate:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    return context


def new_mail_announced(responses: list[Any]) -> bool:
    """True when IDLE responses include ``* n EXISTS`` or ``* n RECENT``."""
    return any(len(r) > 1 and r[1] in NEW_MAIL_RESPONSES for r in responses)


def uids_after(uids: list[int], last_uid: int) -> list[int]:
    """UIDs above ``last_uid``, ascending.

    ``UID SEARCH n:*`` always matches the highest message, even when its UID is
    below ``n`` (RFC 3501: ``*`` is the largest UID in use), so filter again.
    """
    return sorted(uid for uid in uids if uid > last_uid)


class ImapMailbox:
    """One IMAP folder, read by UID in batches; see ``intake.mailbox.base.Mailbox``."""

    def __init__(self, settings: ImapSettings) -> None:
        self.settings = settings
        self.name = f"imap:{settings.username}@{settings.host}:{settings.port}"
        self.folder = settings.folder
        self._client: IMAPClient | None = None
        self._uidvalidity: int | None = None

    def __enter__(self) -> "ImapMailbox":
        self.connect()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def connect(self) -> None:
        """Log in and select the folder (read-only unless an after-action changes mail)."""
        self.close()
        try:
            self._client = self._login(self._open())
            self._select()
        except IMAP_ERRORS as e:
            self.close()
            raise MailboxError(f"{self.name}: cannot connect: {e}") from e

    def close(self) -> None:
        client, self._client = self._client, None
        if client is None:
            return
        try:
            client.logout()
        except IMAP_ERRORS:
            with contextlib.suppress(OSError):
                client.shutdown()  # the connection is already gone; release the socket

    def uidvalidity(self) -> int | None:
        """The folder's UIDVALIDITY as of the last SELECT (connect or fetch_new)."""
        self._connected()
        return self._uidvalidity

    def fetch_new(self, uidvalidity: int | None, last_uid: int) -> Iterator[RawMessage]:
        """Messages after ``last_uid`` (all of them if UIDVALIDITY changed), in UID order."""
        client = self._connected()
        try:
            self._select()  # a fresh view: new messages and the current UIDVALIDITY
            if uidvalidity is None or uidvalidity != self._uidvalidity:
                uids = sorted(client.search("ALL"))
            else:
                uids = uids_after(client.search(["UID", f"{last_uid + 1}:*"]), last_uid)
        except IMAP_ERRORS as e:
            raise MailboxError(f"{self.name}: cannot search {self.folder}: {e}") from e
        size = self.settings.batch_size
        for start in range(0, len(uids), size):
            yield from self._fetch_batch(uids[start : start + size])

    def mark_done(self, message: RawMessage) -> None:
        """Apply ``after_action``: nothing, add the keyword ``after_flag``, or move."""
        action = self.settings.after_action
        if action == "none":
            return
        client = self._connected()
        uid = int(message.key)
        try:
            if action == "flag":
                client.add_flags([uid], [self.settings.after_flag], silent=True)
            else:
                self._move(client, uid, self.settings.after_move_folder)
        except IMAP_ERRORS as e:
            raise MailboxError(f"{self.name}: cannot {action} UID {uid}: {e}") from e

    def wait_for_new(self, timeout: float) -> bool:
        """IDLE up to ``timeout`` seconds; True when the server announced new mail."""
        client = self._connected()
        try:
            if not (self.settings.idle and client.has_capability("IDLE")):
                time.sleep(timeout)
                return False
            client.idle()
            try:
                responses = client.idle_check(timeout=timeout)
            finally:
                _text, late = client.idle_done()
            return new_mail_announced(responses + late)
        except IMAP_ERRORS as e:
            raise MailboxError(f"{self.name}: IDLE failed: {e}") from e

    def _open(self) -> IMAPClient:
        settings = self.settings
        context = ssl_context(settings.verify_certificate)
        client = IMAPClient(
            settings.host, settings.port, ssl=settings.security == "ssl",
            ssl_context=context, timeout=settings.timeout_seconds,
        )  # fmt: skip
        if settings.security == "starttls":
            client.starttls(context)
        return client

    def _login(self, client: IMAPClient) -> IMAPClient:
        settings = self.settings
        try:
            if settings.auth == "xoauth2":
                client.oauth2_login(settings.username, oauth_token(settings))
            else:
                client.login(settings.username, settings.password)
        except BaseException:
            with contextlib.suppress(OSError):
                client.shutdown()
            raise
        return client

    def _select(self) -> None:
        client = self._connected()
        readonly = self.settings.after_action == "none"
        response = client.select_folder(self.folder, readonly=readonly)
        self._uidvalidity = int(response[b"UIDVALIDITY"])

    def _fetch_batch(self, uids: list[int]) -> Iterator[RawMessage]:
        try:
            found = self._connected().fetch(uids, ["BODY.PEEK[]"])
        except IMAP_ERRORS as e:
            raise MailboxError(f"{self.name}: cannot fetch UIDs {uids[0]}-{uids[-1]}: {e}") from e
        for uid in uids:  # only what was asked: unsolicited FETCH updates may come too
            data = found.get(uid, {}).get(BODY_KEY)
            if data is None:  # expunged by another client since the search
                continue
            yield RawMessage(
                mailbox=self.name, folder=self.folder, uidvalidity=self._uidvalidity,
                uid=uid, key=str(uid), data=data,
            )  # fmt: skip

    def _move(self, client: IMAPClient, uid: int, target: str) -> None:
        if not client.folder_exists(target):
            client.create_folder(target)
        if client.has_capability("MOVE"):
            client.move([uid], target)
            return
        client.copy([uid], target)
        client.delete_messages([uid], silent=True)
        if client.has_capability("UIDPLUS"):
            client.uid_expunge([uid])
        else:
            client.expunge()

    def _connected(self) -> IMAPClient:
        if self._client is None:
            raise MailboxError(f"{self.name}: not connected (call connect() first)")
        return self._client

"""The IMAP backend against a real Dovecot (tests/support/dovecot.py)."""

import threading
import time
from collections.abc import Iterator
from dataclasses import replace

import pytest
from imapclient import IMAPClient

from intake.config import ImapSettings, Settings
from intake.errors import MailboxError
from intake.mailbox.factory import open_mailbox
from intake.mailbox.imap import ImapMailbox, new_mail_announced, oauth_token, uids_after
from tests.support.dovecot import DovecotServer, ImapAccount, free_port


def message(n: int) -> bytes:
    return f"From: a@example.org\r\nSubject: message {n}\r\n\r\nbody {n}\r\n".encode()


def subject(data: bytes) -> str:
    return data.split(b"\r\n")[1].decode()


@pytest.fixture
def mailbox(imap_settings: ImapSettings) -> Iterator[ImapMailbox]:
    with ImapMailbox(imap_settings) as opened:
        yield opened


def flags_of(
    server: DovecotServer, account: ImapAccount, folder: str = "INBOX"
) -> dict[int, set[bytes]]:
    with server.client(account) as client:
        client.select_folder(folder, readonly=True)
        return {uid: set(flags) for uid, flags in client.get_flags(client.search("ALL")).items()}


# --- pure helpers --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("uids", "last_uid", "expected"),
    [
        ([7], 10, []),  # `UID 11:*` still matches the highest message, UID 7
        ([5, 3, 4], 3, [4, 5]),
        ([1, 2], 0, [1, 2]),
        ([], 5, []),
    ],
)
def test_uids_after_filters_the_star_match(
    uids: list[int], last_uid: int, expected: list[int]
) -> None:
    assert uids_after(uids, last_uid) == expected


@pytest.mark.parametrize(
    ("responses", "expected"),
    [
        ([(3, b"EXISTS")], True),
        ([(1, b"RECENT")], True),
        ([(b"OK", b"Still here")], False),
        ([(2, b"EXPUNGE"), (1, b"FETCH", (b"FLAGS", (b"\\Seen",)))], False),
        ([], False),
    ],
)
def test_new_mail_announced(responses: list[object], expected: bool) -> None:
    assert new_mail_announced(responses) is expected


@pytest.mark.parametrize(
    ("token", "command", "expected"),
    [
        ("given-token", "echo ignored", "given-token"),
        ("", "echo '  from-command  '", "from-command"),
        ("", "printf 'ya29.abc\\n'", "ya29.abc"),
    ],
)
def test_oauth_token_comes_from_setting_or_command(token: str, command: str, expected: str) -> None:
    settings = ImapSettings(auth="xoauth2", oauth_token=token, oauth_token_command=command)
    assert oauth_token(settings) == expected


@pytest.mark.parametrize(
    ("command", "timeout", "error"),
    [
        ("echo 'no refresh token' >&2; exit 3", 5.0, "failed: no refresh token"),
        ("exit 4", 5.0, "failed: exit status 4"),
        ("true", 5.0, "printed no token"),
        ("sleep 5", 0.2, "timed out"),
        ("", 5.0, "neither oauth_token nor oauth_token_command"),
    ],
)
def test_oauth_token_command_failure_is_a_mailbox_error(
    command: str, timeout: float, error: str
) -> None:
    settings = ImapSettings(auth="xoauth2", oauth_token_command=command, timeout_seconds=timeout)
    with pytest.raises(MailboxError, match=error):
        oauth_token(settings)


# --- connecting ------------------------------------------------------------------------


def test_users_added_back_to_back_can_log_in_at_once(dovecot_server: DovecotServer) -> None:
    """GIVEN two users added within a second WHEN each logs in THEN Dovecot knows both."""
    for account in (dovecot_server.add_user(), dovecot_server.add_user()):
        with dovecot_server.client(account) as client:
            assert client.select_folder("INBOX")[b"EXISTS"] == 0


def test_name_says_user_host_and_port(imap_settings: ImapSettings) -> None:
    expected = f"imap:{imap_settings.username}@127.0.0.1:{imap_settings.port}"
    assert ImapMailbox(imap_settings).name == expected


def test_wrong_password_is_a_mailbox_error(imap_settings: ImapSettings) -> None:
    settings = imap_settings.model_copy(update={"password": "wrong"})
    with pytest.raises(MailboxError, match="cannot connect") as raised:
        ImapMailbox(settings).connect()
    assert isinstance(raised.value.__cause__, IMAPClient.Error)


def test_a_wrong_password_does_not_slow_later_logins(
    dovecot_server: DovecotServer, imap_account: ImapAccount
) -> None:
    """GIVEN failed logins from 127.0.0.1 WHEN a user logs in THEN there is no penalty delay."""
    for _ in range(2):
        with pytest.raises(IMAPClient.Error):
            dovecot_server.client(replace(imap_account, password="wrong"))
    started = time.monotonic()
    dovecot_server.client(imap_account).logout()
    assert time.monotonic() - started < 1


def test_xoauth2_login_with_the_token_a_command_prints(
    dovecot_server: DovecotServer, imap_account: ImapAccount, imap_settings: ImapSettings
) -> None:
    uid = dovecot_server.append(imap_account, message(1))
    command = f"printf '%s\\n' {imap_account.oauth_token}"
    settings = imap_settings.model_copy(
        update={"auth": "xoauth2", "password": "", "oauth_token_command": command}
    )
    with ImapMailbox(settings) as mailbox:
        assert [m.uid for m in mailbox.fetch_new(None, 0)] == [uid]


@pytest.mark.parametrize("token", ["expired-or-unknown", "another-users-token"])
def test_xoauth2_with_a_refused_token_is_a_mailbox_error(
    dovecot_server: DovecotServer, imap_settings: ImapSettings, token: str
) -> None:
    if token == "another-users-token":
        token = dovecot_server.add_user().oauth_token
    settings = imap_settings.model_copy(update={"auth": "xoauth2", "oauth_token": token})
    with pytest.raises(MailboxError, match="AUTHENTICATIONFAILED"):
        ImapMailbox(settings).connect()


def test_unreachable_server_is_a_mailbox_error(imap_settings: ImapSettings) -> None:
    settings = imap_settings.model_copy(update={"port": free_port()})
    with pytest.raises(MailboxError, match="cannot connect"):
        ImapMailbox(settings).connect()


def test_use_before_connect_is_a_mailbox_error(imap_settings: ImapSettings) -> None:
    with pytest.raises(MailboxError, match="not connected"):
        list(ImapMailbox(imap_settings).fetch_new(None, 0))


def test_factory_opens_a_connected_imap_mailbox(imap_settings: ImapSettings) -> None:
    mailbox = open_mailbox(
        Settings.model_validate({"inbox": {"backend": "imap"}, "imap": imap_settings.model_dump()})
    )
    try:
        assert isinstance(mailbox, ImapMailbox)
        assert isinstance(mailbox.uidvalidity(), int)
    finally:
        mailbox.close()


@pytest.mark.parametrize("security", ["ssl", "starttls"])
def test_tls_with_a_self_signed_certificate(
    dovecot_tls_server: DovecotServer, security: str
) -> None:
    account = dovecot_tls_server.add_user()
    uid = dovecot_tls_server.append(account, message(1))
    port = dovecot_tls_server.imaps_port if security == "ssl" else dovecot_tls_server.port
    settings = ImapSettings(
        host=account.host, port=port, security=security, verify_certificate=False,  # type: ignore[arg-type]
        username=account.username, password=account.password, timeout_seconds=10,
    )  # fmt: skip
    with ImapMailbox(settings) as mailbox:
        assert [m.uid for m in mailbox.fetch_new(None, 0)] == [uid]
    verifying = settings.model_copy(update={"verify_certificate": True})
    with pytest.raises(MailboxError, match="CERTIFICATE_VERIFY_FAILED"):
        ImapMailbox(verifying).connect()


# --- fetching --------------------------------------------------------------------------


def test_fetch_yields_everything_in_uid_order_in_batches(
    dovecot_server: DovecotServer, imap_account: ImapAccount, imap_settings: ImapSettings,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    uids = dovecot_server.append_many(imap_account, [message(n) for n in range(25)])
    batches: list[int] = []
    real_fetch = IMAPClient.fetch

    def counting_fetch(client: IMAPClient, messages: list[int], *args: object) -> object:
        batches.append(len(messages))
        return real_fetch(client, messages, *args)

    monkeypatch.setattr(IMAPClient, "fetch", counting_fetch)
    with ImapMailbox(imap_settings.model_copy(update={"batch_size": 10})) as mailbox:
        fetched = list(mailbox.fetch_new(None, 0))
        validity = mailbox.uidvalidity()
    assert [m.uid for m in fetched] == uids
    assert [subject(m.data) for m in fetched] == [f"Subject: message {n}" for n in range(25)]
    assert batches == [10, 10, 5]
    assert {(m.key, m.folder, m.uidvalidity) for m in fetched[:1]} == {
        (str(uids[0]), "INBOX", validity)
    }
    assert fetched[0].mailbox == mailbox.name


def test_fetch_after_last_uid_yields_only_newer(
    dovecot_server: DovecotServer, imap_account: ImapAccount, mailbox: ImapMailbox
) -> None:
    first = dovecot_server.append_many(imap_account, [message(1), message(2)])
    validity = mailbox.uidvalidity()
    assert list(mailbox.fetch_new(validity, first[-1])) == []
    newer = dovecot_server.append(imap_account, message(3))
    assert [m.uid for m in mailbox.fetch_new(validity, first[-1])] == [newer]


@pytest.mark.parametrize("beyond", [1, 100])
def test_last_uid_above_every_message_yields_nothing(
    dovecot_server: DovecotServer, imap_account: ImapAccount, mailbox: ImapMailbox, beyond: int
) -> None:
    """`UID n:*` with n above the highest UID matches the highest message: it must not come back."""
    uids = dovecot_server.append_many(imap_account, [message(1), message(2), message(3)])
    assert list(mailbox.fetch_new(mailbox.uidvalidity(), uids[-1] + beyond)) == []


@pytest.mark.parametrize("after_action", ["none", "flag"])
def test_fetch_never_sets_seen(
    dovecot_server: DovecotServer,
    imap_account: ImapAccount,
    imap_settings: ImapSettings,
    after_action: str,
) -> None:
    dovecot_server.append_many(imap_account, [message(1), message(2)])
    with ImapMailbox(imap_settings.model_copy(update={"after_action": after_action})) as mailbox:
        assert len(list(mailbox.fetch_new(None, 0))) == 2
    assert all(b"\\Seen" not in flags for flags in flags_of(dovecot_server, imap_account).values())


def test_changed_uidvalidity_yields_every_message(
    dovecot_server: DovecotServer, imap_account: ImapAccount, mailbox: ImapMailbox
) -> None:
    uids = dovecot_server.append_many(imap_account, [message(1), message(2)])
    old = mailbox.uidvalidity()
    assert old is not None
    assert list(mailbox.fetch_new(old, uids[-1])) == []
    dovecot_server.set_uidvalidity(imap_account, "INBOX", old + 1000)
    mailbox.connect()
    assert mailbox.uidvalidity() == old + 1000
    refetched = list(mailbox.fetch_new(old, uids[-1]))
    assert [m.uid for m in refetched] == uids
    assert {m.uidvalidity for m in refetched} == {old + 1000}


def test_no_uidvalidity_yet_yields_every_message(
    dovecot_server: DovecotServer, imap_account: ImapAccount, mailbox: ImapMailbox
) -> None:
    uids = dovecot_server.append_many(imap_account, [message(1), message(2)])
    assert [m.uid for m in mailbox.fetch_new(None, uids[-1])] == uids


# --- after-processing actions ----------------------------------------------------------


def test_mark_done_none_changes_nothing(
    dovecot_server: DovecotServer, imap_account: ImapAccount, mailbox: ImapMailbox
) -> None:
    uid = dovecot_server.append(imap_account, message(1))
    for fetched in mailbox.fetch_new(None, 0):
        mailbox.mark_done(fetched)
    assert flags_of(dovecot_server, imap_account)[uid] <= {b"\\Recent"}


def test_mark_done_flag_adds_the_keyword_to_that_message_only(
    dovecot_server: DovecotServer, imap_account: ImapAccount, imap_settings: ImapSettings
) -> None:
    first, second = dovecot_server.append_many(imap_account, [message(1), message(2)])
    with ImapMailbox(imap_settings.model_copy(update={"after_action": "flag"})) as mailbox:
        mailbox.mark_done(next(iter(mailbox.fetch_new(None, 0))))
    flags = flags_of(dovecot_server, imap_account)
    assert b"$IntakeProcessed" in flags[first]
    assert b"$IntakeProcessed" not in flags[second]


@pytest.mark.parametrize("server_has_move", [True, False])
def test_mark_done_move_creates_the_folder_and_moves(
    dovecot_server: DovecotServer, imap_account: ImapAccount, imap_settings: ImapSettings,
    monkeypatch: pytest.MonkeyPatch, server_has_move: bool,
) -> None:  # fmt: skip
    if not server_has_move:
        real = IMAPClient.has_capability
        monkeypatch.setattr(
            IMAPClient, "has_capability", lambda c, cap: cap != "MOVE" and real(c, cap)
        )
    _first, second = dovecot_server.append_many(imap_account, [message(1), message(2)])
    settings = imap_settings.model_copy(
        update={"after_action": "move", "after_move_folder": "Done"}
    )
    with ImapMailbox(settings) as mailbox:
        mailbox.mark_done(next(iter(mailbox.fetch_new(None, 0))))
        assert [m.uid for m in mailbox.fetch_new(None, 0)] == [second]
    with dovecot_server.client(imap_account) as client:
        client.select_folder("Done", readonly=True)
        moved = client.fetch(client.search("ALL"), ["BODY.PEEK[]"])
    assert [subject(found[b"BODY[]"]) for found in moved.values()] == ["Subject: message 1"]
    assert set(flags_of(dovecot_server, imap_account)) == {second}


# --- waiting ---------------------------------------------------------------------------


def test_idle_returns_true_soon_after_another_connection_appends(
    dovecot_server: DovecotServer, imap_account: ImapAccount, mailbox: ImapMailbox
) -> None:
    deliver = threading.Timer(0.3, dovecot_server.append, (imap_account, message(1)))
    started = time.monotonic()
    deliver.start()
    try:
        assert mailbox.wait_for_new(10) is True
    finally:
        deliver.join()
    assert time.monotonic() - started < 2


def test_idle_returns_false_when_nothing_arrives(mailbox: ImapMailbox) -> None:
    started = time.monotonic()
    assert mailbox.wait_for_new(0.4) is False
    assert 0.3 < time.monotonic() - started < 2
    assert list(mailbox.fetch_new(None, 0)) == []  # the connection is usable after IDLE


def test_without_idle_it_sleeps_and_returns_false(imap_settings: ImapSettings) -> None:
    with ImapMailbox(imap_settings.model_copy(update={"idle": False})) as mailbox:
        started = time.monotonic()
        assert mailbox.wait_for_new(0.3) is False
        assert time.monotonic() - started >= 0.3

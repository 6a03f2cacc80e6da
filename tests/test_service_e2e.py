"""The whole service against a real Dovecot, a real SMTP server, SQLite and PostgreSQL."""

import json
from collections import Counter
from email import message_from_bytes
from pathlib import Path

from tests.support.dovecot import DovecotServer, ImapAccount
from tests.support.mail import broken_email, submission_email
from tests.support.service import Store, run_cli, write_config
from tests.support.smtp import SmtpTestServer


def test_three_emails_become_submissions_with_one_reply_each(
    tmp_path: Path,
    db_url: str,
    dovecot_server: DovecotServer,
    imap_account: ImapAccount,
    smtp_server: SmtpTestServer,
) -> None:
    """GIVEN three submissions WHEN polled twice THEN three records and three replies."""
    sent = [submission_email(i, complete=i != 1) for i in range(3)]
    dovecot_server.append_many(imap_account, sent)
    config = write_config(tmp_path, db_url=db_url, imap=imap_account, smtp=smtp_server)

    first = run_cli(config, "poll", "--once")
    assert first.returncode == 0, first.stderr
    report = json.loads(first.stdout)
    assert (report["new"], report["processed"], report["replies_sent"]) == (3, 3, 3)

    store = Store(db_url)
    assert (store.messages("processed"), store.submissions(), store.replies("sent")) == (3, 3, 3)
    assert len(smtp_server.messages) == 3
    originals = {message_from_bytes(m)["Message-ID"].strip() for m in sent}
    for reply in smtp_server.messages:
        assert reply["Auto-Submitted"] == "auto-replied"
        assert reply["In-Reply-To"] in originals
        assert reply["In-Reply-To"] in reply["References"]
        assert "[SS-" in reply["Subject"]
        assert reply.get_body(("plain",)) is not None and reply.get_body(("html",)) is not None
    assert store.reply_kinds() == Counter({"acknowledgement": 2, "query": 1})
    incomplete = message_from_bytes(sent[1])["Message-ID"].strip()
    query = next(r for r in smtp_server.messages if r["In-Reply-To"] == incomplete)
    text = query.get_body(("plain",)).get_content()
    assert "savings" in text and "(lead)" in text  # asks for what is missing, shows what is held

    second = run_cli(config, "poll", "--once")
    assert second.returncode == 0, second.stderr
    assert json.loads(second.stdout)["new"] == 0
    assert (store.messages(), store.submissions(), store.replies()) == (3, 3, 3)
    assert len(smtp_server.messages) == 3
    store.close()


def test_a_malformed_message_is_quarantined_and_the_batch_goes_on(
    tmp_path: Path,
    sqlite_url: str,
    dovecot_server: DovecotServer,
    imap_account: ImapAccount,
    smtp_server: SmtpTestServer,
) -> None:
    """GIVEN a broken message between two good ones WHEN polled THEN it alone is quarantined."""
    dovecot_server.append_many(
        imap_account, [submission_email(1), broken_email(), submission_email(2)]
    )
    config = write_config(tmp_path, db_url=sqlite_url, imap=imap_account, smtp=smtp_server)
    result = run_cli(config, "poll", "--once")
    assert result.returncode == 0, result.stderr
    store = Store(sqlite_url)
    assert store.messages("processed") == 2
    quarantined = [m for m in store.message_rows() if m.state == "quarantined"]
    assert len(quarantined) == 1 and quarantined[0].reason
    assert len(smtp_server.messages) == 2
    status = json.loads(run_cli(config, "status").stdout)
    assert status["messages"] == {"processed": 2, "quarantined": 1}
    store.close()


def test_a_changed_uidvalidity_neither_loses_nor_doubles_mail(
    tmp_path: Path,
    sqlite_url: str,
    dovecot_server: DovecotServer,
    imap_account: ImapAccount,
    smtp_server: SmtpTestServer,
) -> None:
    """GIVEN three processed messages WHEN the folder's UIDVALIDITY changes and one more
    arrives THEN only the new one is processed and replied to."""
    dovecot_server.append_many(imap_account, [submission_email(i, seed=3) for i in range(3)])
    config = write_config(tmp_path, db_url=sqlite_url, imap=imap_account, smtp=smtp_server)
    assert run_cli(config, "poll", "--once").returncode == 0
    dovecot_server.set_uidvalidity(imap_account, "INBOX", 4242)
    dovecot_server.append(imap_account, submission_email(3, seed=3))
    result = run_cli(config, "poll", "--once")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["new"] == 1
    store = Store(sqlite_url)
    assert (store.messages(), store.submissions(), len(smtp_server.messages)) == (4, 4, 4)
    status = json.loads(run_cli(config, "status").stdout)
    assert status["mailboxes"][0]["uidvalidity"] == 4242
    store.close()


def test_the_read_state_of_the_mailbox_is_left_alone(
    tmp_path: Path,
    sqlite_url: str,
    dovecot_server: DovecotServer,
    imap_account: ImapAccount,
) -> None:
    """GIVEN unread mail WHEN polled with after_action none THEN it is still unread."""
    dovecot_server.append(imap_account, submission_email(1, seed=6))
    config = write_config(tmp_path, db_url=sqlite_url, imap=imap_account)
    assert run_cli(config, "poll", "--once").returncode == 0
    with dovecot_server.client(imap_account) as client:
        client.select_folder("INBOX", readonly=True)
        flags = client.get_flags(client.search(["ALL"]))
    assert all(b"\\Seen" not in f for f in flags.values())

"""Whole conversations through `intake poll --once`: real Dovecot, real SMTP, both databases."""

import json
import time
from email import message_from_bytes
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import yaml
from sqlalchemy import select
from sqlmodel import Session

from intake.store import Reply, Submission, SubmissionHistory, SuppressedAddress
from tests.support.dovecot import DovecotServer, ImapAccount, free_port
from tests.support.service import PROJECT, Store, run_cli, write_config
from tests.support.smtp import SmtpTestServer

US = "sharedservices@local.gov.uk"
JO = "Jo Bloggs <jo.bloggs@adur-worthing.gov.uk>"
PRIYA = "Priya Shah <priya.shah@cheltenham.gov.uk>"
SAM = "Sam Patel <sam.patel@worthing.gov.uk>"

ADUR_LEGAL = [
    "Lead council: Adur District Council",
    "Partner councils: Worthing Borough Council",
    "Service area: Legal services",
    "Description: One legal team serves both councils from a single office, with one "
    "case management system and a shared head of legal.",
]
CHELTENHAM_WASTE = [
    "Lead council: Cheltenham Borough Council",
    "Partner councils: Cotswold District Council",
    "Service area: Waste collection",
    "Description: A joint waste collection service runs one fleet and one depot "
    "for both districts.",
]


def email(sender: str, subject: str, body: str, **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = sender, US, subject
    msg["Message-ID"] = headers.pop("message_id", None) or make_msgid(domain="council.test")
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return bytes(msg)


def labelled(lines: list[str], *extra: str) -> str:
    return "Dear colleagues,\n\n" + "\n".join([*lines, *extra]) + "\n\nKind regards,\nJo\n"


def poll(config: Path) -> dict[str, int]:
    result = run_cli(config, "poll", "--once")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def submissions(store: Store) -> list[Submission]:
    with Session(store.engine) as session:
        return list(session.scalars(select(Submission).order_by(Submission.id)).all())


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()  # type: ignore[union-attr]


def test_follow_ups_in_the_thread_and_by_reference_complete_their_submissions(
    tmp_path: Path, db_url: str, dovecot_server: DovecotServer, imap_account: ImapAccount,
    smtp_server: SmtpTestServer,
) -> None:  # fmt: skip
    """GIVEN two submissions without savings WHEN one council answers in the thread and the
    other names only the reference in a new message THEN both are complete and acknowledged."""
    dovecot_server.append_many(imap_account, [
        email(JO, "Shared legal service", labelled(ADUR_LEGAL)),
        email(PRIYA, "Our waste partnership", labelled(CHELTENHAM_WASTE)),
    ])  # fmt: skip
    config = write_config(tmp_path, db_url=db_url, imap=imap_account, smtp=smtp_server)
    assert poll(config)["replies_sent"] == 2
    query_jo, query_priya = smtp_server.messages
    questions = yaml.safe_load((PROJECT / "rules" / "replies.yaml").read_text())["missing"]
    for query in (query_jo, query_priya):  # exactly what is missing: the savings
        asked = [f for f, w in questions.items() if w["question"] in text_of(query)]
        assert asked == ["savings"]
    store = Store(db_url)
    jo_ref, priya_ref = (s.reference for s in submissions(store))
    assert jo_ref and jo_ref in query_jo["Subject"]

    dovecot_server.append_many(imap_account, [
        email(JO, f"RE: {query_jo['Subject']}",
              "Hello,\n\nSorry, I forgot: the shared legal service saves the two councils "
              "£250,000 a year.\n\nJo\n\n> Which savings has the arrangement made?",
              In_Reply_To=query_jo["Message-ID"], References=query_jo["Message-ID"]),
        email(PRIYA, f"Savings for {priya_ref}",
              "Hi,\n\nThe joint waste service saves £120,000 per year.\n\nPriya"),
    ])  # fmt: skip
    assert poll(config)["replies_sent"] == 2
    ack_jo, ack_priya = smtp_server.messages[2:]
    for ack, ref in ((ack_jo, jo_ref), (ack_priya, priya_ref)):
        assert ref in ack["Subject"] and "£" in text_of(ack)
    assert query_jo["Message-ID"] in ack_jo["References"]  # the same thread
    assert store.reply_kinds() == {"query": 2, "acknowledgement": 2}
    held = submissions(store)
    assert [(s.missing, s.review_state) for s in held] == [([], "pending")] * 2
    with Session(store.engine) as session:
        history = session.scalars(select(SubmissionHistory)).all()
    # "the shared legal service" also fills the arrangement type it lacked
    assert [(h.field, h.new) for h in history if h.field != "savings"] == [
        ("arrangement_type", "shared_service")]  # fmt: skip
    assert sorted((h.field, h.new[0]["amount_gbp"]) for h in history if h.field == "savings") == [
        ("savings", 120000), ("savings", 250000)]  # fmt: skip
    assert all(h.message_id is not None and h.actor == "council" for h in history)
    store.close()


def test_a_reply_that_lost_the_reference_still_completes_its_submission_once(
    tmp_path: Path, db_url: str, dovecot_server: DovecotServer, imap_account: ImapAccount,
    smtp_server: SmtpTestServer,
) -> None:  # fmt: skip
    """GIVEN a query for a description and savings WHEN the council answers in the thread
    with a subject of its own and nothing quoted THEN its description and figure complete
    the submission, which is acknowledged and never asked for them again."""
    without_description = ADUR_LEGAL[:3]
    dovecot_server.append_many(imap_account, [
        email(JO, "Shared legal service", labelled(without_description))])  # fmt: skip
    config = write_config(tmp_path, db_url=db_url, imap=imap_account, smtp=smtp_server)
    assert poll(config)["replies_sent"] == 1
    [query] = smtp_server.messages
    store = Store(db_url)
    [held] = submissions(store)
    assert sorted(held.missing) == ["description", "savings"]
    assert query["Message-ID"].startswith(f"<{held.reference}.")  # the thread names it

    dovecot_server.append_many(imap_account, [
        email(JO, "Legal details",
              "Hello,\n\nAnswers as promised. We run one shared legal team for both "
              "councils from a single office in Worthing.\n\nIt saves about £90,000 a "
              "year.\n\nThanks,\nJo",
              In_Reply_To=query["Message-ID"]),
    ])  # fmt: skip
    assert poll(config)["replies_sent"] == 1
    [ack] = smtp_server.messages[1:]
    assert held.reference and held.reference in ack["Subject"]
    assert store.reply_kinds() == {"query": 1, "acknowledgement": 1}
    [done] = submissions(store)
    assert (done.missing, done.review_state) == ([], "pending")
    assert done.description is not None and "shared legal team" in done.description
    assert "Thanks" not in done.description and "£" not in done.description
    store.close()


def test_copies_and_the_partners_own_words_make_one_record_in_the_queue(
    tmp_path: Path, db_url: str, dovecot_server: DovecotServer, imap_account: ImapAccount,
    smtp_server: SmtpTestServer,
) -> None:  # fmt: skip
    """GIVEN a submission delivered twice, again with another folder's headers, re-sent under
    a new Message-ID, told again by the partner in its own words, another arrangement of
    the same councils, and one already on the published map WHEN polled THEN two records in
    the queue, two duplicate candidates, and one reply per distinct message."""
    original = email(JO, "Shared legal service", labelled(ADUR_LEGAL, "Savings: £350,000 a year"))
    relayed = b"Received: from relay.council.test by mx.local.gov.uk\r\n" + original
    resent = email(JO, "Shared legal service", labelled(ADUR_LEGAL, "Savings: £350,000 a year"))
    partner = email(SAM, "Worthing and Adur legal team", labelled([
        "Lead council: Adur District Council",
        "Partner councils: Worthing Borough Council",
        "Service area: legal",
        "Savings: about £350k per year",
        "Description: Worthing and Adur have had a joint legal team since 2014, hosted by "
        "Adur, that does the legal work of both councils.",
    ]))  # fmt: skip
    other = email(JO, "Shared ICT", labelled([
        "Lead council: Adur District Council", "Partner councils: Worthing Borough Council",
        "Service area: ICT", "Savings: £90,000 a year",
        "Description: One ICT team and one data centre for both councils.",
    ]))  # fmt: skip
    on_map = email("Lee <lee.jones@baberghmidsuffolk.gov.uk>", "Planning", labelled([
        "Lead council: Babergh District Council", "Partner councils: Mid Suffolk District Council",
        "Service area: Planning", "Savings: £400,000 a year",
        "Description: Since 2011 one shared planning service covers both districts."]))  # fmt: skip
    messages = [original, original, relayed, resent, partner, other, on_map]
    dovecot_server.append_many(imap_account, messages)
    config = write_config(tmp_path, db_url=db_url, imap=imap_account, smtp=smtp_server)
    (tmp_path / "map.csv").write_text(
        "id,title,councils,service_areas,description\n"
        "MAP-0042,Shared planning,Babergh District Council; E07000203,Planning,"
        "One planning service for both districts since 2011.\n", encoding="utf-8")  # fmt: skip
    imported = run_cli(config, "import-map", str(tmp_path / "map.csv"))
    assert json.loads(imported.stdout)["added"] == 1, imported.stderr
    report = poll(config)
    assert (report["fetched"], report["replies_sent"]) == (7, 4)

    store = Store(db_url)
    held = submissions(store)
    queue = [s for s in held if s.review_state != "duplicate_candidate"]
    candidates = [s for s in held if s.review_state == "duplicate_candidate"]
    assert len(queue) == 2 and len(candidates) == 2
    assert candidates[0].duplicate_of == queue[0].id and candidates[1].duplicate_of_map
    assert store.reply_kinds() == {"acknowledgement": 2, "duplicate": 2}
    notes = {m["To"]: text_of(m) for m in smtp_server.messages}
    assert queue[0].reference in notes["sam.patel@worthing.gov.uk"]
    assert "MAP-0042" in notes["lee.jones@baberghmidsuffolk.gov.uk"]
    assert poll(config)["new"] == 0 and len(smtp_server.messages) == 4
    store.close()


def dsn(reply_message_id: str, recipient: str) -> bytes:
    """A delivery status notification for one of our replies (RFC 3464)."""
    return (
        "From: Mail Delivery System <MAILER-DAEMON@adur-worthing.gov.uk>\r\n"
        f"To: {US}\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        f"Message-ID: {make_msgid(domain='adur-worthing.gov.uk')}\r\nMIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nYour message could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        f"Final-Recipient: rfc822; {recipient}\r\nAction: failed\r\nStatus: 5.1.1\r\n\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {US}\r\nTo: {recipient}\r\nMessage-ID: {reply_message_id}\r\n\r\n--B--\r\n"
    ).encode()


def test_automatic_mail_gets_no_reply_and_a_bounce_flags_the_submission(
    tmp_path: Path, db_url: str, dovecot_server: DovecotServer, imap_account: ImapAccount,
    smtp_server: SmtpTestServer,
) -> None:  # fmt: skip
    """GIVEN our query WHEN an out-of-office answers it, it bounces, a newsletter and an
    unverified sender arrive THEN no reply at all; the submission is flagged and the
    address is not written to again."""
    dovecot_server.append(imap_account, email(JO, "Shared legal service", labelled(ADUR_LEGAL)))
    config = write_config(tmp_path, db_url=db_url, imap=imap_account, smtp=smtp_server,
                          outbox={"reply_to_unverified": False})  # fmt: skip
    assert poll(config)["replies_sent"] == 1
    query = smtp_server.messages[0]
    dovecot_server.append_many(imap_account, [
        email(JO, f"Automatic reply: {query['Subject']}", "I am out of the office until Monday.",
              Auto_Submitted="auto-replied", In_Reply_To=query["Message-ID"]),
        dsn(query["Message-ID"], "jo.bloggs@adur-worthing.gov.uk"),
        email("LGC Plus <news@lgcplus.test>", "This week in local government",
              labelled(CHELTENHAM_WASTE, "Savings: £1m a year"),
              List_Id="<news.lgcplus.test>", List_Unsubscribe="<mailto:leave@lgcplus.test>",
              Precedence="bulk"),
        email(JO, "Another shared service", labelled(CHELTENHAM_WASTE, "Savings: £1m a year")),
        email("Pat <pat@example.com>", "Shared ICT", labelled([
            "Lead council: Babergh District Council",
            "Partner councils: Mid Suffolk District Council",
            "Service area: ICT", "Savings: £80,000 a year",
            "Description: One ICT team has served both councils since 2012."]),
            Authentication_Results="mx.local.gov.uk; spf=fail smtp.mailfrom=example.com; "
                                   "dkim=none; dmarc=fail header.from=example.com"),
    ])  # fmt: skip
    report = poll(config)
    assert (report["processed"], report["replies_sent"]) == (5, 0)
    assert len(smtp_server.messages) == 1
    store = Store(db_url)
    first, *later = submissions(store)
    assert first.flag and "bounced" in first.flag
    assert [s.unverified for s in later] == [False, True]
    with Session(store.engine) as session:
        assert session.get(SuppressedAddress, "jo.bloggs@adur-worthing.gov.uk") is not None
        assert session.scalars(select(Reply.state)).all() == ["bounced"]
    store.close()


def test_one_sender_gets_no_more_automatic_replies_a_day_than_the_cap(
    tmp_path: Path, db_url: str, dovecot_server: DovecotServer, imap_account: ImapAccount,
    smtp_server: SmtpTestServer,
) -> None:  # fmt: skip
    """GIVEN 50 submissions from one address WHEN polled with a cap of 3 THEN 3 replies."""
    services = ["Legal services", "ICT", "Waste collection", "Planning", "Building control"]
    dovecot_server.append_many(imap_account, [
        email(PRIYA, f"Example {i}", labelled([
            "Lead council: Cheltenham Borough Council",
            "Partner councils: Cotswold District Council",
            f"Service area: {services[i % 5]}", f"Savings: £{10 + i},000 a year",
            f"Description: Arrangement number {i} shares one team between the councils."]))
        for i in range(50)
    ])  # fmt: skip
    config = write_config(tmp_path, db_url=db_url, imap=imap_account, smtp=smtp_server,
                          outbox={"per_sender_daily_cap": 3})  # fmt: skip
    report = poll(config)
    assert (report["processed"], report["replies_sent"]) == (50, 3)
    assert len(smtp_server.messages) == 3
    store = Store(db_url)
    assert store.submissions() == 50
    store.close()


def test_replies_survive_a_server_down_a_4xx_and_fail_once_on_a_5xx(
    tmp_path: Path, db_url: str, dovecot_server: DovecotServer, imap_account: ImapAccount,
    smtp_server: SmtpTestServer,
) -> None:  # fmt: skip
    """GIVEN two replies due WHEN the SMTP server is down, then answers 451 to one and 550 to
    the other THEN the first is delivered once after a retry; the second is failed, its
    submission flagged, and it is not tried again."""
    dovecot_server.append_many(imap_account, [
        email(JO, "Shared legal service", labelled(ADUR_LEGAL, "Savings: £350,000 a year")),
        email(PRIYA, "Our waste partnership", labelled(CHELTENHAM_WASTE, "Savings: £1m a year")),
    ])  # fmt: skip
    config = write_config(tmp_path, db_url=db_url, imap=imap_account, smtp=smtp_server)
    settings = yaml.safe_load(config.read_text())
    config.write_text(yaml.safe_dump({**settings, "smtp": {**settings["smtp"],
                                                           "port": free_port()}}))  # fmt: skip
    down = run_cli(config, "poll", "--once")
    assert "connection failed" in down.stderr  # the poll is done, the replies wait
    store = Store(db_url)
    assert store.replies("pending") == 2

    config.write_text(yaml.safe_dump(settings))
    smtp_server.script.answer("RCPT", "451 4.3.0 try again later")
    smtp_server.script.answer("RCPT", "550 5.1.1 no such user")
    for _ in range(2):
        sent = run_cli(config, "send")
        assert sent.returncode == 0, sent.stderr
        time.sleep(0.3)  # past the 0.2 s backoff
    assert len(smtp_server.messages) == 1
    with Session(store.engine) as session:
        states = {r.state: r for r in session.scalars(select(Reply)).all()}
        assert sorted(states) == ["failed", "sent"] and states["sent"].attempts == 2
        failed_sub = session.get(Submission, states["failed"].submission_id)
        assert failed_sub is not None and "failed" in (failed_sub.flag or "")
        assert states["failed"].attempts == 1
    delivered = message_from_bytes(smtp_server.raw[0])
    assert delivered["Message-ID"] == states["sent"].header_message_id
    store.close()

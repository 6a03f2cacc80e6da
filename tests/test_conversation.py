"""Follow-ups: matched to their submission, merged without overwriting, bounces recorded."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlmodel import Session

from intake import conversation as conv
from intake.contract import Contact, ExtractResult, Organisation, Saving, SubmissionEntry
from intake.db import make_engine
from intake.extract.kinds import default_kind_rules
from intake.messages import Attachment, ParsedMessage
from intake.records import load_entry, save_entries
from intake.rules import Rules
from intake.store import (
    MessageRecord,
    RawBlob,
    Reply,
    Submission,
    SubmissionHistory,
    SuppressedAddress,
)
from intake.validate import ValidationRules

RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
ADUR = Organisation(name="Adur District Council", code="E07000223", current_code="E07000223",
                    role="lead")  # fmt: skip
WORTHING = Organisation(name="Worthing Borough Council", code="E07000229",
                        current_code="E07000229")  # fmt: skip
OUR_REPLY = "<q1@local.gov.uk>"


@pytest.fixture(scope="module")
def rules() -> Rules:
    return Rules.load(RULES_DIR)


@pytest.fixture
def session(sqlite_url: str) -> Iterator[Session]:
    engine = make_engine(sqlite_url)
    with Session(engine) as s:
        s.add(RawBlob(sha256="0" * 64, size=1, data=b"x"))
        s.flush()
        yield s
    engine.dispose()


def message(session: Session, message_id: str = "<m1@adur.test>") -> MessageRecord:
    row = MessageRecord(mailbox="m", folder="INBOX", message_id=message_id, sha256="0" * 64,
                        size=1)  # fmt: skip
    session.add(row)
    session.flush()
    return row


def submission(session: Session, entry: SubmissionEntry, rules: Rules) -> Submission:
    """A stored submission (validated) and one query we sent about it."""
    entry.missing = conv.missing_fields(entry, rules.validation)
    result = ExtractResult(kind="submission", submissions=[entry])
    sub = session.get(Submission, save_entries(session, message(session), result)[0].id)
    assert sub is not None
    session.add(Reply(message_id=sub.message_id, submission_id=sub.id, kind="query",
                      to_address="jo@adur-worthing.gov.uk", subject="Re: x",
                      header_message_id=OUR_REPLY, raw=b"x"))  # fmt: skip
    session.flush()
    return sub


def lacking_savings() -> SubmissionEntry:
    return SubmissionEntry(title="Shared legal", organisations=[ADUR, WORTHING],
                           service_areas=["legal"],
                           description="One legal team serves both councils.")  # fmt: skip


def reply(**changes: object) -> ParsedMessage:
    base = {"message_id": "<r1@adur.test>", "from_email": "jo@adur-worthing.gov.uk",
            "subject": "Re: Shared legal"}  # fmt: skip
    return ParsedMessage(**(base | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "how"),
    [
        ({"in_reply_to": OUR_REPLY}, "thread"),
        ({"references": ["<other@x>", OUR_REPLY]}, "thread"),
        ({"in_reply_to": "<m1@adur.test>"}, "thread"),  # a reply-all to their own first message
        ({"subject": "Savings for {ref}"}, "subject"),
        ({"new_text": "About {ref}: it saves £1m."}, "new text"),
        ({"quoted_text": "> Your reference is {ref}"}, "quoted text"),
        ({"subject": "Savings for SS-1999-99999"}, "no match"),
        ({}, "no match"),
    ],
)
def test_a_follow_up_is_matched_by_thread_then_reference(
    session: Session, rules: Rules, changes: dict[str, object], how: str
) -> None:
    sub = submission(session, lacking_savings(), rules)
    filled = {k: v.format(ref=sub.reference) if isinstance(v, str) else v
              for k, v in changes.items()}  # fmt: skip
    found, matched_by = conv.match_submission(session, reply(**filled),
                                              default_kind_rules().reference_pattern)  # fmt: skip
    assert matched_by == how
    assert (found.id if found else None) == (sub.id if how != "no match" else None)


@pytest.mark.parametrize(
    ("new_text", "amounts", "reason"),
    [
        ("Sorry, I forgot: the shared service saves us £250,000 a year.", [250000], None),
        ("Hi,\n\nWe expect savings of £1.2m per annum from 2026.", [1200000], None),
        ("There are no cash savings; the aim was resilience.", [], "the aim was resilience"),
        ("Thanks!", [], None),
    ],
)
def test_a_plain_words_reply_gives_its_facts(
    rules: Rules, new_text: str, amounts: list[int], reason: str | None
) -> None:
    facts = conv.follow_up_facts(reply(new_text=new_text), ExtractResult(kind="follow_up"), rules)
    assert [s.amount_gbp for s in facts.savings] == amounts
    assert (facts.savings_none_reason or None) == reason


def test_a_plain_words_reply_may_name_the_partners(rules: Rules) -> None:
    text = "Worthing Borough Council is our partner, and Adur hosts the legal team."
    facts = conv.follow_up_facts(reply(new_text=text), ExtractResult(kind="follow_up"), rules)
    assert {o.code for o in facts.organisations} == {"E07000223", "E07000229"}
    assert facts.service_areas == ["legal"]


def test_the_extractors_facts_are_used_when_it_has_them(rules: Rules) -> None:
    given = SubmissionEntry(savings=[Saving(amount_gbp=5000)])
    result = ExtractResult(kind="follow_up", submissions=[given, SubmissionEntry(start_year=2014)])
    facts = conv.follow_up_facts(reply(new_text="£9,000,000 a year"), result, rules)
    assert ([s.amount_gbp for s in facts.savings], facts.start_year) == ([5000], 2014)


def test_merging_fills_what_is_missing_and_keeps_its_history(session: Session,
                                                            rules: Rules) -> None:  # fmt: skip
    """GIVEN a submission without savings WHEN the follow-up states savings, another title
    and a contact THEN savings and contact are added (with history), the title is kept,
    and the submission is complete."""
    sub = submission(session, lacking_savings(), rules)
    assert sub.id is not None and sub.missing == ["savings"]
    row = message(session, "<r1@adur.test>")
    assert row.id is not None
    contact = Contact(name="Jo", email="jo@adur-worthing.gov.uk")
    facts = SubmissionEntry(title="Other", savings=[Saving(amount_gbp=250000)], contact=contact)
    merge = conv.merge_follow_up(session, sub, facts, row.id)
    entry = conv.revalidate(session, sub, rules.validation)
    assert [c[0] for c in merge.changes] == ["savings", "contact"]
    assert (sub.title, entry.missing, sub.review_state) == ("Shared legal", [], "pending")
    history = session.scalars(select(SubmissionHistory)).all()
    assert [(h.field, h.message_id, h.actor) for h in history] == [
        ("savings", row.id, "council"), ("contact", row.id, "council")]  # fmt: skip


def test_a_staff_correction_is_never_overwritten(session: Session, rules: Rules) -> None:
    """GIVEN staff set 'no savings' aside by hand WHEN a follow-up states savings THEN the
    staff's decision stands."""
    sub = submission(session, lacking_savings(), rules)
    assert sub.id is not None
    session.add(SubmissionHistory(submission_id=sub.id, field="savings", old=None, new=[],
                                  actor="staff:alice"))  # fmt: skip
    row = message(session, "<r1@adur.test>")
    assert row.id is not None
    merge = conv.merge_follow_up(session, sub, SubmissionEntry(
        savings=[Saving(amount_gbp=1)]), row.id)  # fmt: skip
    assert merge.changes == [] and load_entry(session, sub).savings == []


def test_missing_organisations_are_added_after_those_held(session: Session,
                                                          rules: Rules) -> None:  # fmt: skip
    sub = submission(session, SubmissionEntry(organisations=[ADUR], service_areas=["legal"],
                                              savings=[Saving(amount_gbp=1)],
                                              description="One legal team for both."),
                     rules)  # fmt: skip
    assert sub.missing == ["organisations"]
    row = message(session, "<r1@adur.test>")
    assert row.id is not None
    conv.merge_follow_up(session, sub, SubmissionEntry(organisations=[ADUR, WORTHING]), row.id)
    entry = conv.revalidate(session, sub, rules.validation)
    assert [o.name for o in entry.organisations] == [ADUR.name, WORTHING.name]
    assert entry.missing == []


def dsn(reply_id: str) -> ParsedMessage:
    report = f"From: x\nTo: jo@adur-worthing.gov.uk\nMessage-ID: {reply_id}\n".encode()
    return ParsedMessage(
        message_id="<dsn@mx>", from_email="mailer-daemon@mx.test", content_type="multipart/report",
        headers={"content-type": "multipart/report; report-type=delivery-status"},
        attachments=[Attachment(filename="h", content_type="text/rfc822-headers",
                                sniffed_type="text", size=len(report), data=report)],
    )  # fmt: skip


def test_a_bounce_flags_the_submission_and_suppresses_its_address(
    session: Session, rules: Rules
) -> None:
    sub = submission(session, lacking_savings(), rules)
    row = message(session, "<dsn@mx>")
    assert row.id is not None
    assert conv.record_bounce(session, dsn("<unknown@local.gov.uk>"), row.id) == []
    assert conv.record_bounce(session, dsn(OUR_REPLY), row.id) == [sub.id]
    assert sub.flag and "bounced" in sub.flag
    assert conv.is_suppressed(session, "JO@adur-worthing.gov.uk")
    assert session.get(SuppressedAddress, "jo@adur-worthing.gov.uk") is not None


def test_a_copy_of_our_own_reply_is_recognised(session: Session, rules: Rules) -> None:
    submission(session, lacking_savings(), rules)
    assert conv.is_our_own(session, reply(message_id=OUR_REPLY))
    assert not conv.is_our_own(session, reply())


def test_the_conversation_rules_load() -> None:
    loaded = conv.ConversationRules.load(RULES_DIR)
    assert "gov.uk" in loaded.public_sector_domains
    assert isinstance(loaded.duplicates.min_council_overlap, float)
    assert ValidationRules.load(RULES_DIR).required

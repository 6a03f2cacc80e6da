"""Conversations: follow-ups matched to their submission and merged; bounces; suppression.

A follow-up is matched by its threading headers against the Message-IDs of our
replies (and of the council's own first message), then by a reference in the
subject, the new text, then the quoted text. Its new facts fill what the
submission lacks (never over a fact already held, nor over a staff correction),
each change kept in ``submission_history`` with the message it came from; then
the submission is validated again.
"""

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError
from sqlalchemy import bindparam
from sqlalchemy import select as sa_select
from sqlmodel import Session, col, select

from intake.contract import ExtractResult, Organisation, SubmissionEntry
from intake.dedupe import DuplicateRules
from intake.errors import RulesError
from intake.extract import organisations as orgs
from intake.extract.dates import parse_start_year
from intake.extract.kinds import bounced_message_ids
from intake.extract.money import find_no_savings_reason, parse_savings
from intake.gazetteer import MatchContext
from intake.messages import ParsedMessage
from intake.records import add_event, add_organisations, add_savings, add_service_areas, load_entry
from intake.store import (
    MessageRecord,
    Reply,
    Submission,
    SubmissionHistory,
    SuppressedAddress,
    table_of,
    utcnow,
)
from intake.validate import ValidationRules, missing_fields

if TYPE_CHECKING:  # the rules bundle holds ConversationRules, so import it for types only
    from intake.rules import Rules

RULES_FILE = "conversation.yaml"
DEFAULT_RULES_DIR = Path(__file__).resolve().parents[1] / "rules"
COUNCIL = "council"  # the history actor for facts from a council's follow-up
_GREETING = re.compile(r"^(?:dear|hi|hello|good (?:morning|afternoon)|to whom)\b.*$",
                       re.IGNORECASE | re.MULTILINE)  # fmt: skip
_SCALARS = ("title", "arrangement_type", "status", "start_year", "benefits")


class ConversationRules(BaseModel):
    """rules/conversation.yaml."""

    model_config = ConfigDict(extra="forbid")
    public_sector_domains: list[str]
    duplicates: DuplicateRules

    @classmethod
    def load(cls, rules_dir: Path = DEFAULT_RULES_DIR) -> "ConversationRules":
        path = rules_dir / RULES_FILE
        try:
            return cls.model_validate(yaml.safe_load(path.read_text(encoding="utf-8")))
        except (OSError, yaml.YAMLError, ValidationError) as e:
            raise RulesError(f"{path}: {e}".splitlines()[0]) from e


def match_submission(
    session: Session, parsed: ParsedMessage, reference: re.Pattern[str]
) -> tuple[Submission | None, str]:
    """The submission a follow-up is about, and how it was found ('thread', 'subject', ...)."""
    # Plain SQL on the session's connection: this runs for every submission and follow-up.
    conn = session.connection()
    ids = list(dict.fromkeys(filter(None, [parsed.in_reply_to, *reversed(parsed.references)])))
    if ids:
        reply, message, sub = table_of(Reply).c, table_of(MessageRecord).c, table_of(Submission).c
        ours = conn.execute(
            sa_select(reply.submission_id)
            .where(reply.header_message_id.in_(ids), reply.submission_id.is_not(None))
            .limit(1)
        ).scalar()
        theirs = conn.execute(
            sa_select(sub.id)
            .join_from(table_of(Submission), table_of(MessageRecord), message.id == sub.message_id)
            .where(message.message_id.in_(ids))
            .order_by(sub.id)
            .limit(1)
        ).scalar()
        found = ours or theirs
        if found is not None:
            return session.get(Submission, found), "thread"
    for where, text in (("subject", parsed.subject), ("new text", parsed.new_text),
                        ("quoted text", parsed.quoted_text)):  # fmt: skip
        for ref in dict.fromkeys(r.upper() for r in reference.findall(text)):
            sub_id = conn.execute(
                sa_select(table_of(Submission).c.id).where(table_of(Submission).c.reference == ref)
            ).scalar()
            if sub_id is not None:
                return session.get(Submission, sub_id), where
    return None, "no match"


def follow_up_facts(
    parsed: ParsedMessage, result: ExtractResult, rules: "Rules"
) -> SubmissionEntry:
    """The facts a follow-up adds: the extractor's entries, else what its new text states."""
    if result.submissions:
        merged = result.submissions[0].model_copy(deep=True)
        for extra in result.submissions[1:]:
            for name, value in extra:
                if getattr(merged, name) in (None, [], "") and value not in (None, [], ""):
                    setattr(merged, name, value)
        return merged
    text = _GREETING.sub("", parsed.new_text).strip()
    entry = SubmissionEntry()
    if not text:
        return entry
    today: date | None = parsed.date.date() if parsed.date else None
    context = MatchContext(
        sender_code=result.sender.organisation_code,
        year=today.year if today else None,
        sender_email=parsed.from_email,
    )
    entry.organisations = orgs.dedupe(
        orgs.from_text(text, rules.gazetteer, context, rules.arrangements, [])
    )
    entry.service_areas = rules.services.classify(text)
    entry.savings = parse_savings(text, rules.arrangements.savings)
    if not entry.savings:
        entry.savings_none_reason = find_no_savings_reason(text, rules.arrangements.savings)
    entry.start_year = parse_start_year(text, today=today)
    entry.description = " ".join(text.split())[:4000]
    return entry


@dataclass
class Merge:
    """What a follow-up changed: (field, old, new) in order."""

    changes: list[tuple[str, Any, Any]] = field(default_factory=list)


def _staff_fields(session: Session, submission_id: int) -> set[str]:
    """Fields staff have corrected: a follow-up never writes over them."""
    rows = session.exec(
        select(SubmissionHistory.field).where(
            SubmissionHistory.submission_id == submission_id, SubmissionHistory.actor != COUNCIL
        )
    ).all()
    return set(rows)


def _empty(value: Any) -> bool:
    return value in (None, [], "")


def merge_follow_up(
    session: Session, sub: Submission, facts: SubmissionEntry, message_row_id: int
) -> Merge:
    """Fill what ``sub`` lacks from ``facts``; each change written to its history."""
    assert sub.id is not None
    sub_id = sub.id
    held, locked, merge = load_entry(session, sub), _staff_fields(session, sub_id), Merge()

    def note(name: str, old: Any, new: Any) -> None:
        merge.changes.append((name, old, new))
        session.add(SubmissionHistory(submission_id=sub_id, field=name, old=old, new=new,
                                      message_id=message_row_id, actor=COUNCIL))  # fmt: skip

    for name in _SCALARS:
        new = getattr(facts, name)
        if name not in locked and _empty(getattr(sub, name)) and not _empty(new):
            note(name, None, new)
            setattr(sub, name, new)
    if "description" in sub.missing and "description" not in locked and facts.description:
        note("description", sub.description, facts.description)
        sub.description = facts.description
    _merge_lists(session, sub, held, facts, locked, note)
    if facts.contact and not sub.contact_email and "contact" not in locked:
        note("contact", None, facts.contact.model_dump())
        sub.contact_name, sub.contact_email = facts.contact.name, facts.contact.email
        sub.contact_phone = facts.contact.phone
    return merge


def _merge_lists(session: Session, sub: Submission, held: SubmissionEntry, facts: SubmissionEntry,
                 locked: set[str], note: Any) -> None:  # fmt: skip
    assert sub.id is not None
    if "organisations" in sub.missing and "organisations" not in locked:
        known = {o.current_code or o.name.lower() for o in held.organisations}
        added = [o for o in facts.organisations if (o.current_code or o.name.lower()) not in known]
        if any(o.role == "lead" for o in held.organisations):
            added = [o.model_copy(update={"role": "partner"}) for o in added]
        if added:
            note("organisations", _names(held.organisations), _names(held.organisations + added))
            add_organisations(session, sub.id, added, first_position=len(held.organisations))
    if not held.service_areas and facts.service_areas and "service_areas" not in locked:
        note("service_areas", [], facts.service_areas)
        add_service_areas(session, sub.id, facts.service_areas)
    no_savings = not held.savings and not sub.savings_none_reason
    if no_savings and "savings" not in locked:
        if facts.savings:
            note("savings", [], [s.model_dump() for s in facts.savings])
            add_savings(session, sub.id, facts.savings)
        elif facts.savings_none_reason:
            note("savings_none_reason", None, facts.savings_none_reason)
            sub.savings_none_reason = facts.savings_none_reason


def _names(organisations: list[Organisation]) -> list[str]:
    return [o.name for o in organisations]


def revalidate(session: Session, sub: Submission, rules: ValidationRules) -> SubmissionEntry:
    """Work out again what ``sub`` lacks; a complete one leaves 'awaiting_council'."""
    session.flush()
    entry = load_entry(session, sub)
    sub.missing = list(missing_fields(entry, rules))
    entry.missing = list(sub.missing)  # type: ignore[arg-type]
    if not sub.missing and sub.review_state == "awaiting_council":
        sub.review_state = "pending"
    sub.updated_at = utcnow()
    session.add(sub)
    return entry


def is_suppressed(session: Session, address: str) -> bool:
    found = session.connection().execute(_SUPPRESSED, {"address": address.lower()})
    return found.first() is not None


def suppress(session: Session, address: str, reason: str, message_row_id: int | None) -> None:
    if not is_suppressed(session, address):
        session.add(SuppressedAddress(address=address.lower(), reason=reason,
                                      message_id=message_row_id))  # fmt: skip
        session.flush()  # seen by the next lookup, which reads the database


def is_our_own(session: Session, parsed: ParsedMessage) -> bool:
    """A copy of one of our own replies (a Bcc, a forwarding loop)."""
    if not parsed.message_id:
        return False
    found = session.connection().execute(_OUR_REPLY, {"header": parsed.message_id})
    return found.first() is not None


# Built once: these run for every message, and building a statement costs more than running it.
_SUPPRESSED = sa_select(table_of(SuppressedAddress).c.address).where(
    table_of(SuppressedAddress).c.address == bindparam("address")
)
_OUR_REPLY = sa_select(table_of(Reply).c.id).where(
    table_of(Reply).c.header_message_id == bindparam("header")
)


def record_bounce(session: Session, parsed: ParsedMessage, message_row_id: int) -> list[int]:
    """Match a delivery report to our replies; flag their submissions, suppress the address."""
    ids = bounced_message_ids(parsed)
    if not ids:
        return []
    replies = session.exec(select(Reply).where(col(Reply.header_message_id).in_(ids))).all()
    flagged = []
    for reply in replies:
        reason = f"reply {reply.header_message_id} to {reply.to_address} bounced"
        reply.state, reply.last_error = "bounced", reason
        session.add(reply)
        suppress(session, reply.to_address, reason, message_row_id)
        if reply.submission_id is not None:
            sub = session.get(Submission, reply.submission_id)
            if sub is not None:
                sub.flag = reason
                session.add(sub)
                flagged.append(reply.submission_id)
        add_event(
            session,
            actor="pipeline",
            action="reply_bounced",
            message_id=message_row_id,
            submission_id=reply.submission_id,
            detail={"reason": reason},
        )
    return flagged

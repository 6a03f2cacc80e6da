"""Duplicates, at two levels.

Message level: the same message again (the same Message-ID, or the same content
under another Message-ID: see ``content_hash``) creates nothing and sends nothing.

Arrangement level: each held arrangement (submission or published map entry) has
a fingerprint (council current codes, service areas, words) and one
``arrangement_council_key`` row per council and service area; a lookup reads only
the fingerprints sharing a council *and* a service area with the new entry
(blocking), so it stays fast with 100,000 records, then compares council overlap,
service areas and wording (rapidfuzz).
"""

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz
from sqlalchemy import and_, delete, insert, or_, select, update
from sqlmodel import Session

from intake.contract import SubmissionEntry
from intake.messages import ParsedMessage
from intake.store import ArrangementCouncilKey, ArrangementFingerprint, MessageRecord, table_of

_WORDS = re.compile(r"[^\W_]+")


class DuplicateRules(BaseModel):
    """The ``duplicates`` section of rules/conversation.yaml."""

    model_config = ConfigDict(extra="forbid")
    min_council_overlap: float = 0.5
    min_similarity_same_services: float = 50
    min_similarity_overlapping_services: float = 65
    max_candidates: int = 5000


def normalised_text(text: str) -> str:
    """Lower-case words only: spacing, punctuation and line wrapping do not count."""
    return " ".join(_WORDS.findall(text.lower()))


def content_hash(parsed: ParsedMessage, subject_core: Callable[[str], str]) -> str:
    """Sender, subject (without 'Re:'/'[EXTERNAL]' tags), body words and attachments.

    Headers a relay or a second delivery changes (Received, Date, Message-ID) are
    left out, so a re-sent copy hashes the same; any change of wording does not.
    """
    parts = [
        (parsed.from_email or "").lower(),
        normalised_text(subject_core(parsed.subject)),
        normalised_text(parsed.body_text),
        *sorted(hashlib.sha256(a.data).hexdigest() for a in parsed.attachments),
    ]
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()


def earlier_copy(session: Session, row: MessageRecord) -> int | None:
    """The ledger id of a message already processed with the same Message-ID or content hash.

    Two lookups, each by its own index, with the state checked here: given ``state`` in
    one query, SQLite walks the state index instead, through every processed message.
    Plain SQL on the session's connection, so the session is not flushed for it.
    """
    table = table_of(MessageRecord).c
    found: list[int] = []
    for column, value in ((table.message_id, row.message_id),
                          (table.content_hash, row.content_hash)):  # fmt: skip
        if value:
            found += [
                row_id
                for row_id, state in session.connection().execute(
                    select(table.id, table.state).where(column == value)
                )
                if state == "processed" and row_id != row.id
            ]
    return min(found, default=None)


@dataclass(frozen=True)
class Fingerprint:
    codes: frozenset[str]
    areas: frozenset[str]
    text: str

    @classmethod
    def of(cls, entry: SubmissionEntry) -> "Fingerprint":
        codes = frozenset(o.current_code for o in entry.organisations if o.current_code)
        words = " ".join(filter(None, [entry.title, entry.description]))
        return cls(codes, frozenset(entry.service_areas), normalised_text(words)[:2000])


@dataclass(frozen=True)
class Match:
    fingerprint_id: int
    submission_id: int | None
    map_entry_id: int | None
    reference: str
    score: float


def same_arrangement(new: Fingerprint, held: Fingerprint, rules: DuplicateRules) -> float | None:
    """The wording similarity (0-100) when ``new`` and ``held`` are one arrangement, else None."""
    if not new.codes or not held.codes:
        return None
    overlap = len(new.codes & held.codes) / len(new.codes | held.codes)
    if overlap < rules.min_council_overlap or not new.areas & held.areas:
        return None
    similarity = fuzz.token_set_ratio(new.text, held.text) if new.text and held.text else 0.0
    needed = (rules.min_similarity_same_services if new.areas == held.areas
              else rules.min_similarity_overlapping_services)  # fmt: skip
    return similarity if similarity >= needed else None


def find_duplicate(session: Session, entry: SubmissionEntry, rules: DuplicateRules) -> Match | None:
    """The held arrangement ``entry`` repeats (the most similar), or None."""
    new = Fingerprint.of(entry)
    if not new.codes or not new.areas:
        return None
    key, fp = table_of(ArrangementCouncilKey).c, table_of(ArrangementFingerprint).c
    pairs = [
        and_(key.code == c, key.area == a) for c in sorted(new.codes) for a in sorted(new.areas)
    ]
    blocked = select(key.fingerprint_id).where(or_(*pairs))
    rows = (
        session.connection()
        .execute(
            select(
                fp.id, fp.submission_id, fp.map_entry_id, fp.reference, fp.codes, fp.areas, fp.text
            )
            .where(fp.id.in_(blocked))
            .order_by(fp.id.desc())
            .limit(rules.max_candidates)
        )
        .all()
    )
    best: Match | None = None
    for row_id, submission_id, map_entry_id, reference, codes, areas, text in rows:
        held = Fingerprint(frozenset(codes.split()), frozenset(areas.split()), text)
        score = same_arrangement(new, held, rules)
        if score is not None and (best is None or score > best.score):
            best = Match(row_id, submission_id, map_entry_id, reference, score)
    return best


def index_arrangement(
    session: Session, fingerprint: Fingerprint, *, reference: str,
    submission_id: int | None = None, map_entry_id: int | None = None,
) -> None:  # fmt: skip
    """Add or refresh the fingerprint and council keys of one held arrangement."""
    if (submission_id is None) == (map_entry_id is None):
        raise ValueError("index one submission or one map entry")
    fp, key = table_of(ArrangementFingerprint), table_of(ArrangementCouncilKey)
    owner = (fp.c.submission_id == submission_id if submission_id is not None
             else fp.c.map_entry_id == map_entry_id)  # fmt: skip
    values = {"reference": reference, "codes": " ".join(sorted(fingerprint.codes)),
              "areas": " ".join(sorted(fingerprint.areas)), "text": fingerprint.text}  # fmt: skip
    # Plain SQL on the session's connection: this runs for every new arrangement.
    conn = session.connection()
    row_id = conn.execute(select(fp.c.id).where(owner)).scalar()
    if row_id is None:
        row_id = conn.execute(
            insert(fp).returning(fp.c.id),
            [{"submission_id": submission_id, "map_entry_id": map_entry_id, **values}],
        ).scalar_one()
    else:
        conn.execute(update(fp).where(fp.c.id == row_id).values(**values))
        conn.execute(delete(key).where(key.c.fingerprint_id == row_id))
    keys = [{"code": c, "area": a, "fingerprint_id": row_id}
            for c in fingerprint.codes for a in fingerprint.areas]  # fmt: skip
    if keys:
        conn.execute(insert(key), keys)


def what_it_adds(new: SubmissionEntry, held: SubmissionEntry | None) -> list[str]:
    """The facts ``new`` states that ``held`` lacks (for staff merging a duplicate)."""
    fields: Iterable[str] = ("title", "organisations", "service_areas", "arrangement_type",
                             "status", "start_year", "savings", "savings_none_reason",
                             "description", "benefits", "contact")  # fmt: skip
    added = []
    for name in fields:
        value = getattr(new, name)
        if value in (None, [], ""):
            continue
        if held is None or getattr(held, name) in (None, [], ""):
            added.append(name)
        elif name == "organisations":
            held_codes = {o.current_code or o.name for o in held.organisations}
            if any((o.current_code or o.name) not in held_codes for o in new.organisations):
                added.append(name)
        elif name in ("service_areas", "savings") and not set(map(str, value)) <= set(
            map(str, getattr(held, name))
        ):
            added.append(name)
    return added

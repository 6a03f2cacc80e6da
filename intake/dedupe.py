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
from typing import Any

from pydantic import BaseModel, ConfigDict
from rapidfuzz import fuzz
from sqlalchemy import CompoundSelect, Select, bindparam, delete, insert, select, union_all, update
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


def earlier_copy(session: Session, message_row_id: int, message_id: str | None,
                 content_hash: str | None) -> int | None:  # fmt: skip
    """The ledger id of a message already processed with the same Message-ID or content hash.

    Each lookup by its own index, with the state checked here: given ``state`` in the
    query, SQLite walks the state index instead, through every processed message.
    """
    if not message_id and not content_hash:
        return None
    found = session.connection().execute(
        _SAME_MESSAGE, {"message_id": message_id or "", "content_hash": content_hash or ""}
    )
    return min((i for i, state in found if state == "processed" and i != message_row_id),
               default=None)  # fmt: skip


def _same_message() -> CompoundSelect[Any]:
    table = table_of(MessageRecord).c
    return union_all(
        select(table.id, table.state).where(table.message_id == bindparam("message_id")),
        select(table.id, table.state).where(table.content_hash == bindparam("content_hash")),
    )


_SAME_MESSAGE = _same_message()


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


def _candidates() -> Select[Any]:
    """Held fingerprints sharing a council *and* a service area with the new entry (every
    code with every area is the same as the pairs of council keys). Built once: this runs
    for every new arrangement, and building a statement costs more than running it."""
    key, fp = table_of(ArrangementCouncilKey).c, table_of(ArrangementFingerprint).c
    blocked = select(key.fingerprint_id).where(
        key.code.in_(bindparam("codes", expanding=True)),
        key.area.in_(bindparam("areas", expanding=True)),
    )
    return (
        select(fp.id, fp.submission_id, fp.map_entry_id, fp.reference, fp.codes, fp.areas, fp.text)
        .where(fp.id.in_(blocked))
        .order_by(fp.id.desc())
        .limit(bindparam("most"))
    )


_CANDIDATES = _candidates()


def find_duplicate(session: Session, entry: SubmissionEntry, rules: DuplicateRules) -> Match | None:
    """The held arrangement ``entry`` repeats (the most similar), or None."""
    new = Fingerprint.of(entry)
    if not new.codes or not new.areas:
        return None
    rows = session.connection().execute(
        _CANDIDATES, {"codes": sorted(new.codes), "areas": sorted(new.areas),
                      "most": rules.max_candidates}
    ).all()  # fmt: skip
    best: Match | None = None
    for row_id, submission_id, map_entry_id, reference, codes, areas, text in rows:
        held = Fingerprint(frozenset(codes.split()), frozenset(areas.split()), text)
        score = same_arrangement(new, held, rules)
        if score is not None and (best is None or score > best.score):
            best = Match(row_id, submission_id, map_entry_id, reference, score)
    return best


def index_arrangement(
    session: Session, fingerprint: Fingerprint, *, reference: str,
    submission_id: int | None = None, map_entry_id: int | None = None, new: bool = False,
) -> None:  # fmt: skip
    """Add or refresh the fingerprint and council keys of one held arrangement (``new``:
    one just stored, so there is nothing to refresh)."""
    if (submission_id is None) == (map_entry_id is None):
        raise ValueError("index one submission or one map entry")
    fp, key = table_of(ArrangementFingerprint), table_of(ArrangementCouncilKey)
    owner = (fp.c.submission_id == submission_id if submission_id is not None
             else fp.c.map_entry_id == map_entry_id)  # fmt: skip
    values = {"reference": reference, "codes": " ".join(sorted(fingerprint.codes)),
              "areas": " ".join(sorted(fingerprint.areas)), "text": fingerprint.text}  # fmt: skip
    conn = session.connection()
    row_id = None if new else conn.execute(select(fp.c.id).where(owner)).scalar()
    if row_id is None:
        row = {"submission_id": submission_id, "map_entry_id": map_entry_id, **values}
        row_id = conn.execute(_INSERT_FINGERPRINT, [row]).scalar_one()
    else:
        conn.execute(update(fp).where(fp.c.id == row_id).values(**values))
        conn.execute(delete(key).where(key.c.fingerprint_id == row_id))
    keys = [{"code": c, "area": a, "fingerprint_id": row_id}
            for c in fingerprint.codes for a in fingerprint.areas]  # fmt: skip
    if keys:
        conn.execute(_INSERT_KEYS, keys)


_INSERT_FINGERPRINT = insert(table_of(ArrangementFingerprint)).returning(
    table_of(ArrangementFingerprint).c.id
)
_INSERT_KEYS = insert(table_of(ArrangementCouncilKey))


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

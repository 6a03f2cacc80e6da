"""The extract stage: a parsed message -> the contract's ExtractResult.

Where facts come from, in order: a table pasted in the new text of the body (one
arrangement per row) or its labelled lines; each attachment's form fields, table rows
(one arrangement per row) or prose; and, when none of these describes an arrangement,
the body itself: one entry per item of a list of arrangements, else one from its prose.
A follow-up keeps only the facts its new text adds. Each entry records the source of
every field it fills.
"""

import re
from email.utils import parseaddr

from intake.contract import Contact, ExtractResult, Sender, SubmissionEntry
from intake.extract import entries
from intake.extract.contact import choose_contact
from intake.extract.kinds import classify_kind, find_reference
from intake.extract.listing import (
    arrangement_paragraphs,
    item_head,
    list_items,
    pasted_table_rows,
    rows_take_their_intro,
)
from intake.extract.merging import Found, once_each, told_in_parts
from intake.extract.prose import from_prose
from intake.gazetteer import MatchContext
from intake.messages import ParsedMessage
from intake.readers.labels import fields_from_blocks
from intake.rules import Rules

_REPLY_SUBJECT = re.compile(r"^\s*(?:\[[^\]]*\]\s*)*(?:re|aw|sv)\s*:", re.IGNORECASE)
_FORWARD_PREFIX = re.compile(r"^\s*(?:(?:fwd?|fw|wg|tr)\s*:\s*)+", re.IGNORECASE)
_NO_CONTENT_KINDS = ("auto_reply", "bounce", "not_submission")


def _facts_held(entry: SubmissionEntry) -> int:
    """How many of the required facts an entry states."""
    has_savings = bool(entry.savings or entry.savings_none_reason)
    held = (len(entry.organisations) >= 2, bool(entry.service_areas), has_savings)
    return sum(held) + bool(entry.description)


def _better_of(body: Found, attached: Found) -> Found:
    """The body's prose, unless an attached letter or report states more of the required
    facts: an attachment sent 'for background' does not replace what the body says."""
    if not attached:
        return body
    if not body:
        return attached
    best = max(_facts_held(entry) for entry, _f, _s in body)
    return attached if max(_facts_held(e) for e, _f, _s in attached) > best else body


def _blocks(text: str) -> list[list[str]]:
    return [p.splitlines() for p in text.split("\n\n") if p.strip()]


class Extractor:
    def __init__(self, rules: Rules, our_address: str | None = None) -> None:
        self.rules = rules
        self.our_address = our_address

    def extract(self, parsed: ParsedMessage) -> ExtractResult:
        rules = self.rules
        kind = classify_kind(parsed, rules.kinds, self.our_address)
        result = ExtractResult(message_id=parsed.message_id, kind=kind)
        result.reference = find_reference(parsed, rules.kinds)
        sender_council = rules.gazetteer.by_email(parsed.from_email or "")
        result.sender = Sender(
            name=parsed.from_name,
            email=parsed.from_email,
            organisation_code=sender_council.code if sender_council else None,
        )
        result.warnings.extend(parsed.warnings)
        if kind in _NO_CONTENT_KINDS:
            return result
        ctx = entries.EntryContext(
            rules=rules,
            match=MatchContext(sender_code=result.sender.organisation_code,
                               year=parsed.date.year if parsed.date else None,
                               sender_email=parsed.from_email),
            today=parsed.date.date() if parsed.date else None,
        )  # fmt: skip
        found = self._entries(parsed, ctx, follow_up=kind == "follow_up")
        if kind == "submission" and self._only_asks(parsed.new_text, found):
            found = []
        result.submissions = found
        if result.sender.organisation_code is None and parsed.from_email:
            result.sender.organisation_code = self._shared_domain_council(parsed)
        for attachment in parsed.attachments:
            result.warnings.extend(attachment.warnings)
        result.warnings.extend(dict.fromkeys(ctx.warnings))
        if kind == "submission" and not found:
            result.kind = "not_submission"
        return result

    def _only_asks(self, text: str, found: list[SubmissionEntry]) -> bool:
        """'How do I submit our arrangements with Horsham?': a question about taking
        part, with no fact of an arrangement (savings, a start, a status) stated."""
        stated = (e.savings or e.savings_none_reason or e.start_year or e.status for e in found)
        if any(stated):  # tested first: far cheaper than the enquiry wording
            return False
        return self.rules.kinds.enquiry.search(text) is not None

    def _shared_domain_council(self, parsed: ParsedMessage) -> str | None:
        """A domain several councils share ('adur-worthing.gov.uk'): the one of them the
        signature names. None when it names several (the sender works for all of them,
        as readers record it) or none: the domain alone does not say which."""
        gazetteer = self.rules.gazetteer
        on_domain = {c.code for c in gazetteer.councils_by_email(parsed.from_email or "")}
        named = {m.code for m in gazetteer.find_in_text(parsed.signature) if m.code in on_domain}
        return named.pop() if len(named) == 1 else None

    def _entries(
        self, parsed: ParsedMessage, ctx: entries.EntryContext, *, follow_up: bool
    ) -> list[SubmissionEntry]:
        attached = once_each(self._attachments(parsed, ctx))
        found = told_in_parts(self._body_fields(parsed.new_text, ctx, follow_up), attached)
        attached_prose = self._attached_prose(parsed, ctx, follow_up) if not found else []
        if not found:
            found = [(entry, {}, "body") for entry in self._body_prose(parsed.new_text, ctx,
                                                                       follow_up)]  # fmt: skip
            found = _better_of(found, attached_prose)
        if not found and not follow_up and len(parsed.new_text.split()) <= _FEW_WORDS:
            found = self._subject_prose(parsed, ctx)
        for entry, fields, source in found:
            contact, contact_source = self._contact(fields, parsed)
            entry.contact = contact
            entry.sources["contact"] = source if contact_source == "fields" else contact_source
        if len(found) == 1 and not follow_up:
            self._title_from_subject(found[0][0], parsed.subject)
        return [entry for entry, _fields, _source in found]

    def _subject_prose(self, parsed: ParsedMessage, ctx: entries.EntryContext) -> Found:
        """'Shared planning: South Cambs & Cambridge City, £300k pa since 2018' above a
        body of a few words ('Sent from my phone'): the subject is the submission."""
        core = _FORWARD_PREFIX.sub("", self.rules.kinds.subject_core(parsed.subject))
        entry = from_prose(core, "subject", ctx, complete=False)
        if entry is None:
            return []
        named = self._head_services(core)  # 'Shared planning: ...' names its service
        entry.service_areas = list(dict.fromkeys(named + entry.service_areas))
        if not entry.organisations or not entry.service_areas:
            return []
        entry.description = None  # the subject names the arrangement; it does not describe it
        entry.sources.pop("description", None)
        entries.record_sources(entry, "subject")
        return [(entry, {}, "subject")]

    def _body_fields(self, text: str, ctx: entries.EntryContext, follow_up: bool) -> Found:
        """A pasted table's rows, else the labelled lines of the body."""
        rows = pasted_table_rows(text, self.rules.form_fields)
        found = [(entries.from_fields(r, "body", ctx), r, "body") for r in rows
                 if entries.has_content(r)]  # fmt: skip
        if found:
            rows_take_their_intro([entry for entry, _r, _s in found], text, ctx)
            return found
        fields = fields_from_blocks(_blocks(text), self.rules.form_fields)
        if entries.has_content(fields):
            return [(entries.from_fields(fields, "body", ctx), fields, "body")]
        if follow_up and entries.has_content(fields, least=1):
            # 'Description: ...' beside a sentence correcting the lead: both are answers
            entry = entries.from_fields(fields, "body", ctx)
            prose = from_prose(text, "body", ctx, complete=False)
            return told_in_parts([(entry, fields, "body")], [(prose, {}, "body")] if prose else [])
        return []

    def _attachments(self, parsed: ParsedMessage, ctx: entries.EntryContext) -> Found:
        found: Found = []
        for attachment in parsed.attachments:
            source = f"attachment:{attachment.filename}"
            for row in attachment.rows:
                if entries.has_content(row):
                    found.append((entries.from_fields(row, source, ctx), row, source))
            if entries.has_content(attachment.fields):
                fields = attachment.fields
                found.append((entries.from_fields(fields, source, ctx), fields, source))
        return found

    def _attached_prose(self, parsed: ParsedMessage, ctx: entries.EntryContext,
                        follow_up: bool = False) -> Found:  # fmt: skip
        """Entries from attachments that are neither forms nor tables (a letter, a report);
        for a follow-up, any fact will do ('Figure attached.')."""
        found: Found = []
        for attachment in parsed.attachments:
            if attachment.rows or entries.has_content(attachment.fields) or not attachment.text:
                continue
            source = f"attachment:{attachment.filename}"
            entry = from_prose(attachment.text, source, ctx, complete=not follow_up)
            if entry is not None:
                found.append((entry, {}, source))
        return found

    def _body_prose(
        self, text: str, ctx: entries.EntryContext, follow_up: bool
    ) -> list[SubmissionEntry]:
        """One entry per listed arrangement, else one from the whole text."""
        if follow_up:
            entry = from_prose(text, "body", ctx, complete=False)
            return [entry] if entry is not None else []
        intro, items = list_items(text)
        listed = []
        for item in items:
            named = self._head_services(item)
            entry = from_prose(item, "body", ctx) or from_prose(f"{intro}\n\n{item}", "body", ctx)
            if entry is None and named:
                entry = from_prose(f"{intro}\n\n{item}", "body", ctx, complete=False)
            if entry is not None and len(entry.organisations) < 2 and intro.strip():
                wider = from_prose(f"{intro}\n\n{item}", "body", ctx, complete=False)
                if wider is not None and len(wider.organisations) > len(entry.organisations):
                    entry.organisations = wider.organisations
            if entry is not None and entry.organisations:
                entry.service_areas = list(dict.fromkeys(named + entry.service_areas))
                entry.description = entry.description or " ".join(item.split())
                entries.record_sources(entry, "body")
                listed.append(entry)
        if len(listed) >= 2:
            return listed
        entry = from_prose(text, "body", ctx)
        if entry is not None and len(entry.service_areas) >= 2:  # one a paragraph?
            return arrangement_paragraphs(text, ctx) or [entry]
        return [entry] if entry is not None else []

    def _head_services(self, text: str) -> list[str]:
        """The services the few words before a dash or colon name, read as a value would
        be ('Legal services - ...', 'Shared planning: ...')."""
        head = item_head(text) or ""
        return [a for a in self.rules.services.classify(head, fallback_other=True) if a != "other"]

    def _contact(self, fields: dict[str, str], parsed: ParsedMessage) -> tuple[Contact, str]:
        """A forwarded message's author knows the arrangement better than who forwarded it."""
        if parsed.forwarded_from and not (fields.get("contact_name") or
                                          fields.get("contact_email")):  # fmt: skip
            name, email = parseaddr(parsed.forwarded_from)
            if email:
                return Contact(name=name or None, email=email.lower()), "body"
        return choose_contact(fields, parsed)

    def _title_from_subject(self, entry: SubmissionEntry, subject: str) -> None:
        """The subject as title when it names a service or an arrangement type; not a
        reply's, which is the subject of the message it answers."""
        if _REPLY_SUBJECT.match(subject):
            return
        core = _FORWARD_PREFIX.sub("", self.rules.kinds.subject_core(subject)).strip(" -:")
        if entry.title or not core or len(core.split()) > 12:
            return
        rules = self.rules
        if rules.services.classify(core) or rules.arrangements.classify_arrangement_type(core):
            entry.title = core
            entry.sources["title"] = "subject"


_FEW_WORDS = 12  # a body this short ('Sent from Outlook for iOS') may leave it all to the subject

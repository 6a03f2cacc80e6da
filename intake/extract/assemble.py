"""The extract stage: a parsed message -> the contract's ExtractResult.

Where facts come from, in order: labelled lines in the new text of the body; each
attachment's form fields; each row of an attached table (one arrangement per row);
and, when nothing is labelled, the prose of the body. Each entry records the
source of every field it fills.
"""

from intake.contract import ExtractResult, Sender, SubmissionEntry
from intake.extract import entries
from intake.extract.contact import choose_contact
from intake.extract.kinds import classify_kind, find_reference
from intake.gazetteer import MatchContext
from intake.messages import ParsedMessage
from intake.readers.labels import fields_from_blocks
from intake.rules import Rules

_NO_CONTENT_KINDS = ("auto_reply", "bounce", "not_submission")


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
        result.sender = Sender(name=parsed.from_name, email=parsed.from_email,
                               organisation_code=sender_council.code if sender_council else None)
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
        found = self._entries(parsed, ctx)
        result.submissions = found
        if result.sender.organisation_code is None and parsed.from_email:
            result.sender.organisation_code = self._shared_domain_council(parsed.from_email, found)
        result.warnings.extend(dict.fromkeys(ctx.warnings))
        if kind == "submission" and not found:
            result.kind = "not_submission"
        return result

    def _shared_domain_council(self, email: str, found: list[SubmissionEntry]) -> str | None:
        """A domain several councils share ('adur-worthing.gov.uk'): the one named first."""
        on_domain = {c.code for c in self.rules.gazetteer.councils_by_email(email)}
        named = [o.code for entry in found for o in entry.organisations if o.code in on_domain]
        return named[0] if named else None

    def _entries(self, parsed: ParsedMessage, ctx: entries.EntryContext) -> list[SubmissionEntry]:
        found: list[tuple[SubmissionEntry, dict[str, str], str]] = []
        body_fields = fields_from_blocks(_blocks(parsed.new_text), self.rules.form_fields)
        if entries.has_content(body_fields):
            found.append((entries.from_fields(body_fields, "body", ctx), body_fields, "body"))
        for attachment in parsed.attachments:
            source = f"attachment:{attachment.filename}"
            for row in attachment.rows:
                if entries.has_content(row):
                    found.append((entries.from_fields(row, source, ctx), row, source))
            if entries.has_content(attachment.fields):
                fields = attachment.fields
                found.append((entries.from_fields(fields, source, ctx), fields, source))
            elif not attachment.rows and attachment.text:
                entry = entries.from_prose(attachment.text, source, ctx)
                if entry is not None:
                    found.append((entry, {}, source))
        if not found:
            entry = entries.from_prose(parsed.new_text, "body", ctx)
            if entry is not None:
                found.append((entry, {}, "body"))
        for entry, fields, source in found:
            contact, contact_source = choose_contact(fields, parsed)
            entry.contact = contact
            entry.sources["contact"] = source if contact_source == "fields" else contact_source
        return [entry for entry, _fields, _source in found]

"""Contact: from labelled fields, else the signature, else the sender."""

import re

from intake.contract import Contact
from intake.messages import ParsedMessage

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_PHONE = re.compile(r"(?:\+44\s?|0)(?:\d[\s-]?){9,10}\d?")
_NAME = re.compile(r"^[A-Z][a-zA-Z'’-]+(?:\s+[A-Z][a-zA-Z'’-]+){1,3}$")
_SIGN_OFF = re.compile(
    r"^(?:kind|best|warm|many)?\s*(?:regards|wishes|thanks|thank you|cheers|sincerely)\b.*$",
    re.IGNORECASE,
)


def from_signature(signature: str) -> Contact:
    """The first line that looks like a person's name, and the first phone and address."""
    name = None
    for line in signature.splitlines():
        line = line.strip().strip(",")
        if not line or _SIGN_OFF.match(line) or line.startswith("--"):
            continue
        if _NAME.match(line):
            name = line
        break
    email = _EMAIL.search(signature) if "@" in signature else None  # a scan without '@' is slow
    phone = _PHONE.search(signature)
    return Contact(
        name=name,
        email=email[0] if email else None,
        phone=" ".join(phone[0].split()) if phone else None,
    )


def choose_contact(fields: dict[str, str], parsed: ParsedMessage) -> tuple[Contact, str]:
    """The contact and where it came from (``body``/attachment, ``signature`` or ``sender``)."""
    if fields.get("contact_name") or fields.get("contact_email"):
        email = _EMAIL.search(fields.get("contact_email", ""))
        phone = fields.get("contact_phone") or None
        return Contact(
            name=fields.get("contact_name") or None, email=email[0] if email else None, phone=phone
        ), "fields"
    signed = from_signature(parsed.signature)
    sender_name = parsed.from_name
    if signed.name and (not sender_name or _same_person(signed.name, sender_name)):
        return Contact(
            name=signed.name, email=signed.email or parsed.from_email, phone=signed.phone
        ), "signature"
    return Contact(name=sender_name, email=parsed.from_email, phone=signed.phone), "sender"


def _same_person(a: str, b: str) -> bool:
    words_a = {w.lower() for w in re.findall(r"\w+", a)}
    words_b = {w.lower() for w in re.findall(r"\w+", b)}
    return bool(words_a & words_b)

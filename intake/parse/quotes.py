"""Separating what the sender wrote now from quotes, signatures and forwarded mail.

Works on plain text, line by line (HTML has already become text, with
``<blockquote>`` as '> ' lines). Shapes recognised, from rules/kinds.yaml:

- quoted '>' lines, anywhere (bottom-posting and interleaved replies keep the
  unquoted lines between them as new text);
- 'On <date>, <name> wrote:' (over up to three wrapped lines): quoted below;
  when '>' lines follow it, only those are quoted;
- Outlook's '-----Original Message-----' and 'From: ... Sent: ...' blocks
  (perhaps under a '_____' rule): everything from there down is quoted;
- a signature: from a '-- ' line, or from a sign-off ('Kind regards') followed
  by a short block of name/title/council/phone lines; legal disclaimers and
  external-mail banners also leave the new text and join the signature, so the
  signer's name stays available to later stages.
"""

import re
from dataclasses import dataclass

from intake.extract.kinds import KindRules, QuoteRules
from intake.parse.linetest import line_test

_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")
_MAX_HEADER_LINES = 3  # an 'On ... wrote:' line wrapped by the mailer
_OUTLOOK_BLOCK_REACH = 4  # lines between 'From:' and 'Sent:'
_MAX_BLOCK_LINES = 15  # header lines of a forwarded message
_MAX_BANNER_LINES = 4


@dataclass
class Forward:
    """A forwarded message found in a body: the forwarder's note and what was forwarded."""

    note: str
    sender: str | None  # 'Name <address>', or what the From line held
    body: str


_BLANK_RUN = re.compile(r"\n{3,}")


def tidy(lines: list[str]) -> str:
    """Lines joined, trailing spaces and runs of blank lines removed."""
    text = "\n".join([line.rstrip() for line in lines])
    return _BLANK_RUN.sub("\n\n", text).strip("\n")


def unflow(text: str, delsp: bool = False) -> str:
    """Undo RFC 3676 format=flowed: a line ending in a space continues on the next
    line of the same quote depth ('-- ' excepted); space-stuffing is removed."""
    out: list[str] = []
    carry: tuple[int, str] | None = None  # a flowed line waiting for its continuation
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        body = line[depth:]
        body = body[1:] if body.startswith(" ") else body
        if carry is not None and carry[0] == depth:
            body = carry[1] + body
        elif carry is not None:
            out.append(_with_depth(*carry))
        carry = None
        if body.endswith(" ") and body != "-- ":
            carry = (depth, body[:-1] if delsp else body)
        else:
            out.append(_with_depth(depth, body))
    if carry is not None:
        out.append(_with_depth(*carry))
    return "\n".join(out)


def _with_depth(depth: int, body: str) -> str:
    return f"{'>' * depth} {body}" if depth else body


def _is_quoted(line: str) -> bool:
    return line.lstrip().startswith(">")


def _reply_header_span(lines: list[str], i: int, rules: QuoteRules) -> int:
    """How many lines an 'On <date>, <name> wrote:' header starting at ``i`` takes, or 0."""
    joined = ""
    for k in range(min(_MAX_HEADER_LINES, len(lines) - i)):
        line = lines[i + k].strip()
        if not line or line.startswith(">"):
            return 0
        joined = f"{joined} {line}".lstrip()
        if not line.endswith((":", "wrote")):
            continue
        if rules.reply_header.fullmatch(joined) and any(c.isdigit() for c in joined):
            return k + 1
    return 0


def _outlook_block_at(lines: list[str], i: int, rules: QuoteRules) -> bool:
    """A 'From:' line followed closely by a 'Sent:'/'Date:' line starts at ``i``."""
    if not line_test(rules.from_line, whole=True)(lines[i].strip()):
        return False
    reach = lines[i + 1 : i + 1 + _OUTLOOK_BLOCK_REACH]
    is_sent = line_test(rules.sent_line, whole=True)
    return any(is_sent(line.strip()) for line in reach)


def _next_filled(lines: list[str], i: int) -> int:
    while i < len(lines) and not lines[i].strip():
        i += 1
    return i


def _starts_earlier_message(lines: list[str], i: int, rules: QuoteRules) -> bool:
    """Line ``i`` opens an earlier message that runs to the end (Outlook style)."""
    line = lines[i].strip()
    if ":" not in line and not line.startswith(("-", "_")):
        return False
    if line_test(rules.separator, whole=True)(line) or _outlook_block_at(lines, i, rules):
        return True
    if line_test(rules.rule_line, whole=True)(line):
        j = _next_filled(lines, i + 1)
        return j < len(lines) and _outlook_block_at(lines, j, rules)
    return False


def split_quotes(lines: list[str], rules: QuoteRules) -> tuple[list[str], list[str]]:
    """(new lines, quoted lines) of a message body."""
    new: list[str] = []
    quoted: list[str] = []
    # every reply header ends a line with ':' or 'wrote': only near those is one sought
    ends = {j for j, line in enumerate(lines) if line.rstrip().endswith((":", "wrote"))}
    i = 0
    while i < len(lines):
        line = lines[i]
        # an earlier message opens on a line with a colon or a rule ('-----', '_____')
        could_open = ":" in line or line.lstrip()[:1] in ("-", "_")
        if could_open and _starts_earlier_message(lines, i, rules):
            quoted.extend(lines[i:])
            break
        near_end = bool(ends) and not ends.isdisjoint(range(i, i + _MAX_HEADER_LINES))
        span = _reply_header_span(lines, i, rules) if near_end else 0
        if span:
            j = _next_filled(lines, i + span)
            if j < len(lines) and _is_quoted(lines[j]):
                quoted.extend(lines[i:j])
                i = j
                continue
            quoted.extend(lines[i:])
            break
        (quoted if _is_quoted(lines[i]) else new).append(lines[i])
        i += 1
    return new, quoted


def _drop_banners(lines: list[str], rules: KindRules) -> tuple[list[str], list[str]]:
    """Remove external-mail banner paragraphs; returns (kept, banner lines)."""
    kept: list[str] = []
    banners: list[str] = []
    is_banner = line_test(rules.signature.banner, whole=False)
    i = 0
    while i < len(lines):
        if is_banner(lines[i].strip()):
            end = i
            while end < len(lines) and lines[end].strip() and end - i < _MAX_BANNER_LINES:
                end += 1
            banners.extend(lines[i:end])
            i = end
            continue
        kept.append(lines[i])
        i += 1
    return kept, banners


def _disclaimer_start(lines: list[str], rules: KindRules) -> int:
    sig = rules.signature
    first = max(0, len(lines) - sig.max_disclaimer_lines)
    is_disclaimer = line_test(sig.disclaimer, whole=False)
    for i in range(first, len(lines)):
        if is_disclaimer(lines[i].strip()):
            return i
    return len(lines)


def _sign_off_start(lines: list[str], stop: int, rules: KindRules) -> int | None:
    """The lowest sign-off line followed by a short name/title/phone block, or None."""
    sig = rules.signature
    block_lines = 0
    is_sign_off = line_test(sig.sign_off, whole=True)
    for i in range(stop - 1, -1, -1):
        line = lines[i].strip()
        if is_sign_off(line):
            return i
        if line:
            block_lines += 1
            if block_lines > sig.max_lines or len(line) > sig.max_line_length:
                return None
    return None


def split_signature(text: str, rules: KindRules) -> tuple[str, str]:
    """(text without signature, signature) where the signature keeps sign-off and notices."""
    lines, banners = _drop_banners(text.split("\n"), rules)
    end = _disclaimer_start(lines, rules)
    is_delimiter = line_test(rules.signature.delimiter_line, whole=True)
    stop = next((i for i in range(end - 1, -1, -1) if is_delimiter(lines[i])), end)  # the last
    sign_off = _sign_off_start(lines, stop, rules)
    start = sign_off if sign_off is not None else stop
    signature = [*lines[start:end], "", *lines[end:], "", *banners]
    return tidy(lines[:start]), tidy(signature)


def split_reply(text: str, rules: KindRules) -> tuple[str, str, str]:
    """(new text, quoted text, signature) of a message body."""
    lines = text.replace("\r\n", "\n").split("\n")
    new, quoted = split_quotes(lines, rules.quotes)
    body, signature = split_signature(tidy(new), rules)
    return body, tidy(quoted), signature


def sender_text(value: str) -> str | None:
    """'Name <address>' from a From line as mailers write it (also '[mailto:...]')."""
    found = _EMAIL.search(value)
    if not found:
        return value.strip(" \"'*") or None
    name = (value[: found.start()] + value[found.end() :]).replace("mailto:", "")
    name = re.sub(r"[<>\[\]()\"*]", " ", name).strip(" ,;'")
    name = re.sub(r"\s+", " ", name)
    address = found.group(0).lower()
    if not name:
        return address
    return f'"{name}" <{address}>' if re.search(r"[,;:@]", name) else f"{name} <{address}>"


def _header_block(lines: list[str], i: int, rules: QuoteRules) -> tuple[str | None, int]:
    """(sender, index after the block) of a forwarded header block starting at/after ``i``."""
    i = _next_filled(lines, i)
    if i < len(lines) and rules.rule_line.fullmatch(lines[i].strip()):
        i = _next_filled(lines, i + 1)
    sender: str | None = None
    end = i
    while end < len(lines) and lines[end].strip() and end - i < _MAX_BLOCK_LINES:
        line = lines[end].strip().lstrip("> ")
        found = rules.from_line.fullmatch(line)
        if found and sender is None:
            sender = sender_text(found.group(1) or "")
        elif end == i and not rules.any_label_line.fullmatch(line):
            break  # not a header block at all
        end += 1
    return sender, end


def find_forward(text: str, subject: str, rules: KindRules) -> Forward | None:
    """The first forwarded message in ``text``: after a marker line, or (under a
    'FW:' subject) at the first Outlook header block or '-----Original Message-----'."""
    lines = text.replace("\r\n", "\n").split("\n")
    by_subject = bool(rules.forwards.subject_prefix.match(subject.strip()))
    is_marker = line_test(rules.forwards.marker, whole=True)
    for i, line in enumerate(lines):
        if is_marker(line.strip()):
            head = i + 1
        elif by_subject and _starts_earlier_message(lines, i, rules.quotes):
            head = i + 1 if rules.quotes.separator.fullmatch(line.strip()) else i
        else:
            continue
        sender, end = _header_block(lines, head, rules.quotes)
        return Forward(note=tidy(lines[:i]), sender=sender, body=tidy(lines[end:]))
    return None

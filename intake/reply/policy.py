"""Reply policy: who gets which automatic reply, and who gets none (RFC 3834)."""

from dataclasses import dataclass

from intake.contract import ExtractResult
from intake.messages import ParsedMessage
from intake.reply import ReplyKind


@dataclass(frozen=True)
class ReplyDecision:
    kind: ReplyKind | None
    reason: str  # why this reply, or why none: kept in the event log


def reply_address(parsed: ParsedMessage) -> str | None:
    """Where a reply goes: Reply-To when the sender set one, else From."""
    reply_to = parsed.headers.get("reply-to", "")
    if "@" in reply_to:
        from email.utils import getaddresses

        for _name, address in getaddresses([reply_to]):
            if "@" in address:
                return address
    return parsed.from_email


def decide_reply(
    result: ExtractResult,
    *,
    automated_reason: str | None,
    to_address: str | None,
    replies_today: int,
    daily_cap: int,
) -> ReplyDecision:
    if automated_reason:
        return ReplyDecision(None, f"no reply: {automated_reason}")
    if result.kind != "submission":
        return ReplyDecision(None, f"no reply: kind {result.kind}")
    if not result.submissions:
        return ReplyDecision(None, "no reply: no arrangement found")
    if not to_address:
        return ReplyDecision(None, "no reply: no sender address")
    if replies_today >= daily_cap:
        return ReplyDecision(None, f"no reply: {daily_cap} automatic replies already sent today")
    if any(entry.missing for entry in result.submissions):
        return ReplyDecision("query", "something is missing")
    return ReplyDecision("acknowledgement", "complete")

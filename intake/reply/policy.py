"""Reply policy: who gets which automatic reply, and who gets none (RFC 3834).

The decision follows the contract's reply table, after the loop-safety checks
that apply to every message: automated mail, copies of a message already
handled, addresses that bounced, unverified senders (when so configured) and
the per-sender daily cap.
"""

import re
from dataclasses import dataclass, field
from email.utils import getaddresses

from intake.reply import ReplyKind

_AUTH_RESULT = re.compile(r"\b(spf|dkim|dmarc)\s*=\s*([a-z]+)", re.IGNORECASE)


@dataclass(frozen=True)
class ReplyDecision:
    kind: ReplyKind | None
    reason: str  # why this reply, or why none: kept in the event log


@dataclass(frozen=True)
class Situation:
    """What the pipeline learnt about one message, as far as the reply depends on it.

    ``outcome`` is what became of the message: 'created' (new submissions),
    'duplicate' (every arrangement already held), 'merged' (a follow-up that added
    facts), 'unchanged' (a follow-up that added nothing), 'unmatched' (a follow-up
    naming nothing we hold) or 'none' (nothing stored).
    """

    kind: str
    outcome: str
    still_missing: bool = False
    automated_reason: str | None = None
    copy_of_earlier: bool = False
    to_address: str | None = None
    suppressed: bool = False
    unverified: bool = False
    reply_to_unverified: bool = True
    replies_today: int = 0
    daily_cap: int = 5


def reply_address(headers: dict[str, str], from_email: str | None) -> str | None:
    """Where a reply goes: Reply-To when the sender set one, else From."""
    reply_to = headers.get("reply-to", "")
    for _name, address in getaddresses([reply_to]) if "@" in reply_to else []:
        if "@" in address:
            return address
    return from_email


def _loop_safety(s: Situation) -> str | None:
    """Why no automatic reply may go at all, whatever came in."""
    if s.automated_reason:
        return s.automated_reason
    if s.copy_of_earlier:
        return "a copy of a message already handled"
    if s.kind not in ("submission", "follow_up"):
        return f"kind {s.kind}"
    if not s.to_address:
        return "no sender address"
    if s.suppressed:
        return f"an earlier reply to {s.to_address} bounced"
    if s.unverified and not s.reply_to_unverified:
        return "unverified sender"
    if s.replies_today >= s.daily_cap:
        return f"{s.daily_cap} automatic replies already sent today"
    return None


def decide_reply(s: Situation) -> ReplyDecision:
    """The reply the contract's table gives ``s``, or None with the reason."""
    blocked = _loop_safety(s)
    if blocked:
        return ReplyDecision(None, f"no reply: {blocked}")
    if s.outcome == "duplicate":
        return ReplyDecision("duplicate", "arrangement already held")
    if s.outcome == "unchanged":
        return ReplyDecision(None, "no reply: the follow-up added nothing; passed to staff")
    if s.outcome == "unmatched":
        return ReplyDecision(None, "no reply: follow-up to nothing we hold")
    if s.outcome not in ("created", "merged"):
        return ReplyDecision(None, "no reply: no arrangement found")
    if s.still_missing:
        return ReplyDecision("query", "something is still missing")
    return ReplyDecision("acknowledgement", "complete")


@dataclass(frozen=True)
class SenderCheck:
    """What the receiving server said of the sender (RFC 8601), and our verdict."""

    results: dict[str, str] = field(default_factory=dict)  # 'spf' -> 'pass', ...
    public_sector: bool = False
    reasons: tuple[str, ...] = ()

    @property
    def unverified(self) -> bool:
        return bool(self.reasons)


def auth_results(header_value: str) -> dict[str, str]:
    """{'spf': 'pass', 'dkim': 'fail', 'dmarc': 'fail'} from Authentication-Results lines.

    A header is only as good as the server that added it; ours is the first (top)
    one, so the first verdict for each method wins over any forged lower down.
    """
    found: dict[str, str] = {}
    for line in header_value.split("\n"):
        for method, verdict in _AUTH_RESULT.findall(line):
            found.setdefault(method.lower(), verdict.lower())
    return found


def in_domains(address: str | None, domains: list[str]) -> bool:
    host = (address or "").rpartition("@")[2].strip().strip(">").lower()
    return any(host == d or host.endswith("." + d) for d in domains)


def check_sender(
    headers: dict[str, str], from_email: str | None, *, council_domain: bool,
    public_sector_domains: list[str],
) -> SenderCheck:  # fmt: skip
    """Unverified when DMARC fails, or the address is on no council or public-sector domain.

    ``council_domain``: the gazetteer knows the address's domain as a council's.
    """
    results = auth_results(headers.get("authentication-results", ""))
    public = council_domain or in_domains(from_email, public_sector_domains)
    reasons = []
    if results.get("dmarc") in ("fail", "permerror"):
        reasons.append(f"DMARC {results['dmarc']}")
    if not public:
        reasons.append(f"{from_email or 'no address'} is not a known public-sector address")
    return SenderCheck(results=results, public_sector=public, reasons=tuple(reasons))

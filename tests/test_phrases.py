"""PhraseMatcher's lower-cased twin finds exactly what the case-insensitive expression finds."""

import random
from email import message_from_bytes
from email.message import Message
from pathlib import Path

import pytest

from intake.extract.phrases import PhraseHit, PhraseMatcher
from intake.rules import Rules

ROOT = Path(__file__).resolve().parents[1]
RULES = Rules.load(ROOT / "rules")
MATCHERS = {
    "services (prose)": RULES.services._prose,
    "services (values)": RULES.services._values,
    "arrangement types": RULES.arrangements._types,
    "statuses": RULES.arrangements._statuses,
    "savings cues": RULES.arrangements.savings.cues,
    "savings periods": RULES.arrangements.savings.periods,
    "no savings": RULES.arrangements.savings.no_savings,
    "syntax": PhraseMatcher(
        {
            "span": ["over N years"],
            "once": ["one-off"],
            "annual": ["p.a.", "/year"],
            "it": ["IT", "R&B"],
            "naive": ["naïve"],
        },
        plurals=True,
    ),
}
TRICKY = [
    "IT", "it", "It", "iT", "ICT", "HR", "hr", "R&B", "r&b", "£", "é", "É", "ſ", "K", "İ",
    "ß", "’", "'", "–", "—", "-", "\u00a0", "over", "5", "five", "years", "one-off", "p.a.",
    "/year", "since", "FTE", "fte", "LATC", "JV", "jv", "naïve", "NAÏVE", "x", "X",
]  # fmt: skip


def _exact(matcher: PhraseMatcher, text: str) -> list[PhraseHit]:
    """What the case-insensitive expression alone finds."""
    hits = []
    for m in matcher._regex.finditer(text):
        label = matcher._label_of(m.group(), m.lastgroup in ("cs", "cs_"))
        hits.append(PhraseHit(m.start(), m.end(), label))
    return hits


def _body(path: Path) -> str:
    msg = message_from_bytes(path.read_bytes())
    part = next((p for p in msg.walk() if p.get_content_maintype() == "text"), Message())
    payload = part.get_payload(decode=True)
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def _texts() -> list[str]:
    bodies = [_body(p) for p in sorted((ROOT / "tests" / "data").glob("*.eml"))]
    words = " ".join(bodies).split() or ["shared"]
    rnd = random.Random(7)
    mixed = []
    for _ in range(400):
        n = rnd.randint(1, 30)
        parts = [rnd.choice(words) if rnd.random() < 0.7 else rnd.choice(TRICKY) for _ in range(n)]
        seps = [rnd.choice([" ", " ", "\n", "-", ", ", "", "'", "’", " – "]) for _ in range(n)]
        text = "".join(p + s for p, s in zip(parts, seps, strict=True))
        mixed.append(text.upper() if rnd.random() < 0.2 else text)
    return bodies + [b.upper() for b in bodies] + mixed + TRICKY


TEXTS = _texts()


@pytest.mark.parametrize("name", list(MATCHERS))
def test_twin_finds_what_the_exact_expression_finds(name: str) -> None:
    matcher = MATCHERS[name]
    assert matcher._twin is not None  # the fast path is taken for the project's phrases
    for text in TEXTS:
        assert list(matcher.finditer(text)) == _exact(matcher, text), text


def test_phrase_matching_a_plain_letter_ignoring_case_has_no_twin() -> None:
    # the Kelvin sign matches 'k' ignoring case: lower-cased text would miss it
    assert PhraseMatcher({"unit": ["5 \u212a"]})._twin is None
    assert PhraseMatcher({"possessive": ["'s"]})._twin is None


def test_cased_text_is_read_by_the_exact_expression() -> None:
    matcher = MATCHERS["syntax"]
    assert [h.label for h in matcher.finditer("NAÏVE IT it Naïve")] == ["naive", "it", "naive"]

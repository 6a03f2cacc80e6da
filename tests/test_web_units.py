"""Small pieces of the web app, as one-line specifications."""

from datetime import UTC, datetime, timedelta

import pytest

from intake.web.auth import SessionCodec, WebSession
from intake.web.decisions import text_to_html
from intake.web.pages import age, label, money, when
from intake.web.routes.signin import _safe_next

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/submissions/3", "/submissions/3"),
        ("/queue?status=failed", "/queue?status=failed"),
        ("https://evil.example/", "/queue"),
        ("//evil.example/", "/queue"),
        ("/\\evil.example", "/queue"),
        ("", "/queue"),
        (None, "/queue"),
    ],
)
def test_sign_in_only_returns_to_this_site(target: str | None, expected: str) -> None:
    assert _safe_next(target) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [(350000, "£350,000"), (0, "£0"), (None, ""), (1234567.4, "£1,234,567")],
)
def test_money(value: int | float | None, expected: str) -> None:
    assert money(value) == expected


AREA_WORDS = {"revenues_benefits": "revenues and benefits", "ict": "ICT and digital"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("revenues_benefits", "Revenues and benefits"), ("ict", "ICT and digital"),
     ("awaiting_council", "Awaiting council"), ("one_off", "One off"), ("", ""), (None, "")],
)  # fmt: skip
def test_label(value: str | None, expected: str) -> None:
    assert label(value, AREA_WORDS) == expected


@pytest.mark.parametrize(
    ("ago", "expected"),
    [(timedelta(minutes=5), "5 min"), (timedelta(hours=30), "30 h"), (timedelta(days=9), "9 days")],
)
def test_age(ago: timedelta, expected: str) -> None:
    assert age(NOW - ago, NOW) == expected


def test_a_naive_time_from_sqlite_reads_as_utc() -> None:
    assert when(datetime(2026, 12, 4, 9, 5)) == "04 Dec 2026 09:05 UTC"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Hello,\n\nThanks.", "<p>Hello,</p><p>Thanks.</p>"),
        ("a <b>\nline", "<p>a &lt;b&gt;<br>line</p>"),
    ],
)
def test_written_reply_text_becomes_escaped_html(text: str, expected: str) -> None:
    assert expected in text_to_html(text)


@pytest.mark.parametrize(
    "cookie",
    [None, "", "garbage", "eyJzaWQiOiJ4In0.forged.signature"],
)
def test_a_missing_or_forged_session_cookie_gives_a_fresh_anonymous_session(
    cookie: str | None,
) -> None:
    session = SessionCodec("secret", 3600).loads(cookie)
    assert session.account_id is None and session.changed


def test_a_session_cookie_reads_back_and_another_secret_refuses_it() -> None:
    cookie = SessionCodec("secret", 3600).dumps(WebSession(sid="abc", account_id=7))
    assert SessionCodec("secret", 3600).loads(cookie) == WebSession(sid="abc", account_id=7)
    assert SessionCodec("other", 3600).loads(cookie).account_id is None

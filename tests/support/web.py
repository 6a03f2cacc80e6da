"""The web app over a real migrated database, seeded by the real pipeline."""

import logging
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from functools import cache
from pathlib import Path

from fastapi import FastAPI
from fastapi.testclient import TestClient

from intake.app import App
from intake.config import Settings
from intake.db import make_engine
from intake.messages import RawMessage
from intake.rules import Rules
from intake.web.accounts import add_account, configure_hashing
from intake.web.app import create_app
from intake.web.auth import SignInPolicy

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
REVIEWER = "rev@lga.gov.uk"
ADMIN = "admin@lga.gov.uk"
NO_DELAY = SignInPolicy(first_delay_seconds=0, max_delay_seconds=0, lock_after_failures=50)


configure_hashing(time_cost=1, memory_kib=1024)  # fast tests; the default cost is 0.3 s


@cache
def shared_rules() -> Rules:
    """The rules, loaded once for all tests (loading takes most of a second)."""
    return Rules.load(ROOT / "rules")


def make_settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings.model_validate(
        {
            "database": {"url": db_url},
            "inbox": {"maildir": str(tmp_path / "inbox")},
            "outbox": {"maildir": str(tmp_path / "outbox")},
            "web": {"session_secret": "test-secret-not-for-production"},
            "rules_dir": str(ROOT / "rules"),
            "templates_dir": str(ROOT / "templates"),
        }
    )


@dataclass
class WebEnv:
    intake: App
    api: FastAPI
    uid: int = 0

    def ingest(self, data: bytes) -> int:
        """Record ``data`` in the ledger and run the pipeline on it; the ledger id."""
        self.uid += 1
        raw = RawMessage(
            mailbox="test",
            folder="INBOX",
            uidvalidity=1,
            uid=self.uid,
            key=str(self.uid),
            data=data,
        )
        recorded = self.intake.ledger.record(raw)
        self.intake.pipeline.process(recorded.id)
        return recorded.id

    def client(self) -> TestClient:
        return TestClient(self.api, base_url="http://127.0.0.1:8000")


def build_env(db_url: str, tmp_path: Path) -> WebEnv:
    settings = make_settings(db_url, tmp_path)
    intake = App(settings=settings, engine=make_engine(db_url), rules=shared_rules())
    add_account(intake.engine, REVIEWER, "reviewer", PASSWORD)
    add_account(intake.engine, ADMIN, "admin", PASSWORD)
    api = create_app(intake)
    api.state.web.policy = NO_DELAY
    return WebEnv(intake, api)


def open_env(db_url: str, tmp_path: Path) -> Iterator[WebEnv]:
    """For a module's fixture: the web app over ``db_url``, disposed of afterwards."""
    env = build_env(db_url, tmp_path)
    yield env
    env.intake.engine.dispose()


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


def sign_in(client: TestClient, email: str = REVIEWER, password: str = PASSWORD) -> str:
    """Sign ``client`` in; the CSRF token of the signed-in session."""
    token = csrf_of(client.get("/sign-in").text)
    response = client.post(
        "/sign-in",
        data={"email": email, "password": password, "csrf_token": token, "next": "/queue"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return csrf_of(client.get("/queue").text)


def council_email(
    n: int,
    *,
    lead: str = "Cheltenham Borough Council",
    partner: str = "Cotswold District Council",
    service: str = "waste collection",
    savings: str | None = "£350,000 a year",
    domain: str = "cheltenham.gov.uk",
    subject: str | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    """A labelled-lines submission, as a council officer writes one."""
    lines = [
        "Dear colleagues,",
        "",
        f"Details of our shared {service} arrangement (case {n}).",
        "",
        f"Lead council: {lead}",
        f"Partner councils: {partner}",
        f"Service area: {service}",
        *([f"Savings: {savings}"] if savings else []),
        f"Description: A single {service} team has served both councils since 2014, "
        "with one manager and shared systems.",
        "",
        "Kind regards,",
        "Jo Bloggs",
    ]
    msg = EmailMessage()
    msg["From"] = f"Jo Bloggs <jo.bloggs{n}@{domain}>"
    msg["To"] = "sharedservices@local.gov.uk"
    msg["Subject"] = subject or f"Shared service example: {service} ({n})"
    msg["Date"] = format_datetime(datetime(2026, 11, 2, 9, n % 60, tzinfo=UTC))
    msg["Message-ID"] = make_msgid(idstring=f"web{n}", domain=domain)
    msg.set_content("\n".join(lines))
    if attachment is not None:
        name, data = attachment
        msg.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return bytes(msg)


PAYLOAD = (
    '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned=2"><b id="bold">BOLD</b>'
)


def payload_email() -> bytes:
    """A submission whose subject, text and HTML carry script and markup payloads."""
    msg = EmailMessage()
    msg["From"] = "Mallory <mallory@cheltenham.gov.uk>"
    msg["To"] = "sharedservices@local.gov.uk"
    msg["Subject"] = f"Shared service {PAYLOAD}"
    msg["Date"] = format_datetime(datetime(2026, 11, 3, 9, 0, tzinfo=UTC))
    msg["Message-ID"] = make_msgid(idstring="payload", domain="cheltenham.gov.uk")
    text = (
        f"Lead council: Cheltenham Borough Council\nPartner councils: Cotswold District Council\n"
        f"Service area: waste collection\nSavings: £10,000 a year\n"
        f"Description: {PAYLOAD} shared waste team for both councils since 2015.\n"
    )
    msg.set_content(text)
    msg.add_alternative(
        f"<html><body><p>Lead council: Cheltenham Borough Council</p>{PAYLOAD}"
        f'<iframe src="https://example.org/"></iframe><a href="javascript:alert(1)">x</a>'
        f"</body></html>",
        subtype="html",
    )
    return bytes(msg)


@contextmanager
def kept_logging() -> Iterator[None]:
    """Run ``intake.cli.main`` in-process without leaving its handler on pytest's stderr."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    try:
        yield
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)

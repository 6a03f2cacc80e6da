"""The web app over a real migrated database, seeded by the real pipeline."""

import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from intake.app import App
from intake.config import Settings
from intake.messages import RawMessage
from intake.web.accounts import add_account
from intake.web.app import create_app
from intake.web.auth import SignInPolicy

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "correct horse battery"
REVIEWER = "rev@lga.gov.uk"
ADMIN = "admin@lga.gov.uk"
NO_DELAY = SignInPolicy(first_delay_seconds=0, max_delay_seconds=0, lock_after_failures=50)


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
    intake = App.build(make_settings(db_url, tmp_path))
    add_account(intake.engine, REVIEWER, "reviewer", PASSWORD)
    add_account(intake.engine, ADMIN, "admin", PASSWORD)
    api = create_app(intake)
    api.state.web.policy = NO_DELAY
    return WebEnv(intake, api)


@pytest.fixture
def web_env(sqlite_url: str, tmp_path: Path) -> Iterator[WebEnv]:
    env = build_env(sqlite_url, tmp_path)
    yield env
    env.intake.engine.dispose()


@pytest.fixture
def web_env_any(db_url: str, tmp_path: Path) -> Iterator[WebEnv]:
    """The same on SQLite and PostgreSQL."""
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

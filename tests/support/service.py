"""Running the real ``intake`` command against test servers, and reading what it stored."""

import os
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import func, select
from sqlmodel import Session

from intake.db import make_engine
from intake.store import MailboxCursor, MessageRecord, Reply, Submission
from tests.support.dovecot import ImapAccount
from tests.support.smtp import SmtpTestServer

PROJECT = Path(__file__).resolve().parents[2]
INTAKE = [sys.executable, "-m", "intake.cli"]


def write_config(
    tmp_path: Path,
    *,
    db_url: str,
    imap: ImapAccount | None = None,
    smtp: SmtpTestServer | None = None,
    **sections: dict[str, Any],
) -> Path:
    """A service.yaml for one test: IMAP and SMTP when given, else the Maildir defaults."""
    config: dict[str, Any] = {
        "database": {"url": db_url},
        "inbox": {"backend": "imap" if imap else "maildir", "maildir": str(tmp_path / "inbox")},
        "outbox": {
            "transport": "smtp" if smtp else "maildir",
            "maildir": str(tmp_path / "outbox"),
            "send_interval_seconds": 1,
            "backoff_seconds": 0.2,
            "stale_claim_seconds": 3,
            "per_sender_daily_cap": 1000,
        },
        "poll": {"interval_seconds": 30},
        "web": {"enabled": False},
        "logging": {"format": "json", "level": "INFO"},
        "rules_dir": str(PROJECT / "rules"),
        "templates_dir": str(PROJECT / "templates"),
    }
    if imap:
        config["imap"] = {
            "host": imap.host,
            "port": imap.port,
            "security": "plain",
            "username": imap.username,
            "password": imap.password,
            "batch_size": 50,
            "timeout_seconds": 10,
        }
    if smtp:
        config["smtp"] = {
            "host": smtp.host,
            "port": smtp.port,
            "security": "plain",
            "timeout_seconds": 10,
        }
    for name, values in sections.items():
        config.setdefault(name, {}).update(values)
    path = tmp_path / "service.yaml"
    path.write_text(yaml.safe_dump(config), encoding="utf-8")
    return path


def run_cli(config: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*INTAKE, "--config", str(config), *args],
        cwd=PROJECT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )


def start_service(config: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [*INTAKE, "--config", str(config), "run"],
            cwd=PROJECT,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def wait_for(
    predicate: Callable[[], bool], timeout: float, what: str, interval: float = 0.1
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout}s waiting for {what}")


class Store:
    """Counts read straight from the service's database."""

    def __init__(self, db_url: str) -> None:
        self.engine = make_engine(db_url)

    def count(self, model: Any, *where: Any) -> int:
        with Session(self.engine) as session:
            return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)

    def messages(self, state: str | None = None) -> int:
        return self.count(MessageRecord, *([MessageRecord.state == state] if state else []))

    def submissions(self) -> int:
        return self.count(Submission)

    def replies(self, state: str | None = None) -> int:
        return self.count(Reply, *([Reply.state == state] if state else []))

    def reply_kinds(self) -> Counter[str]:
        with Session(self.engine) as session:
            return Counter(session.scalars(select(Reply.kind)).all())

    def count_polls(self) -> int:
        return self.count(MailboxCursor, MailboxCursor.last_poll_at.is_not(None))  # type: ignore[union-attr]

    def reply_senders(self) -> list[str]:
        """Which instance sent each reply (its claim), to see work shared out."""
        with Session(self.engine) as session:
            return [str(c) for c in session.scalars(select(Reply.claimed_by)).all()]

    def message_rows(self) -> list[MessageRecord]:
        with Session(self.engine) as session:
            return list(session.scalars(select(MessageRecord).order_by(MessageRecord.id)).all())

    def close(self) -> None:
        self.engine.dispose()

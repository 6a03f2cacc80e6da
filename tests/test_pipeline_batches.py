"""Messages are stored and processed in batches: one failure, one copy, one repeat at a time."""

import os
import signal
import subprocess
import threading
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlmodel import Session, col

from intake.app import App
from intake.config import load_settings
from intake.db import make_engine, upgrade
from intake.handling import Handler
from intake.locks import hold_store_stage
from intake.messages import RawMessage
from intake.rules import Rules
from intake.store import Event, MailboxCursor, MessageRecord, RawBlob, Reply, Submission
from tests.support.mail import submission_email
from tests.support.service import INTAKE, PROJECT, wait_for, write_config


@pytest.fixture(scope="module")
def rules() -> Rules:
    return Rules.load(PROJECT / "rules")


def make_app(tmp_path: Path, db_url: str, rules: Rules, batch_size: int = 100) -> App:
    config = write_config(tmp_path, db_url=db_url,
                          poll={"interval_seconds": 30, "batch_size": batch_size})  # fmt: skip
    return App(settings=load_settings(config, {}), engine=make_engine(db_url), rules=rules)


def drop(app: App, messages: list[bytes]) -> None:
    inbox = app.settings.inbox.maildir
    for sub in ("tmp", "new", "cur"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    for n, data in enumerate(messages):
        (inbox / "new" / f"{n:04d}.eml").write_bytes(data)


def count(app: App, table: type, **where: object) -> int:
    with Session(app.engine) as session:
        query = select(func.count()).select_from(table)
        for name, value in where.items():
            query = query.where(getattr(table, name) == value)
        return int(session.execute(query).scalar_one())


def raw(uid: int | None, data: bytes, uidvalidity: int = 7) -> RawMessage:
    return RawMessage(mailbox="imap:test", folder="INBOX", uidvalidity=uidvalidity, uid=uid,
                      key=str(uid), data=data)  # fmt: skip


def test_a_batch_is_recorded_once_with_repeats_recognised(
    tmp_path: Path, db_url: str, rules: Rules
) -> None:
    """GIVEN a batch holding a repeat of its own message, and then the batch again WHEN
    recorded THEN each message once, the repeat pointing at the first, the cursor at the top."""
    app = make_app(tmp_path, db_url, rules)
    one, two = submission_email(1, seed=4), submission_email(2, seed=4)
    first = app.ledger.record_many([raw(10, one), raw(11, two), raw(12, one)])
    assert [r.is_new for r in first] == [True, True, False]
    assert first[2].id == first[0].id and first[0].id != first[1].id
    again = app.ledger.record_many([raw(10, one), raw(11, two), raw(13, two)])
    assert [r.is_new for r in again] == [False, False, False]
    assert [r.id for r in again] == [first[0].id, first[1].id, first[1].id]
    assert count(app, MessageRecord) == 2 and count(app, RawBlob) == 2
    assert count(app, Event, action="received") == 2
    with Session(app.engine) as session:
        cursor = session.get(MailboxCursor, ("imap:test", "INBOX"))
        assert cursor is not None and (cursor.uidvalidity, cursor.last_uid) == (7, 13)


def test_a_store_failure_fails_only_its_own_message(
    tmp_path: Path, db_url: str, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a chunk whose third message breaks the store stage WHEN polled THEN that one is
    failed with the reason, the others processed and answered once, nothing doubled."""
    app = make_app(tmp_path, db_url, rules, batch_size=5)
    messages = [submission_email(i, seed=5) for i in range(7)]
    drop(app, messages)
    handle = Handler.handle

    def breaks_on_the_third(self: Handler, session: Session, row: MessageRecord,
                            *args: object) -> object:  # fmt: skip
        if row.id == 3:
            raise RuntimeError("disk on fire")
        return handle(self, session, row, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(Handler, "handle", breaks_on_the_third)
    report = app.poll()
    assert (report.processed, report.failed) == (6, 1)
    with Session(app.engine) as session:
        failed = session.get(MessageRecord, 3)
        assert failed is not None and failed.state == "failed"
        assert failed.reason == "RuntimeError: disk on fire"
    assert count(app, Submission) == 6 and count(app, Reply) == 6
    assert count(app, Event, action="processed") == 6 and count(app, Event, action="failed") == 1
    monkeypatch.undo()
    assert app.pipeline.replay(3) is not None
    assert count(app, Submission) == 7 and count(app, Reply) == 7


def test_a_copy_in_the_same_chunk_is_seen_as_a_copy(
    tmp_path: Path, db_url: str, rules: Rules
) -> None:
    """GIVEN one e-mail delivered twice (new Message-ID, same words) in one chunk WHEN polled
    THEN one submission and one reply: the second is a copy of the first."""
    app = make_app(tmp_path, db_url, rules)
    original = submission_email(1, seed=6)
    resent = original.replace(b"Message-ID: <", b"Message-ID: <again-", 1)
    assert resent != original
    drop(app, [original, resent, submission_email(2, seed=6)])
    assert app.poll().processed == 3
    assert count(app, Submission) == 2 and count(app, Reply) == 2


def spy_on_workers(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many messages each task handed to the workers held, from now on."""
    sizes: list[int] = []
    submit = ProcessPoolExecutor.submit

    def counting(self: ProcessPoolExecutor, fn: Any, *args: Any) -> Any:
        sizes.append(len(args[0]))
        return submit(self, fn, *args)

    monkeypatch.setattr(ProcessPoolExecutor, "submit", counting)
    return sizes


def test_workers_parse_what_this_process_would(
    tmp_path: Path, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN the same mail polled with parse/extract workers and without WHEN compared THEN
    the same messages, submissions and replies (and the workers really ran)."""
    stored = {}
    spy: list[int] = []
    mail = [submission_email(i, seed=7, complete=i % 3 != 0) for i in range(10)]
    for workers in (0, 1):
        root = tmp_path / f"w{workers}"
        url = f"sqlite:///{root}/intake.db"
        upgrade(url)
        poll = {"interval_seconds": 30, "batch_size": 4, "workers": workers, "workers_from": 2}
        config = write_config(root, db_url=url, poll=poll)
        app = App(settings=load_settings(config, {}), engine=make_engine(url), rules=rules)
        drop(app, mail)
        pool = app.pipeline.pool
        assert pool is not None
        try:
            if workers:
                wait_for(pool._ready, 60, "the workers to load the rules")
                spy = spy_on_workers(monkeypatch)
            assert app.poll().processed == 10
            assert sum(spy) == (10 if workers else 0)  # every message went to the workers
        finally:
            pool.close()
        with Session(app.engine) as session:
            stored[workers] = [
                (m.extract, m.content_hash, m.state)
                for m in session.scalars(select(MessageRecord).order_by(col(MessageRecord.id)))
            ]
        assert count(app, Submission) == 10 and count(app, Reply) == 10
    assert stored[0] == stored[1]


def test_on_postgresql_one_instance_at_a_time_stores(
    tmp_path: Path, postgres_url: str, rules: Rules
) -> None:
    """GIVEN another instance in the store stage WHEN a poll has mail THEN it parses, then
    waits for the other to commit before looking for duplicates and storing."""
    app = make_app(tmp_path, postgres_url, rules)
    drop(app, [submission_email(i, seed=8) for i in range(3)])
    other = make_engine(postgres_url)
    with Session(other) as rival:
        hold_store_stage(rival)
        polling = threading.Thread(target=app.poll)
        polling.start()
        polling.join(timeout=3)
        assert polling.is_alive() and count(app, Submission) == 0
        rival.commit()  # the rival's transaction ends, and its hold with it
    polling.join(timeout=30)
    assert not polling.is_alive() and count(app, Submission) == 3
    other.dispose()


def _workers_marked(mark: str) -> list[int]:
    """Worker processes whose environment carries ``mark``."""
    found = []
    for proc in Path("/proc").iterdir():
        try:
            if b"spawn_main" in (proc / "cmdline").read_bytes() and (
                mark.encode() in (proc / "environ").read_bytes()
            ):
                found.append(int(proc.name))
        except (OSError, ValueError):
            continue
    return found


def test_a_killed_service_leaves_no_worker_behind(tmp_path: Path, rules: Rules) -> None:
    """GIVEN a poll whose worker has started WHEN the service is killed (kill -9) THEN the
    worker leaves too, instead of waiting for work forever."""
    url = f"sqlite:///{tmp_path}/intake.db"
    upgrade(url)
    drop(make_app(tmp_path, url, rules), [submission_email(i, seed=9) for i in range(60)])
    poll = {"interval_seconds": 30, "batch_size": 10, "workers": 1, "workers_from": 5}
    config = write_config(tmp_path, db_url=url, poll=poll)
    mark = f"INTAKE_TEST_MARK={tmp_path.name}"
    env = {**os.environ, "INTAKE_CRASH_AT": "ledger.recorded:4", mark.split("=")[0]: tmp_path.name}
    crashed = subprocess.run([*INTAKE, "--config", str(config), "poll", "--once"],
                             env=env, capture_output=True, timeout=120, check=False)  # fmt: skip
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr
    assert b"starting 1 parse/extract worker" in crashed.stderr
    wait_for(lambda: not _workers_marked(mark), 10, "the orphaned worker to leave")

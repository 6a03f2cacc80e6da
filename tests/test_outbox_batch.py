"""The outbox delivers in batches: each reply once, after crashes, errors and beside a rival."""

import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta
from pathlib import Path
from types import TracebackType
from typing import Self

import pytest
from sqlalchemy import func, select, update
from sqlmodel import Session

from intake.app import App
from intake.config import load_settings
from intake.db import make_engine
from intake.errors import DeliveryError
from intake.reply import ReplyContext
from intake.reply.maildir import MaildirTransport
from intake.reply.outbox import BATCH_SIZE, Outbox
from intake.reply.transport import Envelope
from intake.rules import Rules
from intake.store import Event, Reply, table_of, utcnow
from tests.support.mail import submission_email
from tests.support.service import INTAKE, PROJECT, write_config

SENDER = "sharedservices@local.gov.uk"


@pytest.fixture(scope="module")
def rules() -> Rules:
    return Rules.load(PROJECT / "rules")


def make_app(tmp_path: Path, db_url: str, rules: Rules, **outbox: object) -> App:
    """An app on ``db_url`` whose inbox and outbox are Maildirs under ``tmp_path``."""
    config = write_config(tmp_path, db_url=db_url, outbox=dict(outbox))
    settings = load_settings(config, {})
    return App(settings=settings, engine=make_engine(db_url), rules=rules)


def enqueue(app: App, count: int) -> list[str]:
    """``count`` pending replies (one real message polled in, answered ``count`` times);
    their Message-IDs."""
    inbox = app.settings.inbox.maildir
    for sub in ("tmp", "new", "cur"):
        (inbox / sub).mkdir(parents=True, exist_ok=True)
    (inbox / "new" / "1.eml").write_bytes(submission_email(1, seed=3))
    assert app.poll().processed == 1
    reply = table_of(Reply).c
    with Session(app.engine) as session:
        message_id = session.execute(select(reply.message_id)).scalar_one()
        for n in range(count - 1):
            app.outbox.enqueue(session, answers_message_id=message_id, submission_id=None,
                               to=f"officer{n}@adur-worthing.gov.uk", in_reply_to=None,
                               references=[],
                               ctx=ReplyContext(kind="acknowledgement",
                                                reference=f"SS-2026-{n:05d}"))  # fmt: skip
        session.commit()
        return list(session.execute(select(reply.header_message_id)).scalars())


def states(app: App) -> Counter[str]:
    with Session(app.engine) as session:
        return Counter(session.execute(select(table_of(Reply).c.state)).scalars())


def sent_events(app: App) -> Counter[str]:
    event = table_of(Event).c
    with Session(app.engine) as session:
        details = session.execute(select(event.detail).where(event.action == "reply_sent"))
        return Counter(detail["reply"] for detail in details.scalars())


def outbox_ids(app: App) -> Counter[str]:
    """The Message-ID of every file in the Maildir outbox."""
    new = app.settings.outbox.maildir / "new"
    ids = Counter[str]()
    for path in new.iterdir():
        for line in path.read_bytes().splitlines():
            if line.lower().startswith(b"message-id:"):
                ids[line.partition(b":")[2].strip().decode()] += 1
    return ids


class Recording:
    """A transport that remembers what it delivered (idempotent or not, as asked)."""

    def __init__(self, log: list[str], *, idempotent: bool, pause: float = 0.0,
                 fail_at: int | None = None) -> None:  # fmt: skip
        self.idempotent = idempotent
        self.log, self.pause, self.fail_at = log, pause, fail_at
        self.lock = threading.Lock()

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:  # fmt: skip
        pass

    def deliver(self, data: bytes, sender: str, recipients: list[str]) -> None:
        if self.fail_at is not None and len(self.log) + 1 == self.fail_at:
            raise RuntimeError("transport bug")
        time.sleep(self.pause)
        name = MaildirTransport.file_name(data)
        with self.lock:
            self.log.append(name)

    def deliver_many(self, messages: Sequence[Envelope]) -> list[DeliveryError | None]:
        for message in messages:
            self.deliver(*message)
        return [None] * len(messages)


def names(ids: list[str]) -> set[str]:
    return {MaildirTransport.file_name(f"Message-ID: {i}\r\n\r\n".encode()) for i in ids}


def test_many_replies_go_out_in_batches_each_once(
    tmp_path: Path, db_url: str, rules: Rules
) -> None:
    """GIVEN more replies than one batch WHEN sent to the Maildir THEN one file and one
    'sent' event each, and a second run finds nothing to do."""
    app = make_app(tmp_path, db_url, rules)
    ids = enqueue(app, BATCH_SIZE + 30)
    report = app.send()
    assert (report.sent, report.retrying, report.failed) == (len(ids), 0, 0)
    assert outbox_ids(app) == Counter(ids)
    assert sent_events(app) == Counter(ids)
    assert states(app) == Counter({"sent": len(ids)})
    assert not list((app.settings.outbox.maildir / "tmp").iterdir())
    assert app.send().sent == 0


def test_limit_is_respected_across_batches(tmp_path: Path, sqlite_url: str, rules: Rules) -> None:
    app = make_app(tmp_path, sqlite_url, rules)
    enqueue(app, 12)
    with MaildirTransport(app.settings.outbox.maildir) as transport:
        assert app.outbox.send_due(transport, "a", limit=5).sent == 5
    assert states(app) == Counter({"sent": 5, "pending": 7})


@pytest.mark.parametrize("idempotent", [True, False])
def test_two_senders_on_postgresql_deliver_each_reply_once(
    tmp_path: Path, postgres_url: str, rules: Rules, idempotent: bool,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """GIVEN many small batches' worth of replies WHEN two instances send at once (each with
    its own connections, so their claims race) THEN every reply is delivered exactly once,
    and both took a share."""
    monkeypatch.setattr("intake.reply.outbox.BATCH_SIZE", 7)
    app = make_app(tmp_path, postgres_url, rules)
    ids = enqueue(app, 300)
    delivered: dict[str, list[str]] = {"a": [], "b": []}
    start = threading.Barrier(2)

    def sender(instance: str) -> None:
        outbox = Outbox(make_engine(postgres_url), app.settings.outbox, app.outbox.renderer)
        # a short pause a delivery, so that neither sender can drain the outbox alone
        transport = Recording(delivered[instance], idempotent=idempotent, pause=0.002)
        start.wait()
        outbox.send_due(transport, instance)

    threads = [threading.Thread(target=sender, args=(name,)) for name in delivered]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    both = Counter(delivered["a"] + delivered["b"])
    assert set(both) == names(ids) and set(both.values()) == {1}
    assert delivered["a"] and delivered["b"]
    assert states(app) == Counter({"sent": len(ids)})
    assert sent_events(app) == Counter(ids)


def test_an_error_mid_batch_releases_the_rest_and_each_goes_out_once(
    tmp_path: Path, db_url: str, rules: Rules
) -> None:
    """GIVEN a transport that breaks on the 3rd reply of a batch WHEN sending THEN the two
    before are sent, the ones after are due again at once, the broken one after its claim
    goes stale; in the end every reply is delivered once."""
    app = make_app(tmp_path, db_url, rules)
    ids = enqueue(app, 10)
    log: list[str] = []
    with pytest.raises(RuntimeError):
        app.outbox.send_due(Recording(log, idempotent=False, fail_at=3), "a")
    assert states(app) == Counter({"sent": 2, "sending": 1, "pending": 7})
    attempts = table_of(Reply).c.attempts
    with Session(app.engine) as session:  # released claims count no attempt
        assert Counter(session.execute(select(attempts)).scalars()) == Counter({1: 3, 0: 7})
    assert app.outbox.send_due(Recording(log, idempotent=False), "b").sent == 7
    assert states(app)["sending"] == 1  # its fate is unknown until the claim goes stale
    reply = table_of(Reply).c
    with app.engine.begin() as conn:
        conn.execute(update(table_of(Reply)).where(reply.state == "sending")
                     .values(claimed_at=utcnow() - timedelta(hours=1)))  # fmt: skip
    assert app.outbox.send_due(Recording(log, idempotent=False), "b").sent == 1
    assert Counter(log) == Counter(names(ids)) and len(log) == len(ids)


def test_an_error_in_an_idempotent_batch_offers_it_all_again(
    tmp_path: Path, sqlite_url: str, rules: Rules
) -> None:
    app = make_app(tmp_path, sqlite_url, rules)
    ids = enqueue(app, 10)
    log: list[str] = []
    with pytest.raises(RuntimeError):
        app.outbox.send_due(Recording(log, idempotent=True, fail_at=4), "a")
    assert states(app) == Counter({"pending": 10})
    assert app.send().sent == 10
    assert outbox_ids(app) == Counter(ids) and sent_events(app) == Counter(ids)


def test_claims_near_going_stale_are_released_not_kept(
    tmp_path: Path, sqlite_url: str, rules: Rules, monkeypatch: pytest.MonkeyPatch
) -> None:
    """GIVEN a slow server WHEN a batch outlasts half the stale time THEN the rest of the
    batch is given back and claimed afresh, so no other sender could take a claim in use."""
    app = make_app(tmp_path, sqlite_url, rules, stale_claim_seconds=1)
    ids = enqueue(app, 6)
    claims: list[int] = []
    claim = Outbox._claim

    def counted(self: Outbox, instance: str, size: int) -> list:  # type: ignore[type-arg]
        batch = claim(self, instance, size)
        claims.append(len(batch))
        return batch

    monkeypatch.setattr(Outbox, "_claim", counted)
    log: list[str] = []
    assert app.outbox.send_due(Recording(log, idempotent=False, pause=0.2), "a").sent == 6
    batches = [size for size in claims if size]  # the last claim finds nothing
    assert batches[0] == 6 and len(batches) >= 2  # 3 deliveries at most fit in 0.5 s
    assert Counter(log) == Counter(names(ids)) and len(log) == len(ids)
    with Session(app.engine) as session:
        assert set(session.execute(select(table_of(Reply).c.attempts)).scalars()) == {1}


def _send_and_die(config: Path, point: str) -> None:
    crashed = subprocess.run(
        [*INTAKE, "--config", str(config), "send"],
        cwd=PROJECT,
        env={**os.environ, "INTAKE_CRASH_AT": point},
        capture_output=True,
        timeout=120,
        check=False,
    )
    assert crashed.returncode == -signal.SIGKILL, crashed.stderr


@pytest.mark.slow
@pytest.mark.parametrize("point", ["outbox.claimed:7", "outbox.delivered:4"])
def test_a_crash_mid_batch_to_the_maildir_writes_each_reply_once(
    tmp_path: Path, sqlite_url: str, rules: Rules, point: str
) -> None:
    """GIVEN `intake send` killed -9 inside a batch (claimed, or written but not recorded)
    WHEN run again after the claims go stale THEN every reply is in the outbox once, files
    already written are left as they are, and each is recorded sent once."""
    app = make_app(tmp_path, sqlite_url, rules)
    ids = enqueue(app, 12)
    config = tmp_path / "service.yaml"
    _send_and_die(config, point)
    new = app.settings.outbox.maildir / "new"
    before = {p.name: p.stat().st_ino for p in new.iterdir()} if new.exists() else {}
    assert len(before) == (len(ids) if point.startswith("outbox.delivered") else 0)
    assert states(app) == Counter({"sending": len(ids)})
    time.sleep(3.2)  # stale_claim_seconds: 3
    again = subprocess.run([*INTAKE, "--config", str(config), "send"], cwd=PROJECT,
                           capture_output=True, timeout=120, check=False)  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert outbox_ids(app) == Counter(ids)
    assert before == {p.name: p.stat().st_ino for p in new.iterdir() if p.name in before}
    assert sent_events(app) == Counter(ids)
    assert states(app) == Counter({"sent": len(ids)})
    event = table_of(Event).c
    with Session(app.engine) as session:
        count = session.execute(select(func.count()).where(event.action == "reply_sent"))
        assert count.scalar() == len(ids)

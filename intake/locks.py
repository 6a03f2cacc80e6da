"""One poller per mailbox, and one store stage at a time, across processes and machines.

Overlapping polls of one mailbox are a classic source of duplicates, so a poll
runs only while holding this lock. On PostgreSQL it is a session advisory lock
on a connection kept for the poll; on SQLite (one machine by design) it is an
exclusive ``flock`` on a file beside the database. Both vanish with the process,
so a crash never leaves a stale lock behind.
"""

import fcntl
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlmodel import Session

STORE_STAGE = "intake:store-stage"


def _lock_key(name: str) -> int:
    # A stable signed 64-bit key for pg_try_advisory_lock.
    return int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "big", signed=True)


@contextmanager
def mailbox_lock(engine: Engine, name: str) -> Iterator[bool]:
    """Yield True when this process holds the lock for ``name``, False if another does."""
    if engine.dialect.name == "postgresql":
        with engine.connect() as conn:
            key = _lock_key(name)
            got = bool(conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar())
            conn.commit()
            try:
                yield got
            finally:
                if got:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        return
    database = make_url(str(engine.url)).database or ""
    base = Path(database).parent if database and database != ":memory:" else Path("var")
    lock_dir = base / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    path = lock_dir / f"{hashlib.sha256(name.encode()).hexdigest()[:16]}.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def hold_store_stage(session: Session) -> None:
    """On PostgreSQL, wait until no other instance is in the store stage, then hold it to the
    end of this transaction.

    Two instances storing the two partner councils' copies of one arrangement at the same
    instant would each find no duplicate of its own and both create a record; in turn, the
    second sees the first. Parsing, extraction and sending stay parallel. SQLite is one
    instance by design, and its writes are serialised by the database itself.
    """
    if session.get_bind().dialect.name == "postgresql":
        key = _lock_key(STORE_STAGE)
        session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": key})

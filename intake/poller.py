"""One poll of one mailbox: fetch what is new, store it, process it, mark it done."""

import logging
import time
from collections.abc import Iterator
from itertools import islice

from pydantic import BaseModel
from sqlalchemy import Engine

from intake.errors import MailboxError
from intake.ledger import Ledger
from intake.locks import mailbox_lock
from intake.mailbox.base import Mailbox
from intake.messages import RawMessage
from intake.pipeline import Outcome, Pipeline, Started

log = logging.getLogger("intake.poller")


class PollReport(BaseModel):
    mailbox: str
    skipped: bool = False  # another poller holds this mailbox
    fetched: int = 0
    new: int = 0
    processed: int = 0
    failed: int = 0
    error: str | None = None
    seconds: float = 0.0


def poll_once(mailbox: Mailbox, ledger: Ledger, pipeline: Pipeline, engine: Engine, *,
              batch_size: int = 100) -> PollReport:  # fmt: skip
    """Never raises for a mailbox problem: it is logged, recorded, and the next poll retries.

    Each batch is stored (one transaction) before any of it is parsed, then processed,
    then marked done in the mailbox; a batch is parsed while the one before it is stored.
    """
    started = time.perf_counter()
    report = PollReport(mailbox=mailbox.name)
    with mailbox_lock(engine, mailbox.name) as held:
        if not held:
            report.skipped = True
            return report
        _count(report, pipeline.process_pending())  # left behind by a crash
        try:
            mailbox.connect()
            try:
                _fetch_and_process(report, mailbox, ledger, pipeline, batch_size)
            finally:
                mailbox.close()
        except MailboxError as e:
            report.error = str(e)
            log.error("poll failed", extra={"mailbox": mailbox.name, "error": str(e)})
        ledger.mark_poll(mailbox.name, mailbox.folder, error=report.error)
    report.seconds = round(time.perf_counter() - started, 3)
    log.info("poll done", extra=report.model_dump())
    return report


def _fetch_and_process(report: PollReport, mailbox: Mailbox, ledger: Ledger,
                       pipeline: Pipeline, batch_size: int) -> None:  # fmt: skip
    cursor = ledger.cursor(mailbox.name, mailbox.folder)
    fetched = mailbox.fetch_new(cursor.uidvalidity, cursor.last_uid)
    previous: tuple[Started, list[RawMessage]] | None = None
    try:
        for batch in _batches(fetched, batch_size):
            report.fetched += len(batch)
            recorded = ledger.record_many(batch)
            new = {r.id: raw.data for r, raw in zip(recorded, batch, strict=True) if r.is_new}
            report.new += len(new)
            parsing = pipeline.start(list(new), new)  # parse this batch ...
            if previous is not None:  # ... while the one before is stored
                _finish(report, mailbox, pipeline, *previous)
            previous = (parsing, batch)
    finally:
        if previous is not None:
            _finish(report, mailbox, pipeline, *previous)


def _finish(report: PollReport, mailbox: Mailbox, pipeline: Pipeline, started: Started,
            batch: list[RawMessage]) -> None:  # fmt: skip
    _count(report, pipeline.finish(started))
    for raw in batch:
        mailbox.mark_done(raw)


def _count(report: PollReport, outcomes: list[Outcome]) -> None:
    report.processed += sum(o.state == "processed" for o in outcomes)
    report.failed += sum(o.state != "processed" for o in outcomes)


def _batches(messages: Iterator[RawMessage], size: int) -> Iterator[list[RawMessage]]:
    """Lists of up to ``size`` messages (``fetch_new`` yields what the folder holds now)."""
    while batch := list(islice(messages, size)):
        yield batch

"""One poll of one mailbox: fetch what is new, store it, process it, mark it done."""

import logging
import time

from pydantic import BaseModel
from sqlalchemy import Engine

from intake.errors import MailboxError
from intake.ledger import Ledger
from intake.locks import mailbox_lock
from intake.mailbox.base import Mailbox
from intake.pipeline import Pipeline

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


def poll_once(mailbox: Mailbox, ledger: Ledger, pipeline: Pipeline, engine: Engine) -> PollReport:
    """Never raises for a mailbox problem: it is logged, recorded, and the next poll retries."""
    started = time.perf_counter()
    report = PollReport(mailbox=mailbox.name)
    with mailbox_lock(engine, mailbox.name) as held:
        if not held:
            report.skipped = True
            return report
        for pending in pipeline.process_pending():  # left behind by a crash
            report.processed += pending.state == "processed"
            report.failed += pending.state != "processed"
        try:
            mailbox.connect()
            try:
                cursor = ledger.cursor(mailbox.name, mailbox.folder)
                for raw in mailbox.fetch_new(cursor.uidvalidity, cursor.last_uid):
                    report.fetched += 1
                    recorded = ledger.record(raw)
                    if recorded.is_new:
                        report.new += 1
                        outcome = pipeline.process(recorded.id)
                        if outcome is not None:
                            report.processed += outcome.state == "processed"
                            report.failed += outcome.state != "processed"
                    mailbox.mark_done(raw)
            finally:
                mailbox.close()
        except MailboxError as e:
            report.error = str(e)
            log.error("poll failed", extra={"mailbox": mailbox.name, "error": str(e)})
        ledger.mark_poll(mailbox.name, mailbox.folder, error=report.error)
    report.seconds = round(time.perf_counter() - started, 3)
    log.info("poll done", extra=report.model_dump())
    return report

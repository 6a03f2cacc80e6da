"""The running service: scheduled polls and sends, an IDLE watcher, clean shutdown.

APScheduler runs two jobs, each with ``max_instances=1`` so a slow poll is never
overlapped by the next one (across processes the mailbox lock does the same).
The watcher holds its own IMAP connection in IDLE and, when the server announces
mail, brings the poll forward to now; the interval poll stays as the fallback.
"""

import contextlib
import logging
import signal
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from types import FrameType

from apscheduler.executors.pool import ThreadPoolExecutor
from apscheduler.schedulers.background import BackgroundScheduler

from intake.app import App
from intake.errors import MailboxError
from intake.web.health import observe_poll
from intake.web.server import serve_in_thread

log = logging.getLogger("intake.service")


class Service:
    def __init__(self, app: App) -> None:
        self.app = app
        self.stopping = threading.Event()
        self.stop_web: Callable[[], None] | None = None
        self.scheduler = BackgroundScheduler(
            executors={"default": ThreadPoolExecutor(2)}, timezone=UTC
        )

    def _poll_job(self) -> None:
        report = self.app.poll()
        observe_poll(report.seconds)
        self._run_now("send")  # replies go out seconds after their message came in

    def _send_job(self) -> None:
        self.app.send()

    def _run_now(self, job_id: str) -> None:
        job = self.scheduler.get_job(job_id)
        if job is not None and not self.stopping.is_set():
            job.modify(next_run_time=datetime.now(UTC))

    def _watch(self) -> None:
        """Wait for new mail with IDLE; reconnect with backoff when the link drops."""
        backoff = 1.0
        while not self.stopping.is_set():
            mailbox = self.app.mailbox()
            try:
                mailbox.connect()
                backoff = 1.0
                while not self.stopping.is_set():
                    renew = float(self.app.settings.imap.idle_renew_seconds)
                    if mailbox.wait_for_new(min(renew, 5.0)):
                        self._run_now("poll")
            except MailboxError as e:
                log.warning(
                    "idle watcher reconnecting", extra={"error": str(e), "retry_in_s": backoff}
                )
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 300.0)
            finally:
                with contextlib.suppress(MailboxError):
                    mailbox.close()

    def start(self) -> None:
        interval = self.app.settings.poll.interval_seconds
        now = datetime.now(UTC)
        self.scheduler.add_job(
            self._poll_job,
            "interval",
            seconds=interval,
            id="poll",
            max_instances=1,
            coalesce=True,
            next_run_time=now,
        )
        # The first send follows the first poll (which triggers it), not both at once.
        self.scheduler.add_job(
            self._send_job,
            "interval",
            seconds=self.app.settings.outbox.send_interval_seconds,
            id="send",
            max_instances=1,
            coalesce=True,
        )
        self.scheduler.start()
        if self.app.settings.web.enabled:
            self.stop_web = serve_in_thread(self.app)
        if self._wants_watcher():
            threading.Thread(target=self._watch, name="idle-watcher", daemon=True).start()
        log.info(
            "service started",
            extra={
                "instance": self.app.instance,
                "inbox": self.app.settings.inbox.backend,
                "poll_interval_s": interval,
            },
        )

    def _wants_watcher(self) -> bool:
        s = self.app.settings
        return s.inbox.backend == "maildir" or (s.inbox.backend == "imap" and s.imap.idle)

    def stop(self) -> None:
        if self.stopping.is_set():
            return
        self.stopping.set()
        self.scheduler.shutdown(wait=True)  # lets a running poll finish its message
        if self.stop_web is not None:
            self.stop_web()
        self.app.pipeline.pool.close()
        log.info("service stopped", extra={"instance": self.app.instance})

    def run_forever(self) -> None:
        requested = threading.Event()

        def on_signal(signum: int, _frame: FrameType | None) -> None:
            log.info("shutdown requested", extra={"signal": signal.Signals(signum).name})
            requested.set()

        signal.signal(signal.SIGTERM, on_signal)
        signal.signal(signal.SIGINT, on_signal)
        self.start()
        requested.wait()
        self.stop()

"""The service's own health: for /healthz, /metrics and the dashboard."""

import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select, text
from sqlmodel import Session, col

from intake.app import App
from intake.store import MailboxCursor, MessageRecord, Reply, Submission
from intake.web.queue import OPEN_STATES


@dataclass
class PollTimings:
    """Poll durations seen by this process (``intake run`` calls ``observe_poll``)."""

    count: int = 0
    total_seconds: float = 0.0
    last_seconds: float | None = None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def observe(self, seconds: float) -> None:
        with self.lock:
            self.count += 1
            self.total_seconds += seconds
            self.last_seconds = seconds


# One per process, like any metrics registry: the scheduler and the web app share it.
POLL_TIMINGS = PollTimings()


def observe_poll(seconds: float) -> None:
    """Record one poll's duration for /metrics (``intake_poll_duration_seconds``)."""
    POLL_TIMINGS.observe(seconds)


@dataclass
class Health:
    database: bool
    mailbox: bool
    last_poll: datetime | None
    last_error: str | None
    messages: dict[str, int] = field(default_factory=dict)
    replies: dict[str, int] = field(default_factory=dict)
    queue_size: int = 0
    oldest_open: datetime | None = None

    @property
    def ok(self) -> bool:
        return self.database and self.mailbox


def _aware(at: datetime | None) -> datetime | None:
    return at.replace(tzinfo=UTC) if at is not None and at.tzinfo is None else at


def _counts(session: Session, column: object) -> dict[str, int]:
    rows = session.execute(select(column, func.count()).group_by(column)).all()  # type: ignore[call-overload]
    return {str(k): int(v) for k, v in rows}


def check(app: App, now: datetime | None = None) -> Health:
    """Database reachable; mailbox reachable judged by the last poll (an error, or too long ago)."""
    now = now or datetime.now(UTC)
    try:
        with Session(app.engine) as session:
            session.execute(text("SELECT 1"))
            cursors = session.scalars(select(MailboxCursor)).all()
            health = Health(True, False, None, None)
            health.messages = _counts(session, MessageRecord.state)
            health.replies = _counts(session, Reply.state)
            health.queue_size = int(
                session.scalar(
                    select(func.count())
                    .select_from(Submission)
                    .where(col(Submission.review_state).in_(OPEN_STATES))
                )
                or 0
            )
            health.oldest_open = _aware(
                session.scalar(
                    select(func.min(Submission.created_at)).where(
                        col(Submission.review_state).in_(OPEN_STATES)
                    )
                )
            )
    except Exception as e:  # unreachable database: say so rather than fail
        return Health(False, False, None, f"database: {type(e).__name__}")
    polls = [_aware(c.last_success_at) for c in cursors if c.last_success_at]
    health.last_poll = max((p for p in polls if p), default=None)
    health.last_error = next((c.last_error for c in cursors if c.last_error), None)
    stale = timedelta(seconds=max(300, app.settings.poll.interval_seconds * 5))
    health.mailbox = (
        health.last_poll is not None and now - health.last_poll <= stale and not health.last_error
    )
    return health


def metrics_text(health: Health, now: datetime | None = None) -> str:
    """Prometheus text exposition format (version 0.0.4)."""
    now = now or datetime.now(UTC)
    last_poll = health.last_poll.timestamp() if health.last_poll else 0
    lines = [
        "# HELP intake_up Whether the database is reachable (1) or not (0).",
        "# TYPE intake_up gauge",
        f"intake_up {int(health.database)}",
        "# HELP intake_mailbox_ok Whether the last poll succeeded recently.",
        "# TYPE intake_mailbox_ok gauge",
        f"intake_mailbox_ok {int(health.mailbox)}",
        "# HELP intake_messages Messages in the ledger by state.",
        "# TYPE intake_messages gauge",
        *(f'intake_messages{{state="{k}"}} {v}' for k, v in sorted(health.messages.items())),
        "# HELP intake_replies Replies in the outbox by state (sent, failed, pending).",
        "# TYPE intake_replies gauge",
        *(f'intake_replies{{state="{k}"}} {v}' for k, v in sorted(health.replies.items())),
        "# HELP intake_queue_size Submissions waiting for staff.",
        "# TYPE intake_queue_size gauge",
        f"intake_queue_size {health.queue_size}",
        "# HELP intake_queue_oldest_age_seconds Age of the oldest open submission.",
        "# TYPE intake_queue_oldest_age_seconds gauge",
        f"intake_queue_oldest_age_seconds {_age(health.oldest_open, now)}",
        "# HELP intake_last_poll_success_timestamp_seconds When a poll last succeeded.",
        "# TYPE intake_last_poll_success_timestamp_seconds gauge",
        f"intake_last_poll_success_timestamp_seconds {last_poll}",
        *_poll_lines(POLL_TIMINGS),
    ]
    return "\n".join(lines) + "\n"


def _poll_lines(timings: PollTimings) -> list[str]:
    with timings.lock:
        count, total, last = timings.count, timings.total_seconds, timings.last_seconds
    lines = [
        "# HELP intake_poll_duration_seconds How long mailbox polls took in this process.",
        "# TYPE intake_poll_duration_seconds summary",
        f"intake_poll_duration_seconds_sum {round(total, 3)}",
        f"intake_poll_duration_seconds_count {count}",
    ]
    if last is not None:
        lines += [
            "# HELP intake_last_poll_duration_seconds How long the latest poll took.",
            "# TYPE intake_last_poll_duration_seconds gauge",
            f"intake_last_poll_duration_seconds {round(last, 3)}",
        ]
    return lines


def _age(at: datetime | None, now: datetime) -> float:
    return round((now - at).total_seconds(), 1) if at else 0.0

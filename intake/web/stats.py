"""Headline figures for the dashboard, and the intake's own health over recent days.

Savings are summed only within one basis and one period: achieved and expected
are shown apart, and annual, cumulative and one-off amounts are never added
together (an annual saving and a total to date are different quantities).
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import Engine, func, select
from sqlmodel import Session, col

from intake.app import App
from intake.store import MessageRecord, Reply
from intake.web.exports import SAVING_COLUMNS, Arrangement, published
from intake.web.health import Health, check


@dataclass
class Bar:
    label: str
    value: int


@dataclass
class Headline:
    partnerships: int
    savings: dict[str, int]  # SAVING_COLUMNS -> total within that basis and period
    by_region: list[Bar] = field(default_factory=list)
    by_area: list[Bar] = field(default_factory=list)
    by_year: list[Bar] = field(default_factory=list)
    savings_by_region: list[Bar] = field(default_factory=list)  # achieved, annual only


@dataclass
class IntakeHealth:
    health: Health
    messages_per_day: list[Bar]
    replies_per_day: list[Bar]
    failed_messages: int
    failed_replies: int


def _bars(counts: Counter[str], sort_by_label: bool = False) -> list[Bar]:
    items = sorted(counts.items()) if sort_by_label else counts.most_common()
    return [Bar(k, v) for k, v in items]


def headline(items: list[Arrangement]) -> Headline:
    regions: Counter[str] = Counter()
    areas: Counter[str] = Counter()
    years: Counter[str] = Counter()
    region_savings: Counter[str] = Counter()
    savings = dict.fromkeys(SAVING_COLUMNS, 0)
    for item in items:
        row = item.row
        for name in SAVING_COLUMNS:
            savings[name] += row[name] or 0
        item_regions = [r for r in (row["regions"] or "").split("; ") if r]
        regions.update(item_regions)  # an arrangement counts once in each region it spans
        for r in item_regions:
            region_savings[r] += row["savings_achieved_annual"] or 0  # counted in each
        areas.update(a for a in (row["service_areas"] or "").split("; ") if a)
        years[str(row["start_year"] or "not known")] += 1
    return Headline(
        len(items), savings, _bars(regions), _bars(areas), _bars(years, True), _bars(region_savings)
    )


def _per_day(engine: Engine, column: object, days: int, today: date) -> list[Bar]:
    since = datetime.combine(today - timedelta(days=days - 1), datetime.min.time(), UTC)
    with Session(engine) as session:
        stamps = session.scalars(select(column).where(column >= since)).all()  # type: ignore[call-overload, operator]
    counts = Counter(s.date().isoformat() for s in stamps if s is not None)
    return [
        Bar(
            (today - timedelta(days=n)).isoformat()[5:],
            counts.get((today - timedelta(days=n)).isoformat(), 0),
        )
        for n in range(days - 1, -1, -1)
    ]


def intake_health(app: App, days: int = 14) -> IntakeHealth:
    today = datetime.now(UTC).date()
    with Session(app.engine) as session:
        failed = session.scalar(
            select(func.count())
            .select_from(MessageRecord)
            .where(col(MessageRecord.state).in_(("failed", "quarantined")))
        )
        failed_replies = session.scalar(
            select(func.count()).select_from(Reply).where(col(Reply.state) == "failed")
        )
    return IntakeHealth(
        check(app),
        _per_day(app.engine, MessageRecord.received_at, days, today),
        _per_day(app.engine, Reply.sent_at, days, today),
        int(failed or 0),
        int(failed_replies or 0),
    )


def dashboard(app: App) -> tuple[Headline, IntakeHealth]:
    return headline(published(app.engine, app.rules.gazetteer)), intake_health(app)

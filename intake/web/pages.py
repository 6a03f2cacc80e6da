"""Template filters: how dates, money, ages and codes read on the pages."""

from datetime import UTC, datetime, timedelta

import jinja2


def when(value: datetime | None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:  # SQLite hands back naive UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%d %b %Y %H:%M UTC")


def money(value: int | float | None) -> str:
    return "" if value is None else f"£{value:,.0f}"


def label(value: str | None) -> str:
    """``revenues_benefits`` -> ``Revenues benefits``."""
    return "" if not value else value.replace("_", " ").capitalize()


def age(value: datetime | None, now: datetime | None = None) -> str:
    if value is None:
        return ""
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = (now or datetime.now(UTC)) - value
    if delta < timedelta(hours=1):
        return f"{max(0, int(delta.total_seconds() // 60))} min"
    if delta < timedelta(days=2):
        return f"{int(delta.total_seconds() // 3600)} h"
    return f"{delta.days} days"


def register_filters(env: jinja2.Environment) -> None:
    env.filters.update(when=when, money=money, label=label, age=age)

"""Template filters: how dates, money, ages and codes read on the pages."""

from collections.abc import Mapping
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


def label(value: str | None, words: Mapping[str, str] | None = None) -> str:
    """A code as words: a service area as the replies word it (``revenues_benefits`` ->
    ``Revenues and benefits``), anything else from its code (``one_off`` -> ``One off``)."""
    if not value:
        return ""
    worded = (words or {}).get(value)
    if worded:
        return worded[0].upper() + worded[1:]
    return value.replace("_", " ").capitalize()


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


def register_filters(env: jinja2.Environment, area_words: Mapping[str, str]) -> None:
    """``area_words``: service-area slug -> words, from rules/replies.yaml."""
    env.filters.update(when=when, money=money, age=age,
                       label=lambda value: label(value, area_words))  # fmt: skip

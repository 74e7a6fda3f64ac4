"""rate(...) and cron(...) expressions and their next fire times."""

from __future__ import annotations

import datetime

import pytest

from local.runner.schedule_expressions import (
    Cron,
    Rate,
    ScheduleExpressionError,
    parse_schedule,
)

UTC = datetime.UTC


def at(text: str) -> datetime.datetime:
    return datetime.datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "seconds"),
    [
        ("rate(1 minute)", 60),
        ("rate(5 minutes)", 300),
        ("rate(2 hours)", 7200),
        ("rate(1 day)", 86400),
    ],
)
def test_rate(expression: str, seconds: int) -> None:
    schedule = parse_schedule(expression)
    assert schedule == Rate(seconds)
    started = at("2026-01-01T00:00:00")
    assert schedule.next_after(started, started) == started + datetime.timedelta(seconds=seconds)
    later = started + datetime.timedelta(seconds=seconds * 2.5)
    assert schedule.next_after(later, started) == started + datetime.timedelta(seconds=seconds * 3)


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(0 12 * * ? *)", "2026-03-04T11:59:30", "2026-03-04T12:00:00"),
        ("cron(0 12 * * ? *)", "2026-03-04T12:00:00", "2026-03-05T12:00:00"),
        ("cron(*/15 * * * ? *)", "2026-03-04T10:07:00", "2026-03-04T10:15:00"),
        ("cron(0 9 ? * MON-FRI *)", "2026-03-06T10:00:00", "2026-03-09T09:00:00"),  # Fri -> Mon
        ("cron(0 9 ? * 1 *)", "2026-03-04T00:00:00", "2026-03-08T09:00:00"),  # 1 = Sunday
        ("cron(30 2 1 JAN,JUL ? *)", "2026-03-04T00:00:00", "2026-07-01T02:30:00"),
        ("cron(0 0 L * ? *)", "2026-02-10T00:00:00", "2026-02-28T00:00:00"),
        ("cron(0 0 1 1 ? 2028)", "2026-02-10T00:00:00", "2028-01-01T00:00:00"),
    ],
)
def test_cron_next_fire(expression: str, after: str, expected: str) -> None:
    schedule = parse_schedule(expression)
    assert isinstance(schedule, Cron)
    assert schedule.next_after(at(after), at(after)) == at(expected)


def test_cron_in_a_time_zone() -> None:
    schedule = parse_schedule("cron(0 9 * * ? *)", timezone="Europe/Oslo")
    assert schedule.next_after(at("2026-01-10T00:00:00"), at("2026-01-10T00:00:00")) == at(
        "2026-01-10T08:00:00"
    )


@pytest.mark.parametrize(
    "expression",
    [
        "rate(0 minutes)",
        "rate(5 weeks)",
        "every 5 minutes",
        "cron(0 12 * * *)",
        "cron(0 12 * * * *)",  # neither day field is '?'
        "cron(0 12 ? * ? *)",  # both are
        "cron(61 12 * * ? *)",
        "cron(0 12 15W * ? *)",
        "cron(0 12 ? * 6#3 *)",
    ],
)
def test_invalid_expressions(expression: str) -> None:
    with pytest.raises(ScheduleExpressionError):
        parse_schedule(expression)

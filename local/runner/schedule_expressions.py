"""EventBridge schedule expressions: `rate(5 minutes)` and `cron(0 12 * * ? *)`.

Cron has six fields, as in EventBridge: minutes, hours, day-of-month, month,
day-of-week (1-7 = SUN-SAT, or SUN-SAT), year; one of day-of-month and day-of-week must
be `?`. Supported: `*`, `?`, values, names, ranges `a-b`, steps `*/n` and `a-b/n`, lists,
`L` (last day of the month). `W` and `#` are refused with a clear message.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from typing import Final
from zoneinfo import ZoneInfo

_RATE: Final = re.compile(r"^rate\(\s*(\d+)\s+(minute|minutes|hour|hours|day|days)\s*\)$")
_CRON: Final = re.compile(r"^cron\((.*)\)$")
_UNITS: Final = {"minute": 60, "hour": 3600, "day": 86400}
_MONTHS: Final = {name.upper(): i for i, name in enumerate(calendar.month_abbr) if name}
_DAYS: Final = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
# How far ahead a cron expression is searched before it is declared never to fire.
_SEARCH_YEARS: Final = 5


class ScheduleExpressionError(ValueError):
    pass


@dataclass(frozen=True)
class Rate:
    seconds: int

    def next_after(
        self, moment: datetime.datetime, started: datetime.datetime
    ) -> datetime.datetime:
        """The first fire time after `moment`: every `seconds` counted from `started`."""
        elapsed = (moment - started).total_seconds()
        periods = int(elapsed // self.seconds) + 1
        return started + datetime.timedelta(seconds=periods * self.seconds)


@dataclass(frozen=True)
class Cron:
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int] | None  # None: `?`
    last_day_of_month: bool
    months: frozenset[int]
    days_of_week: frozenset[int] | None  # 1-7 = SUN-SAT; None: `?`
    years: frozenset[int] | None  # None: every year
    timezone: str = "UTC"

    def next_after(
        self, moment: datetime.datetime, started: datetime.datetime
    ) -> datetime.datetime:
        """The first whole minute strictly after `moment` that matches, in UTC."""
        zone = ZoneInfo(self.timezone)
        local = moment.astimezone(zone).replace(second=0, microsecond=0) + datetime.timedelta(
            minutes=1
        )
        limit = local.year + _SEARCH_YEARS
        while local.year <= limit:
            if self.years is not None and local.year not in self.years:
                local = local.replace(year=local.year + 1, month=1, day=1, hour=0, minute=0)
                continue
            if local.month not in self.months or not self._day_matches(local):
                local = (local + datetime.timedelta(days=1)).replace(hour=0, minute=0)
                continue
            if local.hour not in self.hours:
                local = (local + datetime.timedelta(hours=1)).replace(minute=0)
                continue
            if local.minute not in self.minutes:
                local += datetime.timedelta(minutes=1)
                continue
            return local.astimezone(datetime.UTC)
        raise ScheduleExpressionError("the cron expression never fires")

    def _day_matches(self, day: datetime.datetime) -> bool:
        if self.days_of_week is not None:
            # Python: Monday=0 .. Sunday=6; EventBridge: Sunday=1 .. Saturday=7.
            return (day.weekday() + 1) % 7 + 1 in self.days_of_week
        if self.last_day_of_month:
            return day.day == calendar.monthrange(day.year, day.month)[1]
        return self.days_of_month is None or day.day in self.days_of_month


Schedule = Rate | Cron


def parse_schedule(expression: str, *, timezone: str = "UTC") -> Schedule:
    text = expression.strip()
    rate = _RATE.match(text)
    if rate:
        value, unit = int(rate.group(1)), rate.group(2).rstrip("s")
        if value < 1:
            raise ScheduleExpressionError(f"{expression}: the rate must be at least 1")
        return Rate(value * _UNITS[unit])
    cron = _CRON.match(text)
    if cron is None:
        raise ScheduleExpressionError(f"{expression!r} is neither rate(...) nor cron(...)")
    fields = cron.group(1).split()
    if len(fields) != 6:
        raise ScheduleExpressionError(f"{expression}: cron needs 6 fields, got {len(fields)}")
    minutes, hours, dom, months, dow, years = fields
    if (dom == "?") == (dow == "?"):
        raise ScheduleExpressionError(
            f"{expression}: exactly one of day-of-month and day-of-week must be '?'"
        )
    try:
        ZoneInfo(timezone)
    except (KeyError, ValueError) as error:
        raise ScheduleExpressionError(f"unknown time zone {timezone!r}") from error
    return Cron(
        minutes=_field(minutes, 0, 59, {}, expression),
        hours=_field(hours, 0, 23, {}, expression),
        days_of_month=None if dom in ("?", "L") else _field(dom, 1, 31, {}, expression),
        last_day_of_month=dom == "L",
        months=_field(months, 1, 12, _MONTHS, expression),
        days_of_week=None if dow == "?" else _field(dow, 1, 7, _DAYS, expression),
        years=None if years in ("*", "?") else _field(years, 1970, 2199, {}, expression),
        timezone=timezone,
    )


def _field(
    text: str, low: int, high: int, names: dict[str, int], expression: str
) -> frozenset[int]:
    values: set[int] = set()
    for part in text.split(","):
        base, _, step_text = part.partition("/")
        step = int(step_text) if step_text else 1
        if base in ("*", "?"):
            start, end = low, high
        elif "-" in base:
            first, _, last = base.partition("-")
            start, end = _value(first, names, expression), _value(last, names, expression)
        else:
            start = _value(base, names, expression)
            end = high if step_text else start
        if not low <= start <= high or not low <= end <= high or start > end or step < 1:
            raise ScheduleExpressionError(f"{expression}: {part!r} is out of range {low}-{high}")
        values.update(range(start, end + 1, step))
    return frozenset(values)


def _value(text: str, names: dict[str, int], expression: str) -> int:
    upper = text.upper()
    if upper in names:
        return names[upper]
    if not text.isdigit():
        raise ScheduleExpressionError(
            f"{expression}: {text!r} is not a value (W, # and L offsets are not supported)"
        )
    return int(text)

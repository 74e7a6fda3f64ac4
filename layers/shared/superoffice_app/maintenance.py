"""SuperOffice Online's documented maintenance windows.

SuperOffice publishes its windows in UTC+1 with a fixed offset (no daylight saving), so
they are modelled as weekly recurring intervals in that offset. During a window requests
may fail; callers defer work rather than lose it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta, timezone

SUPEROFFICE_TIME = timezone(timedelta(hours=1), "UTC+1")

# Python's weekday(): Monday == 0.
MONDAY, TUESDAY, WEDNESDAY, THURSDAY, FRIDAY, SATURDAY, SUNDAY = range(7)
EVERY_DAY = frozenset(range(7))


@dataclass(frozen=True)
class MaintenanceWindow:
    """A window that opens at `start` on each of `weekdays` and lasts `duration`."""

    name: str
    weekdays: frozenset[int]
    start: time
    duration: timedelta

    def __post_init__(self) -> None:
        if not self.weekdays or not self.weekdays <= EVERY_DAY:
            raise ValueError(f"maintenance window {self.name!r}: weekdays must be within 0..6")
        if not timedelta(0) < self.duration <= timedelta(days=7):
            raise ValueError(f"maintenance window {self.name!r}: duration must be 1s..7 days")

    def contains(self, moment: datetime) -> bool:
        """True when `moment` (timezone-aware) falls inside an opening of this window."""
        local = _as_superoffice_time(moment)
        # An opening that started up to `duration` ago may still be open, so look back as
        # many days as the window can last.
        days_back = self.duration.days + 1
        for back in range(days_back + 1):
            day = local.date() - timedelta(days=back)
            if day.weekday() not in self.weekdays:
                continue
            opens = datetime.combine(day, self.start, tzinfo=SUPEROFFICE_TIME)
            if opens <= local < opens + self.duration:
                return True
        return False


def _as_superoffice_time(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("maintenance windows need a timezone-aware datetime")
    return moment.astimezone(SUPEROFFICE_TIME)


def active_window(
    windows: tuple[MaintenanceWindow, ...], moment: datetime | None = None
) -> MaintenanceWindow | None:
    """The first window open at `moment` (default: now), or None."""
    now = moment or datetime.now(UTC)
    for window in windows:
        if window.contains(now):
            return window
    return None


# The windows of protocol section 1. Tenant upgrades run on Tuesdays and Fridays every
# third week, announced only on the login page: we cannot know which weeks, so every
# Tuesday and Friday evening counts as possibly unavailable.
SUPEROFFICE_ONLINE_WINDOWS: tuple[MaintenanceWindow, ...] = (
    MaintenanceWindow(
        "nightly application pool recycle", EVERY_DAY, time(1, 0), timedelta(hours=2)
    ),
    MaintenanceWindow(
        "weekly patch window", frozenset({THURSDAY}), time(22, 0), timedelta(hours=8)
    ),
    MaintenanceWindow(
        "weekend maintenance", frozenset({SATURDAY}), time(20, 0), timedelta(hours=10)
    ),
    MaintenanceWindow(
        "possible tenant upgrades", frozenset({TUESDAY, FRIDAY}), time(20, 0), timedelta(hours=9)
    ),
)

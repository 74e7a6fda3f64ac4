"""Maintenance windows in SuperOffice's fixed UTC+1, including windows crossing midnight."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest

from superoffice_app.maintenance import (
    EVERY_DAY,
    SUPEROFFICE_ONLINE_WINDOWS,
    MaintenanceWindow,
    active_window,
)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# 2026-11-19 is a Thursday. Times below are UTC; SuperOffice time is UTC+1.
@pytest.mark.parametrize(
    ("moment", "expected"),
    [
        ("2026-11-17 00:30", "nightly application pool recycle"),  # Tue 01:30 UTC+1
        ("2026-11-17 02:00", None),  # Tue 03:00 UTC+1: the recycle window has closed
        ("2026-11-17 12:00", None),  # Tue midday
        ("2026-11-17 19:00", "possible tenant upgrades"),  # Tue 20:00 UTC+1
        ("2026-11-18 03:59", "possible tenant upgrades"),  # Wed 04:59 UTC+1, still open
        ("2026-11-18 04:00", None),  # Wed 05:00 UTC+1: upgrades over
        ("2026-11-19 21:00", "weekly patch window"),  # Thu 22:00 UTC+1
        ("2026-11-20 04:59", "weekly patch window"),  # Fri 05:59 UTC+1
        ("2026-11-20 05:00", None),  # Fri 06:00 UTC+1
        ("2026-11-21 19:00", "weekend maintenance"),  # Sat 20:00 UTC+1
        ("2026-11-22 04:59", "weekend maintenance"),  # Sun 05:59 UTC+1
        ("2026-11-22 05:00", None),  # Sun 06:00 UTC+1
        ("2026-11-23 10:00", None),  # Monday morning
    ],
)
def test_documented_windows(moment: str, expected: str | None) -> None:
    window = active_window(SUPEROFFICE_ONLINE_WINDOWS, utc(moment))
    assert (window.name if window else None) == expected


def test_fixed_offset_ignores_daylight_saving() -> None:
    # 2026-07-15 is a Wednesday: 00:30 UTC is 01:30 in UTC+1 all year round.
    window = active_window(SUPEROFFICE_ONLINE_WINDOWS, utc("2026-07-15 00:30"))
    assert window is not None
    assert window.name == "nightly application pool recycle"


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        SUPEROFFICE_ONLINE_WINDOWS[0].contains(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("weekdays", "duration"),
    [
        (frozenset(), timedelta(hours=1)),
        (frozenset({7}), timedelta(hours=1)),
        (EVERY_DAY, timedelta(0)),
    ],
)
def test_invalid_windows_are_refused(weekdays: frozenset[int], duration: timedelta) -> None:
    with pytest.raises(ValueError, match="maintenance window"):
        MaintenanceWindow("bad", weekdays, time(1), duration)

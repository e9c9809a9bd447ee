"""Is a local moment inside the weekly opening windows, holidays excluded?"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import date, datetime, time

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

Windows = Mapping[str, Sequence[Sequence[str]]]


class CalendarError(ValueError):
    """The weekly windows are malformed."""


def parse_windows(weekly: Windows) -> dict[str, list[tuple[time, time]]]:
    """Validate {"mon": [["08:00", "18:00"]], ...}; raise CalendarError naming the fault."""
    parsed: dict[str, list[tuple[time, time]]] = {}
    for day, windows in weekly.items():
        if day not in WEEKDAYS:
            raise CalendarError(f"unknown weekday {day!r}")
        parsed[day] = []
        for window in windows:
            if len(window) != 2:
                raise CalendarError(f"{day}: a window is [open, close]")
            try:
                start, end = (time.fromisoformat(window[0]), time.fromisoformat(window[1]))
            except (TypeError, ValueError) as exc:
                raise CalendarError(f"{day}: times are HH:MM") from exc
            if end <= start:
                raise CalendarError(f"{day}: a window must close after it opens")
            parsed[day].append((start, end))
    return parsed


def is_open(weekly: Windows, local_moment: datetime, holidays: Collection[date]) -> bool:
    """True when `local_moment` (already in the calendar's zone) falls in an open window."""
    if local_moment.date() in holidays:
        return False
    windows = parse_windows(weekly).get(WEEKDAYS[local_moment.weekday()], [])
    moment = local_moment.time()
    return any(start <= moment < end for start, end in windows)

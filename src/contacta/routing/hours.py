"""Business hours in the shell: time zones and the `holidays` package feed the pure calendar."""

from __future__ import annotations

from datetime import date, datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

import holidays as holiday_calendars

from contacta.core.sla.calendar import is_open
from contacta.routing.models import BusinessHours, Queue


@lru_cache(maxsize=64)
def public_holidays(country: str, year: int) -> frozenset[date]:
    if not country:
        return frozenset()
    return frozenset(holiday_calendars.country_holidays(country, years=year).keys())


def hours_open(hours: BusinessHours, moment: datetime) -> bool:
    local = moment.astimezone(ZoneInfo(hours.time_zone))
    return is_open(hours.weekly, local, public_holidays(hours.holiday_country, local.year))


def queue_is_open(queue: Queue, moment: datetime) -> bool:
    return queue.business_hours is None or hours_open(queue.business_hours, moment)

from __future__ import annotations

from datetime import date, datetime

import pytest

from contacta.core.sla.calendar import CalendarError, is_open, parse_windows

WEEK = {"mon": [["08:00", "12:00"], ["14:00", "18:00"]], "sat": [["09:00", "13:00"]]}


def test_open_inside_windows_closed_outside():
    monday = datetime(2026, 11, 23, 9, 30)
    assert is_open(WEEK, monday, holidays=set())
    assert not is_open(WEEK, monday.replace(hour=13), holidays=set())
    assert not is_open(WEEK, datetime(2026, 11, 22, 10), holidays=set())  # Sunday


def test_holiday_is_closed():
    assert not is_open(WEEK, datetime(2026, 11, 16, 9), holidays={date(2026, 11, 16)})


@pytest.mark.parametrize("bad", [{"funday": []}, {"mon": [["9", "x"]]}, {"mon": [["10:00", "09:00"]]},
                                 {"mon": [["10:00"]]}])
def test_malformed_windows_are_refused(bad):
    with pytest.raises(CalendarError):
        parse_windows(bad)

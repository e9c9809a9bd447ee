"""Business-hours calendars and SLA clocks."""

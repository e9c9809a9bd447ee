from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contacta.connectors.windows import reply_policy

NOW = datetime(2026, 11, 27, 12, tzinfo=UTC)


def test_whatsapp_allows_free_text_only_within_24_hours():
    assert reply_policy("whatsapp", NOW - timedelta(hours=23), NOW).allowed
    late = reply_policy("whatsapp", NOW - timedelta(hours=25), NOW)
    assert not late.allowed
    assert "template" in late.reason


def test_messenger_uses_the_human_agent_tag_up_to_7_days():
    assert reply_policy("messenger", NOW - timedelta(hours=2), NOW).human_agent_tag is False
    tagged = reply_policy("instagram", NOW - timedelta(days=3), NOW)
    assert tagged.allowed
    assert tagged.human_agent_tag
    assert not reply_policy("messenger", NOW - timedelta(days=8), NOW).allowed


def test_channels_without_windows_and_silent_customers():
    assert reply_policy("telegram", None, NOW).allowed
    assert not reply_policy("whatsapp", None, NOW).allowed

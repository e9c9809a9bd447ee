"""The pure Messenger / Instagram webhook parser, on recorded payloads following Meta's docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contacta.connectors import messenger
from contacta.connectors.inbound import PayloadError
from contacta.connectors.messenger.inbound import parse_messaging

FIXTURES = Path(messenger.__file__).parent / "fixtures"


def load(name):
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def test_page_messages_attachments_echoes_and_deliveries():
    parsed = parse_messaging(load("page_message"))
    assert [m.body for m in parsed.messages] == ["¿Tienen planes de internet para Bucaramanga?", ""]
    assert parsed.messages[1].attachments == ("https://scontent.example/foto.jpg",)
    assert parsed.messages[0].sender_id == "6843212345678901"
    assert parsed.ignored == ("echo",)
    assert [(s.provider_message_id, s.status) for s in parsed.statuses] == [("m_OUT1", "delivered")]


def test_instagram_message_and_read():
    parsed = parse_messaging(load("instagram_message"))
    assert parsed.messages[0].body == "Hola! quiero cambiar mi plan 😊"
    assert [(s.provider_message_id, s.status) for s in parsed.statuses] == [("m_OUT1", "read")]


@pytest.mark.parametrize("payload", [None, {"object": "user", "entry": []},
                                     {"object": "page", "entry": [{"messaging": [
                                         {"sender": {"id": "1"}, "message": {}}]}]}])
def test_malformed_deliveries_raise(payload):
    with pytest.raises(PayloadError):
        parse_messaging(payload)

"""The pure Telegram update parser, on recorded payloads that follow the Bot API docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contacta.connectors import telegram
from contacta.connectors.inbound import PayloadError
from contacta.connectors.telegram.inbound import event_id, parse_update

FIXTURES = Path(telegram.__file__).parent / "fixtures"


def load(name):
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def test_text_message_keeps_spanish_text_and_sender():
    parsed = parse_update(load("text_message"))
    assert parsed.event_id == "810001001"
    (message,) = parsed.messages
    assert message.body == "Hola, ¿cuál es el saldo de mi cuenta? Gracias, señor"
    assert (message.sender_id, message.sender_name) == ("5512345678", "Mariana Castaño")
    assert message.provider_message_id == "5512345678:4511"


def test_photo_takes_the_largest_size_and_the_caption():
    (message,) = parse_update(load("photo_with_caption")).messages
    assert message.attachments == ("AgACAgEAAxkBAAIBlarge",)
    assert message.body == "Foto del recibo"


def test_an_edit_is_a_new_message_with_its_own_key():
    (message,) = parse_update(load("edited_message")).messages
    assert message.edited
    assert message.provider_message_id == "5512345678:4511:edit:1795766520"


def test_callback_query_becomes_the_button_data():
    (message,) = parse_update(load("callback_query")).messages
    assert message.body == "si_asesor"
    assert message.sender_id == "5512345678"


def test_unknown_update_types_are_ignored_not_errors():
    parsed = parse_update(load("my_chat_member"))
    assert parsed.messages == ()
    assert parsed.ignored == ("my_chat_member",)


@pytest.mark.parametrize("payload", [None, [], {"update_id": "7"}, {"message": {}},
                                     {"update_id": 1, "message": {"chat": {"id": "x"}}},
                                     {"update_id": 1, "message": {"message_id": 1,
                                                                  "chat": {"id": 2}, "text": 5}}])
def test_malformed_updates_raise_payload_error(payload):
    with pytest.raises(PayloadError):
        parse_update(payload)


def test_event_id_only_from_an_integer_update_id():
    assert event_id(load("text_message")) == "810001001"
    assert event_id({"update_id": "1"}) is None

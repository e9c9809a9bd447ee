"""The pure WhatsApp Cloud API webhook parser, on recorded payloads following Meta's docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from contacta.connectors import whatsapp
from contacta.connectors.graph import delivery_id
from contacta.connectors.inbound import PayloadError
from contacta.connectors.whatsapp.inbound import parse_delivery

FIXTURES = Path(whatsapp.__file__).parent / "fixtures"


def load(name):
    return json.loads((FIXTURES / f"{name}.json").read_text(encoding="utf-8"))


def test_text_with_the_profile_name():
    (message,) = parse_delivery(load("text")).messages
    assert message.sender_id == "573001234567"
    assert message.sender_name == "Camila Rojas"
    assert message.body == "Buenos días, necesito un paz y salvo de mi crédito"
    assert message.provider_message_id.startswith("wamid.HBgM")


def test_media_location_buttons_lists_reactions_and_contacts():
    parsed = parse_delivery(load("media_and_more"))
    bodies = [m.body for m in parsed.messages]
    assert bodies[0] == "Comprobante de pago"
    assert parsed.messages[0].attachments == ("1036431967716111",)
    assert "Bogotá" in bodies[1]
    assert "4.6097" in bodies[1]
    assert bodies[2:6] == ["Quiero pagar", "Cuota del mes", "👍", "👤 Andrés Gómez"]
    assert parsed.ignored == ("unsupported",)


def test_statuses_with_failure_reasons():
    statuses = parse_delivery(load("statuses")).statuses
    assert [(s.provider_message_id, s.status) for s in statuses] == [
        ("wamid.OUT1", "delivered"), ("wamid.OUT1", "read"), ("wamid.OUT2", "failed")]
    assert statuses[2].reason == "131047 Re-engagement message"


def test_other_fields_are_ignored():
    parsed = parse_delivery(load("account_update"))
    assert parsed.messages == ()
    assert parsed.ignored == ("account_update",)


@pytest.mark.parametrize("payload", [None, {}, {"entry": "x"},
                                     {"entry": [{"changes": [{"field": "messages",
                                                              "value": {"messages": [{}]}}]}]}])
def test_malformed_deliveries_raise(payload):
    with pytest.raises(PayloadError):
        parse_delivery(payload)


def test_delivery_id_is_stable_for_the_same_body():
    body = b'{"object": "whatsapp_business_account"}'
    assert delivery_id(body) == delivery_id(body)
    assert delivery_id(body) != delivery_id(body + b" ")

"""Twilio-compatible SMS webhooks: form decoding, signatures, messages and status callbacks."""

from __future__ import annotations

from pathlib import Path

import pytest

from contacta.connectors import sms
from contacta.connectors.inbound import PayloadError
from contacta.connectors.sms.twilio_inbound import decode_form, event_id, parse_form, signature

FIXTURES = Path(sms.__file__).parent / "fixtures"


def load(name):
    return decode_form((FIXTURES / f"{name}.form").read_bytes())


def test_incoming_sms_with_spanish_text():
    params = load("incoming")
    (message,) = parse_form(params).messages
    assert message.body == "Hola, ¿puedo pagar mañana?"
    assert message.sender_id == "+573001234567"
    assert event_id(params) == "SM1f0e8ae6ade43cb3c0ce4525424e404f"


def test_status_callback_is_its_own_event_with_the_error():
    params = load("status_undelivered")
    (status,) = parse_form(params).statuses
    assert (status.status, status.reason) == ("failed", "30003 Unreachable destination handset")
    assert event_id(params) == "SMaaaa:undelivered"


def test_signature_covers_url_and_every_parameter():
    params = {"To": "+57300", "Body": "hola", "MessageSid": "SM1"}
    good = signature("token", "https://cc.example/hooks/sms/k/", params)
    assert good == signature("token", "https://cc.example/hooks/sms/k/", dict(reversed(params.items())))
    assert good != signature("token", "https://cc.example/hooks/sms/other/", params)
    assert good != signature("token", "https://cc.example/hooks/sms/k/", {**params, "Body": "hol"})
    assert good != signature("other", "https://cc.example/hooks/sms/k/", params)


@pytest.mark.parametrize("body", [b"\xff\xfe", b"=x&&", b"a=1&b"])
def test_malformed_forms_raise(body):
    with pytest.raises(PayloadError):
        decode_form(body)


def test_messages_need_sid_and_sender():
    with pytest.raises(PayloadError):
        parse_form({"Body": "x"})
    with pytest.raises(PayloadError):
        parse_form({"MessageSid": "SM1", "Body": "x"})

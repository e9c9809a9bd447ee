"""Hostile deliveries against every pure webhook parser: the recorded fixtures with random parts
replaced by other JSON values (wrong types, missing keys, huge or odd strings). A parser either
reads a delivery or refuses it with PayloadError, which the worker keeps as `malformed`;
anything else would be retried and logged as a crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contacta.connectors import email as email_package
from contacta.connectors import messenger, telegram, whatsapp
from contacta.connectors.email.inbound import parse_email, recipients
from contacta.connectors.inbound import Parsed, PayloadError
from contacta.connectors.messenger.inbound import parse_messaging
from contacta.connectors.sms.twilio_inbound import decode_form, parse_form
from contacta.connectors.telegram.inbound import event_id as telegram_event_id
from contacta.connectors.telegram.inbound import parse_update
from contacta.connectors.whatsapp.inbound import parse_delivery

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
    | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner,
                                                                max_size=3),
    max_leaves=8)


def fixtures(package: Any) -> list[Any]:
    folder = Path(package.__file__).parent / "fixtures"
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every place in a JSON document a value could be swapped."""
    found = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            found += paths(item, (*prefix, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            found += paths(item, (*prefix, index))
    return found


def replaced(document: Any, path: tuple[Any, ...], new: Any) -> Any:
    if not path:
        return new
    copy = json.loads(json.dumps(document))
    target = copy
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return copy


@st.composite
def mutated(draw: st.DrawFn, documents: list[Any]) -> Any:
    document = draw(st.sampled_from(documents))
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(paths(document)))
        document = replaced(document, path, draw(JSON))
    return document


def reads_or_refuses(parse: Any, payload: Any) -> None:
    try:
        result = parse(payload)
    except PayloadError:
        return
    assert isinstance(result, Parsed)


FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FUZZ
@given(mutated(fixtures(whatsapp)))
def test_whatsapp_parser_reads_or_refuses(payload: Any) -> None:
    reads_or_refuses(parse_delivery, payload)


@FUZZ
@given(mutated(fixtures(messenger)))
def test_messenger_parser_reads_or_refuses(payload: Any) -> None:
    reads_or_refuses(parse_messaging, payload)


@FUZZ
@given(mutated(fixtures(telegram)))
def test_telegram_parser_reads_or_refuses(payload: Any) -> None:
    reads_or_refuses(parse_update, payload)
    telegram_event_id(payload)  # the webhook asks for the id before storing: never a crash


@FUZZ
@given(st.dictionaries(st.sampled_from(["MessageSid", "SmsSid", "From", "To", "Body",
                                        "NumMedia", "MediaUrl0", "MediaContentType0",
                                        "MessageStatus", "ErrorCode", "ProfileName"]),
                       st.text(max_size=40), max_size=8))
def test_twilio_parser_reads_or_refuses(form: dict[str, str]) -> None:
    reads_or_refuses(parse_form, form)


@pytest.mark.parametrize(("body", "form"), [
    (b"", {}), (b"a=1&a=2", {"a": "2"}), (b"Body=%C3%B1", {"Body": "ñ"}),
    (b"%%%", None), (b"\xff\xfe", None), (b"x" * 5000, None)])
def test_twilio_form_decoding_reads_or_refuses(body: bytes, form: dict[str, str] | None) -> None:
    if form is None:
        with pytest.raises(PayloadError):
            decode_form(body)
    else:
        assert decode_form(body) == form


EMAILS = [p.read_bytes() for p in sorted(
    (Path(email_package.__file__).parent / "fixtures").glob("*.eml"))]
HOSTILE_BITS = st.sampled_from([
    b"=?utf-8?b?", b"=?iso-8859-1?q?=E1=?=", b"\r\n\t", b"\r\nFrom: \r\n", b"<", b">", b"\x00",
    b"\xff\xfe", b"\r\nContent-Type: multipart/mixed; boundary=\"\"\r\n", b"\r\n\r\n",
    b"\r\nContent-Transfer-Encoding: base64\r\n", b"====", b"\"", b",", b"@", b"(",
    b"\r\nMessage-ID: <<>>\r\n", b"\r\nReferences: <a@b> <\r\n", b"boundary", b"--"])


@st.composite
def mangled_email(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(st.sampled_from(EMAILS)))
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(raw)))
        if draw(st.booleans()):
            raw[at:at] = draw(HOSTILE_BITS | st.binary(min_size=1, max_size=12))
        else:
            del raw[at:at + draw(st.integers(1, 40))]
    return bytes(raw)


@FUZZ
@given(mangled_email())
def test_email_parser_reads_or_refuses(raw: bytes) -> None:
    try:
        parsed = parse_email(raw)
    except PayloadError:
        return
    assert "@" in parsed.from_address
    recipients(raw)  # the SMTP receiver reads these before storing: never a crash

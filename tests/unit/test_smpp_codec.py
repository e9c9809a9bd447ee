"""SMPP 3.4 PDUs, GSM 03.38 / UCS-2 encoding, and long-message concatenation."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contacta.connectors.sms.smpp import gsm, pdu
from contacta.connectors.sms.smpp.client import Reassembler


def test_alphabet_positions():
    assert len(gsm.BASIC) == 128
    assert gsm.BASIC[0x00] == "@"
    assert gsm.BASIC[0x5D] == "Ñ"
    assert gsm.BASIC[0x7D] == "ñ"
    assert gsm.BASIC[0x60] == "¿"
    assert gsm.BASIC[0x40] == "¡"


def test_gsm_round_trip_with_extension_characters():
    text = "¿Pagó? ¡Sí! Niño, señor: 100€ [ref] {x}"
    if gsm.gsm_encodable(text):
        assert gsm.gsm_decode(gsm.gsm_encode(text)) == text
    spanish_gsm = "Señor Muñoz, ¿recibió el pago? ¡Gracias! 5€"
    assert gsm.gsm_encodable(spanish_gsm) is False  # "ó" is not in GSM 03.38
    fits = "Señor Muñoz, ¿su pago? ¡Gracias! 5€ [ok]"
    assert gsm.gsm_decode(gsm.gsm_encode(fits)) == fits


def test_split_chooses_the_alphabet_and_concatenates():
    assert len(gsm.split("a" * 160, 1)) == 1
    parts = gsm.split("a" * 161, 7)
    assert len(parts) == 2
    assert all(p.has_udh and p.payload[:5] == b"\x05\x00\x03\x07\x02" for p in parts)
    assert gsm.split("canción", 1)[0].data_coding == gsm.DATA_CODING_UCS2
    assert len(gsm.split("ó" * 70, 1)) == 1
    assert len(gsm.split("ó" * 71, 1)) == 2


alphabet = st.sampled_from(list("abcxyz ÑñÜü¿¡€[]áéíóú😀\n0123456789"))


@given(st.text(alphabet=alphabet, max_size=600), st.integers(0, 255))
def test_split_then_reassemble_is_the_identity(text, reference):
    joined = Reassembler()
    result = None
    for segment in gsm.split(text, reference):
        part, concat = gsm.decode(segment.data_coding, segment.payload, segment.has_udh)
        result = joined.add("+57300", part, concat)
    assert result == text


def test_pdu_round_trip_and_framing():
    message = pdu.ShortMessage("+573009998877", "+573001234567", 0, gsm.DATA_CODING_GSM,
                               gsm.gsm_encode("Hola"), 1)
    frame = pdu.encode(pdu.SUBMIT_SM, 42, pdu.submit_sm(message))
    first, rest = pdu.split_frame(frame + frame[:5])
    assert first is not None
    assert (first.command_id, first.sequence) == (pdu.SUBMIT_SM, 42)
    assert rest == frame[:5]
    assert pdu.parse_sm(first.body) == message
    assert pdu.split_frame(frame[:10]) == (None, frame[:10])


@pytest.mark.parametrize("raw", [b"\x00\x00\x00\x05" + b"\x00" * 12,
                                 b"\x00\x10\x00\x01" + b"\x00" * 12])
def test_bad_lengths_are_refused(raw):
    with pytest.raises(pdu.PduError):
        pdu.split_frame(raw)


VALID = pdu.submit_sm(pdu.ShortMessage("1", "2", 0, 0, b"Hola"))


@pytest.mark.parametrize("body", [b"", b"\x00\x01\x01abc", VALID[:-2], VALID + b"\x04\x24\x00"])
def test_truncated_bodies_are_refused(body):
    with pytest.raises(pdu.PduError):
        pdu.parse_sm(body)


def test_delivery_receipt_text():
    receipt = ("id:1f2e3d sub:001 dlvrd:001 submit date:2611271200 done date:2611271201 "
               "stat:DELIVRD err:000 text:Hola")
    assert pdu.parse_receipt(receipt) == ("1f2e3d", "DELIVRD", "000")


@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_any_deliver_sm_body_is_read_or_refused(body):
    try:
        message = pdu.parse_sm(body)
    except pdu.PduError:
        return
    for has_udh in (False, True):  # whatever the esm_class claims
        text, concat = gsm.decode(message.data_coding, message.payload, has_udh)
        assert isinstance(text, str)
        assert concat is None or 1 <= concat[2] <= concat[1]


@pytest.mark.parametrize("payload", [
    bytes((3, 0x00, 0x03, 7)),  # the element claims 3 octets, the header holds 1
    bytes((200,)) + b"\x00\x03",  # the header length runs past the message
    bytes((5, 0x00, 0x03, 7, 3, 0)) + b"hola",  # part 0 of 3
    bytes((5, 0x00, 0x03, 7, 2, 5)) + b"hola",  # part 5 of 2
])
def test_broken_concatenation_headers_read_as_single_messages(payload):
    text, concat = gsm.decode(gsm.DATA_CODING_GSM, payload, True)
    assert concat is None
    assert isinstance(text, str)


def test_reassembly_waits_for_every_part_and_ignores_repeats():
    joined = Reassembler()
    assert joined.add("+57300", "c", (9, 3, 3)) is None
    assert joined.add("+57300", "a", (9, 3, 1)) is None
    assert joined.add("+57300", "a", (9, 3, 1)) is None  # the SMSC resent part 1
    assert joined.add("+57311", "x", (9, 3, 2)) is None  # another sender, same reference
    assert joined.add("+57300", "b", (9, 3, 2)) == "abc"


def test_parts_that_never_complete_are_released_not_kept_forever():
    joined = Reassembler()
    joined.MAX_PENDING = 2
    assert joined.add_all("+57300", "uno ", (1, 2, 1)) == []
    assert joined.add_all("+57300", "dos ", (2, 2, 1)) == []
    assert joined.add_all("+57300", "tres ", (3, 3, 2)) == ["uno […]"]  # the oldest goes out
    assert joined.add_all("+57300", "fin", (2, 2, 2)) == ["dos fin"]

"""SMPP 3.4 PDUs (SMPP v3.4 specification, issue 1.2, sections 3 to 5): encode and decode the ones
an ESME uses. Pure: bytes in, dataclasses out; malformed input raises PduError."""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

BIND_TRANSCEIVER, BIND_TRANSCEIVER_RESP = 0x00000009, 0x80000009
SUBMIT_SM, SUBMIT_SM_RESP = 0x00000004, 0x80000004
DELIVER_SM, DELIVER_SM_RESP = 0x00000005, 0x80000005
ENQUIRE_LINK, ENQUIRE_LINK_RESP = 0x00000015, 0x80000015
UNBIND, UNBIND_RESP = 0x00000006, 0x80000006
GENERIC_NACK = 0x80000000
ESM_UDHI = 0x40
ESM_DELIVERY_RECEIPT = 0x04
HEADER = struct.Struct(">IIII")
MAX_PDU = 64 * 1024


class PduError(ValueError):
    """The bytes are not a valid SMPP 3.4 PDU."""


@dataclass(frozen=True)
class Pdu:
    command_id: int
    status: int
    sequence: int
    body: bytes = b""


def encode(command_id: int, sequence: int, body: bytes = b"", status: int = 0) -> bytes:
    return HEADER.pack(HEADER.size + len(body), command_id, status, sequence) + body


def split_frame(buffer: bytes) -> tuple[Pdu | None, bytes]:
    """One complete PDU from the front of `buffer` (or None), and what remains."""
    if len(buffer) < HEADER.size:
        return None, buffer
    length, command_id, status, sequence = HEADER.unpack_from(buffer)
    if length < HEADER.size or length > MAX_PDU:
        raise PduError(f"command_length {length} out of range")
    if len(buffer) < length:
        return None, buffer
    return Pdu(command_id, status, sequence, buffer[HEADER.size:length]), buffer[length:]


def cstring(value: str, max_len: int) -> bytes:
    raw = value.encode("ascii")
    if len(raw) >= max_len:
        raise PduError(f"{value!r} is longer than {max_len - 1} characters")
    return raw + b"\x00"


class _Reader:
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def cstring(self, max_len: int) -> str:
        end = self.data.find(b"\x00", self.pos, self.pos + max_len)
        if end < 0:
            raise PduError("unterminated C-octet string")
        value = self.data[self.pos:end].decode("ascii", errors="replace")
        self.pos = end + 1
        return value

    def byte(self) -> int:
        if self.pos >= len(self.data):
            raise PduError("PDU body too short")
        value = self.data[self.pos]
        self.pos += 1
        return value

    def octets(self, count: int) -> bytes:
        if self.pos + count > len(self.data):
            raise PduError("short_message longer than the PDU")
        value = self.data[self.pos:self.pos + count]
        self.pos += count
        return value


def bind_transceiver(system_id: str, password: str, system_type: str = "") -> bytes:
    return (cstring(system_id, 16) + cstring(password, 9) + cstring(system_type, 13)
            + bytes((0x34, 1, 1)) + b"\x00")  # interface 3.4, TON/NPI international, no range


@dataclass(frozen=True)
class ShortMessage:
    source: str
    destination: str
    esm_class: int
    data_coding: int
    payload: bytes
    registered_delivery: int = 0
    tlvs: dict[int, bytes] = field(default_factory=dict)


def submit_sm(message: ShortMessage) -> bytes:
    if len(message.payload) > 254:
        raise PduError("short_message is limited to 254 octets")
    return (cstring("", 6) + bytes((1, 1)) + cstring(message.source, 21) + bytes((1, 1))
            + cstring(message.destination, 21)
            + bytes((message.esm_class, 0, 0)) + cstring("", 17) + cstring("", 17)
            + bytes((message.registered_delivery, 0, message.data_coding, 0,
                     len(message.payload))) + message.payload)


def parse_sm(body: bytes) -> ShortMessage:
    """deliver_sm and submit_sm share this body layout (SMPP 3.4 section 4.6.1 / 4.4.1)."""
    r = _Reader(body)
    r.cstring(6)  # service_type
    r.byte(), r.byte()
    source = r.cstring(21)
    r.byte(), r.byte()
    destination = r.cstring(21)
    esm_class, _protocol, _priority = r.byte(), r.byte(), r.byte()
    r.cstring(17), r.cstring(17)  # schedule_delivery_time, validity_period
    registered, _replace, data_coding, _default_id = r.byte(), r.byte(), r.byte(), r.byte()
    payload = r.octets(r.byte())
    tlvs: dict[int, bytes] = {}
    rest = body[r.pos:]
    while len(rest) >= 4:
        tag, length = struct.unpack(">HH", rest[:4])
        if len(rest) < 4 + length:
            raise PduError("truncated TLV")
        tlvs[tag] = rest[4:4 + length]
        rest = rest[4 + length:]
    if rest:
        raise PduError("trailing bytes after the TLVs")
    if 0x0424 in tlvs and not payload:  # message_payload TLV carries long text
        payload = tlvs[0x0424]
    return ShortMessage(source, destination, esm_class, data_coding, payload, registered, tlvs)


def message_id(body: bytes) -> str:
    return _Reader(body).cstring(65)


def parse_receipt(text: str) -> tuple[str, str, str]:
    """A delivery receipt's text (SMPP 3.4 appendix B): id:.. stat:DELIVRD err:000 ..."""
    fields = dict(part.split(":", 1) for part in text.split() if ":" in part)
    return fields.get("id", ""), fields.get("stat", ""), fields.get("err", "")

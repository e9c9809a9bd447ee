"""GSM 03.38 (3GPP TS 23.038) default alphabet and UCS-2, and splitting long texts with the
concatenation UDH (3GPP TS 23.040 section 9.2.3.24.1). Pure functions."""

from __future__ import annotations

from dataclasses import dataclass

# The default alphabet, in code order 0x00..0x7F (0x1B is the escape to the extension table).
BASIC = ("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
         "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
EXTENSION = {"\f": 0x0A, "^": 0x14, "{": 0x28, "}": 0x29, "\\": 0x2F, "[": 0x3C, "~": 0x3D,
             "]": 0x3E, "|": 0x40, "€": 0x65}
ENCODE = {ch: code for code, ch in enumerate(BASIC) if code != 0x1B}
DECODE_EXT = {code: ch for ch, code in EXTENSION.items()}

DATA_CODING_GSM = 0x00
DATA_CODING_UCS2 = 0x08
SINGLE_GSM, PART_GSM = 160, 153  # septets; a part loses 7 to the 6-octet UDH
SINGLE_UCS2, PART_UCS2 = 70, 67  # UCS-2 characters


def gsm_encodable(text: str) -> bool:
    return all(ch in ENCODE or ch in EXTENSION for ch in text)


def gsm_encode(text: str) -> bytes:
    """One septet value per octet (unpacked, as SMPP carries data_coding 0)."""
    out = bytearray()
    for ch in text:
        if ch in ENCODE:
            out.append(ENCODE[ch])
        elif ch in EXTENSION:
            out += bytes((0x1B, EXTENSION[ch]))
        else:
            raise ValueError(f"{ch!r} is not in the GSM 03.38 alphabet")
    return bytes(out)


def gsm_decode(data: bytes) -> str:
    chars: list[str] = []
    escape = False
    for value in data:
        if escape:
            chars.append(DECODE_EXT.get(value, " "))
            escape = False
        elif value == 0x1B:
            escape = True
        elif value < len(BASIC):
            chars.append(BASIC[value])
        else:
            chars.append("?")
    return "".join(chars)


@dataclass(frozen=True)
class Segment:
    data_coding: int
    payload: bytes  # short_message octets, with the UDH when there are several parts
    has_udh: bool


def split(text: str, reference: int) -> list[Segment]:
    """Encode `text` in GSM 03.38 when it can (Spanish accents like á, í, ó, ú need UCS-2;
    ñ, é, Ñ, ü, ¿ and ¡ fit in GSM) and split it into concatenated parts."""
    if gsm_encodable(text):
        coding, encoded = DATA_CODING_GSM, gsm_encode(text)
        single, part_len, unit = SINGLE_GSM, PART_GSM, 1
    else:
        coding, encoded = DATA_CODING_UCS2, text.encode("utf-16-be")
        single, part_len, unit = SINGLE_UCS2 * 2, PART_UCS2 * 2, 2
    if len(encoded) <= single:
        return [Segment(coding, encoded, False)]
    parts: list[bytes] = []
    start = 0
    while start < len(encoded):
        end = min(start + part_len, len(encoded))
        if coding == DATA_CODING_GSM and end < len(encoded) and encoded[end - 1] == 0x1B:
            end -= 1  # never split an escape from its character
        if unit == 2 and 0xD8 <= encoded[end - 2] <= 0xDB and end < len(encoded):
            end -= 2  # nor a UTF-16 surrogate pair
        parts.append(encoded[start:end])
        start = end
    if len(parts) > 255:
        raise ValueError("the text is too long for one concatenated SMS")
    ref = reference & 0xFF
    return [Segment(coding, bytes((0x05, 0x00, 0x03, ref, len(parts), n + 1)) + part, True)
            for n, part in enumerate(parts)]


def decode(data_coding: int, payload: bytes, has_udh: bool) -> tuple[str, tuple[int, int, int] | None]:
    """Text of one short_message and, when it is a part, (reference, total, sequence)."""
    concat = None
    if has_udh and payload:
        udh_len = payload[0]
        header, payload = payload[1:1 + udh_len], payload[1 + udh_len:]
        i = 0
        while i + 1 < len(header):
            iei, length = header[i], header[i + 1]
            value = header[i + 2:i + 2 + length]
            if len(value) < length:
                break  # a truncated element: the text is kept, as a single message
            if iei == 0x00 and length == 3:
                concat = (value[0], value[1], value[2])
            elif iei == 0x08 and length == 4:
                concat = ((value[0] << 8) | value[1], value[2], value[3])
            i += 2 + length
        if concat is not None and not 1 <= concat[2] <= concat[1]:
            concat = None  # part 0 of 0, or part 5 of 3 (3GPP TS 23.040 9.2.3.24.1): not a part
    if data_coding == DATA_CODING_UCS2:
        text = payload.decode("utf-16-be", errors="replace")
    elif data_coding in (0x03, 0x04):  # Latin-1 / 8-bit
        text = payload.decode("latin-1")
    else:
        text = gsm_decode(payload)
    return text, concat

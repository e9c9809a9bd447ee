"""A SIP registrar for agents' softphones (RFC 3261 section 10, digest authentication per
section 22 and RFC 2617 with MD5 and qop=auth): a phone REGISTERs its SIP account, the binding
is kept with its expiry, and the agent's calls ring where it registered from.

Only REGISTER (and OPTIONS, for keepalives) are handled; everything else gets 405. Bad
datagrams are dropped; a wrong password gets 403 after the challenge, and never reveals
whether the user exists.
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import logging
import re
import secrets
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import cast

log = logging.getLogger(__name__)
REALM = "contacta"
MAX_DATAGRAM = 4096
MIN_EXPIRES, MAX_EXPIRES, DEFAULT_EXPIRES = 60, 3600, 600
NONCE_SECONDS = 300
ALLOWED = "REGISTER, OPTIONS"


def ha1(user: str, realm: str, password: str) -> str:
    return hashlib.md5(f"{user}:{realm}:{password}".encode()).hexdigest()  # noqa: S324 - RFC 2617 digest


@dataclass(frozen=True)
class Request:
    method: str
    uri: str
    headers: dict[str, list[str]]

    def header(self, name: str) -> str:
        values = self.headers.get(name.lower())
        return values[0] if values else ""


COMPACT = {"v": "via", "f": "from", "t": "to", "i": "call-id", "m": "contact", "l": "content-length"}


def parse(datagram: bytes) -> Request | None:
    """A SIP request's start line and headers; None for anything else."""
    if len(datagram) > MAX_DATAGRAM:
        return None
    try:
        text = datagram.decode("utf-8")
    except UnicodeDecodeError:
        return None
    head = text.split("\r\n\r\n", 1)[0]
    lines = head.split("\r\n")
    start = lines[0].split(" ")
    if len(start) != 3 or start[2] != "SIP/2.0" or not start[0].isalpha():
        return None
    headers: dict[str, list[str]] = {}
    for line in lines[1:]:
        if ":" not in line:
            return None
        name, value = line.split(":", 1)
        key = COMPACT.get(name.strip().lower(), name.strip().lower())
        headers.setdefault(key, []).append(value.strip())
    for required in ("via", "from", "to", "call-id", "cseq"):
        if required not in headers:
            return None
    return Request(start[0].upper(), start[1], headers)


def digest_fields(header: str) -> dict[str, str]:
    if not header.lower().startswith("digest "):
        return {}
    return {k.lower(): v.strip('"') for k, v in
            re.findall(r'(\w+)=("[^"]*"|[^,\s]+)', header[7:])}


def user_of(uri_header: str) -> str:
    found = re.search(r"sips?:([^@;>]+)@", uri_header)
    return found.group(1) if found else ""


def response(request: Request, status: str, extra: list[str] | None = None) -> bytes:
    lines = [f"SIP/2.0 {status}"]
    lines += [f"Via: {v}" for v in request.headers.get("via", [])]
    to = request.header("to")
    if status.startswith("200") and ";tag=" not in to:
        to += f";tag={secrets.token_hex(4)}"
    lines += [f"From: {request.header('from')}", f"To: {to}",
              f"Call-ID: {request.header('call-id')}", f"CSeq: {request.header('cseq')}",
              *(extra or []), "Server: Contacta", "Content-Length: 0", "", ""]
    return "\r\n".join(lines).encode()


def _ascii_number(text: str) -> bool:
    """str.isdigit() alone admits "²" and "١٢٣", which int() refuses or reads."""
    return bool(text) and text.isascii() and text.isdigit()


def _same(a: str, b: str) -> bool:
    """Constant-time comparison that cannot raise: compare_digest refuses non-ASCII str."""
    return hmac.compare_digest(a.encode(), b.encode())


Lookup = Callable[[str], Awaitable[str | None]]  # SIP user -> HA1, or None
Bind = Callable[[str, str, int], Awaitable[None]]  # user, contact, expires seconds (0: remove)


class Registrar(asyncio.DatagramProtocol):
    def __init__(self, lookup: Lookup, bind: Bind, *, secret: bytes | None = None) -> None:
        self.lookup, self.bind = lookup, bind
        self.secret = secret or secrets.token_bytes(16)
        self.transport: asyncio.DatagramTransport | None = None
        self.tasks: set[asyncio.Task[None]] = set()

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast("asyncio.DatagramTransport", transport)

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        request = parse(data)
        if request is None:
            return  # not SIP, or not a request we can answer: dropped
        task = asyncio.ensure_future(self.handle(request, addr))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    def nonce(self, at: int | None = None) -> str:
        """Stateless nonces: a timestamp and its HMAC, so a stale or forged one is refused."""
        stamp = str(at if at is not None else int(time.time()))
        mac = hmac.new(self.secret, stamp.encode(), hashlib.sha256).hexdigest()[:16]
        return f"{stamp}.{mac}"

    def nonce_ok(self, nonce: str) -> bool:
        stamp, _, _ = nonce.partition(".")
        if not _ascii_number(stamp) or not _same(nonce, self.nonce(int(stamp))):
            return False
        return time.time() - int(stamp) < NONCE_SECONDS

    async def handle(self, request: Request, addr: tuple[str, int]) -> None:
        assert self.transport is not None
        if request.method == "OPTIONS":
            self.transport.sendto(response(request, "200 OK", [f"Allow: {ALLOWED}"]), addr)
            return
        if request.method != "REGISTER":
            self.transport.sendto(response(request, "405 Method Not Allowed",
                                           [f"Allow: {ALLOWED}"]), addr)
            return
        user = user_of(request.header("to"))
        auth = digest_fields(request.header("authorization"))
        if not auth:
            self.transport.sendto(response(request, "401 Unauthorized", [
                f'WWW-Authenticate: Digest realm="{REALM}", nonce="{self.nonce()}", '
                'algorithm=MD5, qop="auth"']), addr)
            return
        secret = await self.lookup(user) if user else None
        if not self._valid(request, auth, user, secret):
            self.transport.sendto(response(request, "403 Forbidden"), addr)
            return
        contact, expires = self._binding(request)
        if contact is None:
            self.transport.sendto(response(request, "400 Bad Contact"), addr)
            return
        await self.bind(user, contact, expires)
        extra = [f"Contact: <{contact}>;expires={expires}"] if expires else []
        self.transport.sendto(response(request, "200 OK", extra), addr)

    def _valid(self, request: Request, auth: dict[str, str], user: str,
               secret: str | None) -> bool:
        if secret is None or auth.get("username") != user or not self.nonce_ok(
                auth.get("nonce", "")):
            return False
        ha2 = hashlib.md5(f"{request.method}:{auth.get('uri', '')}".encode()).hexdigest()  # noqa: S324
        if auth.get("qop") == "auth":
            material = (f"{secret}:{auth['nonce']}:{auth.get('nc', '')}:"
                        f"{auth.get('cnonce', '')}:auth:{ha2}")
        else:
            material = f"{secret}:{auth['nonce']}:{ha2}"
        expected = hashlib.md5(material.encode()).hexdigest()  # noqa: S324
        return _same(expected, auth.get("response", ""))

    @staticmethod
    def _binding(request: Request) -> tuple[str | None, int]:
        contact_header = request.header("contact")
        expires_header = request.header("expires")
        if contact_header.strip() == "*":
            return "", 0
        found = re.search(r"<(sips?:[^>]+)>|^(sips?:[^;\s]+)", contact_header)
        if found is None:
            return None, 0
        uri = found.group(1) or found.group(2)
        param = re.search(r";\s*expires=(\d+)", contact_header)
        raw = param.group(1) if param else expires_header
        expires = int(raw) if _ascii_number(raw) else DEFAULT_EXPIRES
        if expires:
            expires = max(MIN_EXPIRES, min(MAX_EXPIRES, expires))
        return uri, expires

"""What every provider client shares: the result of a send, and one guarded HTTP call."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx


@dataclass(frozen=True)
class SendResult:
    ok: bool
    provider_id: str = ""
    retryable: bool = False
    reason: str = ""


@dataclass(frozen=True)
class Reply:
    """A provider's answer: its status and JSON body (empty when it was not JSON)."""

    status: int
    data: dict[str, Any]

    @property
    def transient(self) -> bool:
        """429 and 5xx: worth retrying later."""
        return self.status == 429 or self.status >= 500


@dataclass(frozen=True)
class OutgoingFile:
    """An attachment of a reply, read from tenant storage for one send."""

    name: str
    content_type: str
    content: bytes
    public_url: str = ""  # a signed link the provider may fetch, when CONTACTA_PUBLIC_URL is set


def download(url: str, *, max_bytes: int, timeout_s: float = 30.0,
             **kwargs: Any) -> bytes | None:
    """GET a provider's file, streamed so that an oversized one is refused before it is all
    read; None when it is missing, too big or the network fails. Redirects are followed
    (CDNs answer with one); httpx drops the Authorization header when the origin changes."""
    chunks: list[bytes] = []
    size = 0
    try:
        with httpx.stream("GET", url, timeout=timeout_s, follow_redirects=True,
                          **kwargs) as response:
            declared = response.headers.get("content-length", "")
            if response.status_code != 200 or (declared.isdigit()
                                                and int(declared) > max_bytes):
                return None
            for chunk in response.iter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    return None
                chunks.append(chunk)
    except httpx.HTTPError:
        return None
    return b"".join(chunks)


def call(method: str, url: str, *, timeout_s: float = 10.0,
         **kwargs: Any) -> Reply | SendResult:
    """Make one request; a network failure comes back as a retryable SendResult."""
    try:
        response = httpx.request(method, url, timeout=timeout_s, **kwargs)
    except httpx.HTTPError as exc:
        return SendResult(ok=False, retryable=True, reason=f"network: {type(exc).__name__}")
    try:
        data = response.json()
    except ValueError:
        data = {}
    return Reply(response.status_code, data if isinstance(data, dict) else {})

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

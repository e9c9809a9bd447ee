"""The only code that talks to the Telegram Bot API (https://core.telegram.org/bots/api)."""

from __future__ import annotations

from dataclasses import dataclass

import httpx

PUBLIC_API = "https://api.telegram.org"


@dataclass(frozen=True)
class SendResult:
    ok: bool
    provider_id: str = ""
    retryable: bool = False
    reason: str = ""


def send_message(*, base_url: str, token: str, chat_id: str, text: str,
                 timeout_s: float = 10.0) -> SendResult:
    """sendMessage: POST {base}/bot<token>/sendMessage {chat_id, text} -> {ok, result}."""
    url = f"{(base_url or PUBLIC_API).rstrip('/')}/bot{token}/sendMessage"
    try:
        response = httpx.post(url, json={"chat_id": chat_id, "text": text}, timeout=timeout_s)
    except httpx.HTTPError as exc:
        return SendResult(ok=False, retryable=True, reason=f"network: {type(exc).__name__}")
    try:
        data = response.json()
    except ValueError:
        data = {}
    if response.status_code == 200 and data.get("ok"):
        return SendResult(ok=True, provider_id=str(data.get("result", {}).get("message_id", "")))
    description = str(data.get("description") or response.reason_phrase)[:200]
    # 429 (flood control) and 5xx are worth retrying; other 4xx (chat not found, blocked) are not.
    retryable = response.status_code == 429 or response.status_code >= 500
    return SendResult(ok=False, retryable=retryable,
                      reason=f"{response.status_code} {description}")

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


def _fail(response: httpx.Response) -> SendResult:
    try:
        data = response.json()
    except ValueError:
        data = {}
    retryable = response.status_code == 429 or response.status_code >= 500
    return SendResult(ok=False, retryable=retryable,
                      reason=f"{response.status_code} {data.get('description', '')}"[:200])


def send_file(*, base_url: str, token: str, chat_id: str, filename: str, content_type: str,
              content: bytes, caption: str = "", timeout_s: float = 30.0) -> SendResult:
    """sendPhoto for images, sendDocument otherwise (multipart upload, as the Bot API takes)."""
    method, field = ("sendPhoto", "photo") if content_type.startswith("image/") \
        else ("sendDocument", "document")
    url = f"{(base_url or PUBLIC_API).rstrip('/')}/bot{token}/{method}"
    try:
        response = httpx.post(url, data={"chat_id": chat_id, "caption": caption[:1024]},
                              files={field: (filename, content, content_type)},
                              timeout=timeout_s)
    except httpx.HTTPError as exc:
        return SendResult(ok=False, retryable=True, reason=f"network: {type(exc).__name__}")
    data = response.json() if response.headers.get("content-type", "").startswith(
        "application/json") else {}
    if response.status_code == 200 and data.get("ok"):
        return SendResult(ok=True, provider_id=str(data.get("result", {}).get("message_id", "")))
    return _fail(response)


def download_file(*, base_url: str, token: str, file_id: str, max_bytes: int,
                  timeout_s: float = 30.0) -> bytes | None:
    """getFile, then GET {base}/file/bot<token>/<file_path>; None when too big or missing."""
    base = (base_url or PUBLIC_API).rstrip("/")
    try:
        info = httpx.post(f"{base}/bot{token}/getFile", json={"file_id": file_id},
                          timeout=timeout_s).json()
        result = info.get("result") or {}
        if not info.get("ok") or int(result.get("file_size") or 0) > max_bytes:
            return None
        response = httpx.get(f"{base}/file/bot{token}/{result['file_path']}", timeout=timeout_s)
    except (httpx.HTTPError, ValueError, KeyError):
        return None
    if response.status_code != 200 or len(response.content) > max_bytes:
        return None
    return response.content

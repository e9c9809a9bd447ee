"""The only code that talks to the Telegram Bot API (https://core.telegram.org/bots/api)."""

from __future__ import annotations

from contacta.connectors.outbound import Reply, SendResult, call, download

PUBLIC_API = "https://api.telegram.org"


CALLBACK_DATA_MAX_BYTES = 64  # InlineKeyboardButton.callback_data


def send_message(*, base_url: str, token: str, chat_id: str, text: str,
                 options: list[str] | None = None, timeout_s: float = 10.0) -> SendResult:
    """sendMessage: POST {base}/bot<token>/sendMessage {chat_id, text} -> {ok, result}.
    Options become an inline keyboard, one button a row; a press comes back as a callback
    query carrying the option's text."""
    url = f"{(base_url or PUBLIC_API).rstrip('/')}/bot{token}/sendMessage"
    payload: dict[str, object] = {"chat_id": chat_id, "text": text}
    if options:
        payload["reply_markup"] = {"inline_keyboard": [[{
            "text": option,
            "callback_data": option.encode()[:CALLBACK_DATA_MAX_BYTES].decode(errors="ignore"),
        }] for option in options]}
    return _result(call("POST", url, json=payload, timeout_s=timeout_s))


def _result(reply: Reply | SendResult) -> SendResult:
    """{"ok": true, "result": Message} or {"ok": false, "description"}; flood control (429)
    and 5xx are retried, other 4xx (chat not found, bot blocked) are final."""
    if isinstance(reply, SendResult):
        return reply
    if reply.status == 200 and reply.data.get("ok"):
        return SendResult(ok=True,
                          provider_id=str(reply.data.get("result", {}).get("message_id", "")))
    return SendResult(ok=False, retryable=reply.transient,
                      reason=f"{reply.status} {reply.data.get('description', '')}"[:200])


def send_file(*, base_url: str, token: str, chat_id: str, filename: str, content_type: str,
              content: bytes, caption: str = "", timeout_s: float = 30.0) -> SendResult:
    """sendPhoto for images, sendDocument otherwise (multipart upload, as the Bot API takes)."""
    method, field = ("sendPhoto", "photo") if content_type.startswith("image/") \
        else ("sendDocument", "document")
    url = f"{(base_url or PUBLIC_API).rstrip('/')}/bot{token}/{method}"
    return _result(call("POST", url, data={"chat_id": chat_id, "caption": caption[:1024]},
                        files={field: (filename, content, content_type)}, timeout_s=timeout_s))


def download_file(*, base_url: str, token: str, file_id: str, max_bytes: int,
                  timeout_s: float = 30.0) -> bytes | None:
    """getFile, then GET {base}/file/bot<token>/<file_path>; None when too big or missing."""
    base = (base_url or PUBLIC_API).rstrip("/")
    info = call("POST", f"{base}/bot{token}/getFile", json={"file_id": file_id},
                timeout_s=timeout_s)
    if isinstance(info, SendResult) or not info.data.get("ok"):
        return None
    result = info.data.get("result") or {}
    if not result.get("file_path") or int(result.get("file_size") or 0) > max_bytes:
        return None
    return download(f"{base}/file/bot{token}/{result['file_path']}", max_bytes=max_bytes,
                    timeout_s=timeout_s)

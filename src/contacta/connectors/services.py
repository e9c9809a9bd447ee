"""Provider channels: store webhook deliveries raw, turn them into conversations, and send
replies from the outbox with retries. Every function takes the tenant explicitly."""

from __future__ import annotations

import base64
import hashlib
import imaplib
import logging
import os
from datetime import datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Q

from contacta.connectors.email.inbound import parse_email, recipients
from contacta.connectors.inbound import InboundMessage, InboundStatus, PayloadError
from contacta.connectors.models import InboundEvent, Inbox, InboxKind, MessageTemplate
from contacta.connectors.outbound import OutgoingFile, SendResult
from contacta.connectors.registry import adapter_for
from contacta.connectors.windows import reply_policy
from contacta.contacts.models import ContactIdentity
from contacta.conversations.attachments import attachment_store
from contacta.conversations.models import (
    OPEN_STATUSES,
    Conversation,
    DeliveryStatus,
    Direction,
    Message,
)
from contacta.conversations.notify import notify_conversation
from contacta.conversations.payloads import public_file_url
from contacta.conversations.services import (
    conversation_for_identity,
    last_inbound_at,
    message_receive,
)
from contacta.errors import DomainError
from contacta.routing.wakeup import notify as wake_worker
from contacta.tenants.leases import tenant_lease
from contacta.tenants.models import Tenant

log = logging.getLogger(__name__)

MAX_SEND_ATTEMPTS = 5
MAX_PROCESS_ATTEMPTS = 5
MAX_FILES_PER_MESSAGE = 5  # as for replies (conversations.services)


def inbound_event_store(inbox: Inbox, event_id: str, payload: Any) -> bool:
    """Keep a delivery before answering the provider; False when it was already stored."""
    try:
        with transaction.atomic():
            InboundEvent.objects.create(tenant_id=inbox.tenant_id, inbox=inbox,
                                        provider_event_id=event_id[:128], payload=payload)
    except IntegrityError:
        return False  # the provider retried a delivery we already have
    transaction.on_commit(wake_worker)
    return True


def _process_event(tenant: Tenant, event: InboundEvent) -> None:
    adapter = adapter_for(event.inbox.kind)
    if adapter is None:
        raise PayloadError(f"no connector for {event.inbox.kind}")
    parsed = adapter.parse(event.payload)
    if parsed.ignored:
        log.info("inbox %s: ignored %s update %s", event.inbox_id, parsed.ignored, parsed.event_id)
    for inbound in parsed.messages:
        if not inbound.body and not inbound.attachments and not inbound.inline_files:
            continue
        conv = _threaded_conversation(tenant, event.inbox, inbound) or conversation_for_identity(
            tenant=tenant, inbox=event.inbox, kind=adapter.identity_kind,
            value=inbound.sender_id, name=inbound.sender_name, topic=inbound.subject)
        attachment_ids = _fetch_attachments(tenant, event.inbox, adapter, conv, inbound)
        body = inbound.body or ("" if attachment_ids else "[adjunto / attachment]")
        message_receive(tenant=tenant, conversation=conv, body=body,
                        client_id=_client_id(event.inbox.kind, inbound.provider_message_id),
                        provider_id=inbound.provider_message_id, attachment_ids=attachment_ids)
    for status in parsed.statuses:
        _apply_status(tenant, event.inbox, status)


def _fetch_attachments(tenant: Tenant, inbox: Inbox, adapter: Any, conv: Conversation,
                       inbound: InboundMessage) -> list[int]:
    """Keep the message's files in tenant storage (same type and size rules as uploads): the
    ones that came inside the delivery, and the ones the provider serves by reference. A file
    that cannot be fetched or is refused leaves the text of the message."""
    fetch = getattr(adapter, "fetch_attachment", None)
    refs = inbound.attachments[:MAX_FILES_PER_MESSAGE] if fetch is not None else ()
    if not refs and not inbound.inline_files:
        return []
    if Message.objects.for_tenant(tenant).filter(
            conversation=conv, client_id=_client_id(inbox.kind,
                                                    inbound.provider_message_id)).exists():
        return []  # a redelivery: the files came with the first one
    found: list[tuple[str, bytes | None]] = [(f.name, f.content) for f in inbound.inline_files]
    found += [(f"{inbox.kind}-file", fetch(inbox, ref)) for ref in refs] if fetch else []
    ids = []
    for name, content in found[:MAX_FILES_PER_MESSAGE]:
        if not content:
            continue
        try:
            stored = attachment_store(tenant=tenant, conversation=conv,
                                      upload=SimpleUploadedFile(name, content))
        except DomainError as exc:
            log.info("attachment %s of inbox %s refused: %s", name, inbox.pk, exc.message)
            continue
        ids.append(stored.pk)
    return ids


def _outgoing_files(message: Message) -> list[OutgoingFile]:
    files = []
    for att in message.attachments.all():
        with att.file.open("rb") as handle:
            files.append(OutgoingFile(att.name, att.content_type, handle.read(),
                                      public_url=public_file_url(att)))
    return files


def _with_numbered_options(text: str, options: list[str]) -> str:
    """For channels without buttons: the options as a numbered list the customer answers."""
    return "\n".join([text, "", *(f"{n}. {o}" for n, o in enumerate(options, start=1))])


def _send(adapter: Any, inbox: Inbox, message: Message, recipient: str, *,
          human_agent_tag: bool, thread: dict[str, Any]) -> SendResult:
    if not message.template:
        return _send_content(adapter, inbox, message, recipient, human_agent_tag=human_agent_tag,
                             thread=thread)
    send_template = getattr(adapter, "send_template", None)
    if send_template is None:
        return SendResult(ok=False, retryable=False, reason="this channel has no templates")
    return send_template(inbox, recipient, message.template["name"],
                         message.template["language"], message.template["variables"])


def _send_content(adapter: Any, inbox: Inbox, message: Message, recipient: str, *,
                  human_agent_tag: bool, thread: dict[str, Any]) -> SendResult:
    """The text with its files and options in the channel's own way: all in one message where
    the channel allows (e-mail), else files first with the text as the first file's caption,
    and options as buttons or, where a channel has none, a numbered list."""
    options: list[str] = list(message.options or [])
    send_options = getattr(adapter, "send_options", None)
    text = message.body if not options or send_options else _with_numbered_options(
        message.body, options)
    files = _outgoing_files(message)
    send_together = getattr(adapter, "send_with_files", None)
    if files and send_together is not None:
        return send_together(inbox, recipient, text, files, thread=thread)
    send_file = getattr(adapter, "send_file", None)
    if files and send_file is None:
        return SendResult(ok=False, retryable=False, reason="this channel cannot carry files")
    first: SendResult | None = None
    for index, file in enumerate(files):
        result = send_file(inbox, recipient, file,  # type: ignore[misc]
                           caption=text if index == 0 and not options else "",
                           human_agent_tag=human_agent_tag)
        if not result.ok:
            return result
        first = first or result
    if options and send_options is not None:
        return send_options(inbox, recipient, text, options,
                            human_agent_tag=human_agent_tag)
    if first is not None and not options:
        return first
    return adapter.send(inbox, recipient, text,
                        human_agent_tag=human_agent_tag, thread=thread)


def _threaded_conversation(tenant: Tenant, inbox: Inbox,
                           inbound: InboundMessage) -> Conversation | None:
    """An e-mail answering one of ours continues that conversation while it is open."""
    if not inbound.thread_refs:
        return None
    earlier = (Message.objects.for_tenant(tenant).select_related("conversation")
               .filter(conversation__inbox=inbox, provider_id__in=inbound.thread_refs,
                       conversation__status__in=OPEN_STATUSES).order_by("-id").first())
    return earlier.conversation if earlier else None


def thread_of(tenant: Tenant, message: Message) -> dict[str, Any]:
    """Threading for a reply: the subject and the provider ids of the conversation so far."""
    ids = list(Message.objects.for_tenant(tenant)
               .filter(conversation=message.conversation, pk__lt=message.pk)
               .exclude(provider_id="").order_by("id").values_list("provider_id", flat=True))
    last_in = (Message.objects.for_tenant(tenant)
               .filter(conversation=message.conversation, direction=Direction.INBOUND)
               .exclude(provider_id="").order_by("-id").values_list("provider_id", flat=True)
               .first())
    return {"subject": message.conversation.topic, "in_reply_to": last_in or "",
            "references": tuple(ids)}


def inbound_email_store(raw: bytes, envelope_recipients: list[str] | None = None) -> int:
    """Mail delivered to us: stored once per inbox it is addressed to. Over SMTP the envelope
    (RCPT TO) decides, as a mail server does; from a mailbox, the To/Cc headers."""
    try:
        parsed = parse_email(raw)
    except PayloadError:
        return 0
    addressed = ({a.lower() for a in envelope_recipients} if envelope_recipients is not None
                 else set(recipients(raw)))
    stored = 0
    for inbox in Inbox.objects.filter(kind=InboxKind.EMAIL, is_active=True,
                                      tenant__is_active=True).exclude(provider_account_id=""):
        if inbox.provider_account_id.lower() in addressed:
            payload = {"raw": base64.b64encode(raw).decode("ascii")}
            stored += inbound_event_store(inbox, parsed.message_id, payload)
    return stored


def _client_id(kind: str, provider_id: str) -> str:
    key = f"{kind}:{provider_id}"
    # Provider ids can be longer than the idempotency column (a WhatsApp wamid): hash those.
    return key if len(key) <= 64 else f"{kind}:{hashlib.sha256(key.encode()).hexdigest()[:48]}"


STATUS_ORDER: dict[str, int] = {DeliveryStatus.PENDING: 0, DeliveryStatus.SENT: 1,
                                DeliveryStatus.DELIVERED: 2, DeliveryStatus.READ: 3}


def _apply_status(tenant: Tenant, inbox: Inbox, status: InboundStatus) -> None:
    """Provider statuses only move forward; a failure is kept with the provider's reason."""
    message = (Message.objects.for_tenant(tenant).select_related("conversation")
               .filter(conversation__inbox=inbox, provider_id=status.provider_message_id)
               .first())
    if message is None or status.status not in {*STATUS_ORDER, DeliveryStatus.FAILED}:
        return
    if status.status == DeliveryStatus.FAILED:
        message.status, message.status_reason = DeliveryStatus.FAILED, status.reason[:255]
    elif STATUS_ORDER.get(message.status, 9) < STATUS_ORDER[status.status]:
        message.status = status.status
    else:
        return
    message.save(update_fields=["status", "status_reason"])
    notify_conversation(tenant, message.conversation, {
        "type": "message.status", "conversation_id": message.conversation_id,
        "message_id": message.pk, "up_to_id": message.pk, "direction": Direction.OUTBOUND,
        "status": message.status, "reason": message.status_reason})


def inbound_process(tenant: Tenant, now: datetime, limit: int = 200) -> int:
    """Turn stored deliveries into messages; each one in its own transaction."""
    pending = list(InboundEvent.objects.for_tenant(tenant)
                   .filter(processed_at__isnull=True, attempts__lt=MAX_PROCESS_ATTEMPTS)
                   .select_related("inbox").order_by("id")[:limit])
    for event in pending:
        try:
            with transaction.atomic():
                _process_event(tenant, event)
                event.processed_at = now
                event.error = ""
                event.save(update_fields=["processed_at", "error"])
        except PayloadError as exc:  # the payload will not improve: keep it, with the reason
            event.processed_at, event.error = now, f"malformed: {exc}"[:255]
            event.save(update_fields=["processed_at", "error"])
        except Exception as exc:  # retried on the next pass, a few times
            log.exception("inbound event %s failed", event.pk)
            event.attempts += 1
            event.error = f"{type(exc).__name__}: {exc}"[:255]
            event.save(update_fields=["attempts", "error"])
    return len(pending)


def _recipient(tenant: Tenant, message: Message, kind: str) -> str:
    identity = (ContactIdentity.objects.for_tenant(tenant)
                .filter(contact_id=message.conversation.contact_id, kind=kind)
                .order_by("-created_at").first())
    return identity.value if identity else ""


def outbox_send(tenant: Tenant, now: datetime, limit: int = 200) -> int:
    """Send pending replies; retry with exponential backoff; a final failure is shown."""
    due = list(Message.objects.for_tenant(tenant)
               .filter(status=DeliveryStatus.PENDING, direction=Direction.OUTBOUND)
               .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
               .select_related("conversation__inbox", "conversation__contact")
               .order_by("id")[:limit])
    for message in due:
        inbox = message.conversation.inbox
        adapter = adapter_for(inbox.kind)
        if adapter is None:
            continue
        recipient = _recipient(tenant, message, adapter.identity_kind)
        policy = reply_policy(inbox.kind, last_inbound_at(tenant, message.conversation), now)
        if not recipient:  # say, the contact was merged away from this channel's identity
            result = SendResult(ok=False, retryable=False,
                                reason=f"the contact has no {adapter.identity_kind} address")
        elif not policy.allowed and not message.template:  # templates may go at any time
            result = SendResult(ok=False, retryable=False, reason=policy.reason)
        else:
            result = _send(adapter, inbox, message, recipient,
                           human_agent_tag=policy.human_agent_tag,
                           thread=thread_of(tenant, message))
        message.send_attempts += 1
        if result.ok:
            message.status, message.provider_id, message.status_reason = (
                DeliveryStatus.SENT, result.provider_id, "")
        elif result.retryable and message.send_attempts < MAX_SEND_ATTEMPTS:
            message.next_attempt_at = now + timedelta(seconds=2 ** message.send_attempts)
            message.status_reason = result.reason
        else:
            message.status, message.status_reason = DeliveryStatus.FAILED, result.reason
        with transaction.atomic():
            message.save(update_fields=["status", "provider_id", "status_reason",
                                        "send_attempts", "next_attempt_at"])
            if message.status != DeliveryStatus.PENDING:
                notify_conversation(tenant, message.conversation, {
                    "type": "message.status", "conversation_id": message.conversation_id,
                    "message_id": message.pk, "up_to_id": message.pk,
                    "direction": Direction.OUTBOUND, "status": message.status,
                    "reason": message.status_reason})
    return len(due)


IMAP_POLL_SECONDS = 30


def imap_poll(inbox: Inbox) -> int:
    """Fetch the mailbox's unseen mail into stored events (see connectors/email/imap.py)."""
    from contacta.connectors.email.imap import connect, fetch_unseen

    client = connect(inbox)
    try:
        return fetch_unseen(client, inbound_email_store)
    finally:
        client.logout()


def _poll_mailboxes(now: datetime) -> None:
    """Polling fallback for mailboxes (IDLE runs in `contacta imap` when wanted)."""
    for inbox in Inbox.objects.filter(kind=InboxKind.EMAIL, is_active=True,
                                      tenant__is_active=True).exclude(credential_env=""):
        key = f"t{inbox.tenant_id}:imap-polled:{inbox.pk}"
        if cache.get(key) or not os.environ.get(f"{inbox.credential_env}_IMAP_HOST"):
            continue
        cache.set(key, now.isoformat(), IMAP_POLL_SECONDS)
        try:
            imap_poll(inbox)
        except (OSError, imaplib.IMAP4.error) as exc:
            log.warning("mailbox of inbox %s: %s", inbox.pk, type(exc).__name__)


def templates_sync(tenant: Tenant, inbox: Inbox) -> int:
    """Copy the provider's templates into the inbox (added, changed and removed ones)."""
    adapter = adapter_for(inbox.kind)
    fetch = getattr(adapter, "templates", None)
    if inbox.tenant_id != tenant.pk or fetch is None:
        raise PayloadError("this inbox has no templates")
    found = fetch(inbox)
    with transaction.atomic():
        keep = []
        for item in found:
            template, _ = MessageTemplate.objects.update_or_create(
                tenant=tenant, inbox=inbox, name=item["name"], language=item["language"],
                defaults={"category": item["category"], "status": item["status"],
                          "body": item["body"]})
            keep.append(template.pk)
        MessageTemplate.objects.for_tenant(tenant).filter(inbox=inbox).exclude(
            pk__in=keep).delete()
    return len(keep)


def connectors_tick(now: datetime) -> None:
    _poll_mailboxes(now)
    for tenant in Tenant.objects.filter(is_active=True):
        try:
            # Several workers may run: one at a time per tenant, or a reply would go twice and
            # a customer's messages could be read out of order.
            with tenant_lease("connectors", tenant.pk) as held:
                if held:
                    inbound_process(tenant, now)
                    outbox_send(tenant, now)
        except Exception:  # one tenant's provider trouble must not stop the others
            log.exception("connector work failed for tenant %s", tenant.slug)

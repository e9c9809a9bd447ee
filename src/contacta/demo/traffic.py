"""The demo's living center: simulated customers open chats and write; bot agents answer for
every demo agent who has no open desktop. Everything goes through the real services."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import secrets
from datetime import timedelta

from asgiref.sync import sync_to_async
from django.db import close_old_connections
from django.utils import timezone

from contacta.connectors.models import Inbox, InboxKind, InboxRule
from contacta.conversations.models import Conversation, Direction, Message, Status
from contacta.conversations.services import (
    conversation_accept,
    conversation_close,
    conversation_start,
    message_receive,
    message_send,
)
from contacta.core.routing.model import AgentStatus
from contacta.errors import DomainError
from contacta.routing.models import AgentProfile, Disposition
from contacta.routing.services import agent_state_set

log = logging.getLogger(__name__)

SIMULATED_DOMAIN = "example.com"  # simulated customers write from here (RFC 2606)
MAX_OPEN_PER_TENANT = 8
HUMAN_PRESENT = timedelta(seconds=60)
NAMES = ["Camila Rojas", "Andrés Gómez", "Valentina Díaz", "Juan Pablo Muñoz", "Sofía Herrera",
         "Santiago Peña", "Mariana Castaño", "Julián Ortiz", "Daniela Ríos", "Felipe Nariño"]
FIRST_LINES = {
    "es": ["Hola, tengo una pregunta sobre mi cuenta.", "Buenas tardes, no me llegó el extracto.",
           "Quiero saber el saldo para pagar mi cuota.", "Mi internet está muy lento desde ayer.",
           "¿Me ayudan a cambiar la contraseña?"],
    "en": ["Hi, my router keeps disconnecting.", "Hello, I can't log in to my account."],
}
FOLLOW_UPS = ["Gracias, ¿y cuánto se demora?", "Listo, ya lo intenté.", "Perfecto, muchas gracias.",
              "Ok, thanks!"]
BOT_REPLIES = ["Con gusto le ayudo. ¿Me confirma su número de documento?",
               "Ya reviso su caso, un momento por favor.",
               "Listo, quedó solucionado. ¿Algo más en lo que le pueda ayudar?"]


def _is_simulated(conv: Conversation) -> bool:
    return conv.contact.email.endswith("@" + SIMULATED_DOMAIN)


def _spawn_customer(rng: random.Random) -> None:
    # Simulated customers chat on the web; the phone line is for real callers.
    inboxes = list(Inbox.objects.filter(is_active=True, tenant__is_active=True,
                                        kind=InboxKind.WEBCHAT).select_related("tenant"))
    if not inboxes:
        return
    inbox = rng.choice(inboxes)
    tenant = inbox.tenant
    if Conversation.objects.for_tenant(tenant).exclude(status=Status.CLOSED).count() >= (
            MAX_OPEN_PER_TENANT):
        return
    topics = list(InboxRule.objects.for_tenant(tenant).filter(inbox=inbox)
                  .values_list("topic", flat=True))
    topic = rng.choice(topics) if topics else ""
    name = rng.choice(NAMES)
    email = f"{name.split()[0].lower().replace('é', 'e').replace('í', 'i').replace('á', 'a')}" \
            f".{rng.randint(100, 999)}@{SIMULATED_DOMAIN}"
    conv = conversation_start(tenant=tenant, inbox=inbox, visitor_token=secrets.token_urlsafe(24),
                              name=name, email=email, topic=topic)
    lines = FIRST_LINES["en" if "English" in topic else "es"]
    message_receive(tenant=tenant, conversation=conv, body=rng.choice(lines))


def _bot_agents_work(rng: random.Random) -> None:
    now = timezone.now()
    bots = (AgentProfile.objects.select_related("tenant", "user")
            .filter(user__username__startswith="agente")
            .exclude(desktop_seen_at__gte=now - HUMAN_PRESENT))
    for agent in bots:
        tenant = agent.tenant
        if agent.status != AgentStatus.AVAILABLE:
            agent_state_set(tenant, agent, status=AgentStatus.AVAILABLE)
        for conv in (Conversation.objects.for_tenant(tenant).select_related("contact", "queue")
                     .filter(status=Status.OFFERED, offered_to=agent,
                             offered_at__lte=now - timedelta(seconds=2))):
            conversation_accept(tenant=tenant, conversation=conv, agent=agent)
        for conv in (Conversation.objects.for_tenant(tenant).select_related("contact", "queue")
                     .filter(status=Status.ASSIGNED, assignee=agent)):
            last = Message.objects.for_tenant(tenant).filter(conversation=conv).exclude(
                direction__in=[Direction.NOTE, Direction.SYSTEM]).last()
            replies = Message.objects.for_tenant(tenant).filter(
                conversation=conv, direction=Direction.OUTBOUND).count()
            if last is None or last.created_at > now - timedelta(seconds=3):
                continue
            if replies >= len(BOT_REPLIES) or (last.direction == Direction.OUTBOUND
                                               and last.created_at < now - timedelta(seconds=8)):
                dispositions = list(Disposition.objects.for_tenant(tenant).filter(queue=conv.queue))
                if dispositions:
                    choice = rng.choice(dispositions)
                    conversation_close(tenant=tenant, conversation=conv, agent=agent,
                                       disposition_code=choice.code, note="Atendido por bot demo")
            elif last.direction == Direction.INBOUND:
                message_send(tenant=tenant, conversation=conv, agent=agent,
                             body=BOT_REPLIES[replies])


def _customers_answer(rng: random.Random) -> None:
    now = timezone.now()
    for conv in (Conversation.objects.select_related("tenant", "contact", "queue")
                 .filter(status=Status.ASSIGNED, contact__email__endswith="@" + SIMULATED_DOMAIN)):
        last = Message.objects.for_tenant(conv.tenant).filter(conversation=conv).exclude(
            direction__in=[Direction.NOTE, Direction.SYSTEM]).last()
        if (last is not None and last.direction == Direction.OUTBOUND
                and last.created_at < now - timedelta(seconds=rng.uniform(3, 6))):
            message_receive(tenant=conv.tenant, conversation=conv, body=rng.choice(FOLLOW_UPS))


def traffic_step(rng: random.Random, spawn_probability: float = 0.25) -> None:
    """One beat of the simulated center (called every two seconds)."""
    for step in (_bot_agents_work, _customers_answer):
        try:
            step(rng)
        except DomainError as exc:  # a race with a human's click is normal; try next beat
            log.info("traffic step skipped: %s", exc.message)
    if rng.random() < spawn_probability:
        _spawn_customer(rng)


def _step_in_thread(rng: random.Random) -> None:
    close_old_connections()
    try:
        traffic_step(rng)
    finally:
        close_old_connections()


async def traffic_loop(stop: asyncio.Event, period_s: float = 2.0) -> None:
    rng = random.Random()
    step = sync_to_async(_step_in_thread, thread_sensitive=False)
    while not stop.is_set():
        try:
            await step(rng)
        except Exception:
            log.exception("traffic generator step failed")
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=period_s)

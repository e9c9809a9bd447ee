"""The demo BPO: two client companies, their queues, skills, inboxes, agents and managers."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction

from contacta.accounts.models import User
from contacta.connectors.models import Inbox, InboxRule
from contacta.routing.models import (
    AgentProfile,
    AgentSkill,
    AuxReason,
    BusinessHours,
    Disposition,
    Queue,
    QueueSkill,
    Skill,
    Team,
)
from contacta.tenants.models import Membership, Role, Tenant

DEMO_PASSWORD = "demo1234"
DEMO_LOGINS = [
    ("admin", "admin", "platform admin (/admin/)"),
    ("supervisora", DEMO_PASSWORD, "supervisor of both clients"),
    ("cliente.banco", DEMO_PASSWORD, "client viewer, Banco Andino (read-only)"),
    ("agente1", DEMO_PASSWORD, "agent, Banco Andino (agente1..agente5)"),
    ("agente6", DEMO_PASSWORD, "agent, TelNorte (agente6..agente9)"),
    ("agente10", DEMO_PASSWORD, "agent shared by both clients"),
]
ALWAYS_OPEN = {day: [["00:00", "23:59:59"]] for day in
               ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
AUX = [("break", "Descanso"), ("lunch", "Almuerzo"), ("training", "Capacitación"),
       ("coaching", "Retroalimentación")]


@dataclass(frozen=True)
class QueueSpec:
    name: str
    skill: str
    priority: int
    topic: str
    dispositions: tuple[tuple[str, str, bool], ...]
    routing: dict[str, object] | None = None  # widening, sticky, limits (see docs/routing.md)


@dataclass(frozen=True)
class TenantSpec:
    slug: str
    name: str
    inbox_key: str
    greeting: str
    queues: tuple[QueueSpec, ...]
    agents: tuple[str, ...]
    teams: tuple[str, ...]


BANK = TenantSpec(
    slug="banco-andino", name="Banco Andino", inbox_key="banco-andino-web",
    greeting="¡Hola! Bienvenido a Banco Andino. Un asesor le atenderá en breve.",
    queues=(
        QueueSpec("Servicio al cliente", "servicio", 5, "Servicio al cliente", (
            ("resuelto", "Resuelto", False), ("informacion", "Información", False),
            ("escalado", "Escalado", True)),
            routing={"widening": [{"after_s": 45, "min_proficiency": 1}], "max_waiting": 20,
                     "overflow_action": "callback", "aging_per_minute": 0.5}),
        QueueSpec("Cobranza", "cobranza", 7, "Pagos y cobranza", (
            ("promesa-pago", "Promesa de pago", True), ("pago-realizado", "Pago realizado", False),
            ("no-acuerdo", "Sin acuerdo", True)),
            # Collections: a debtor who writes again goes first to the agent who handled them.
            routing={"sticky_seconds": 120}),
    ),
    agents=("agente1", "agente2", "agente3", "agente4", "agente5", "agente10"),
    teams=("Equipo Servicio", "Equipo Cobranza"),
)
TELCO = TenantSpec(
    slug="telnorte", name="TelNorte", inbox_key="telnorte-web",
    greeting="¡Hola! Soporte técnico TelNorte / TelNorte technical support.",
    queues=(
        QueueSpec("Soporte técnico", "soporte", 5, "Soporte técnico", (
            ("solucionado", "Solucionado", False), ("visita-tecnica", "Visita técnica", True))),
        QueueSpec("Support (English)", "english", 5, "English support", (
            ("solved", "Solved", False), ("escalated", "Escalated", True))),
    ),
    agents=("agente6", "agente7", "agente8", "agente9", "agente10"),
    teams=("Soporte N1",),
)


def _user(username: str, first_name: str, password: str, **flags: bool) -> User:
    user, created = User.objects.get_or_create(username=username,
                                               defaults={"first_name": first_name, **flags})
    if created:
        user.set_password(password)
        user.save()
    return user


def _tenant(spec: TenantSpec, supervisor: User) -> Tenant:
    tenant, _ = Tenant.objects.get_or_create(slug=spec.slug, defaults={"name": spec.name})
    Membership.objects.get_or_create(tenant=tenant, user=supervisor,
                                     defaults={"role": Role.SUPERVISOR})
    hours, _ = BusinessHours.objects.get_or_create(
        tenant=tenant, name="24/7", defaults={"weekly": ALWAYS_OPEN, "holiday_country": "CO"})
    for code, label in AUX:
        AuxReason.objects.get_or_create(tenant=tenant, code=code, defaults={"label": label})
    teams = [Team.objects.get_or_create(tenant=tenant, name=n)[0] for n in spec.teams]
    queues: list[tuple[QueueSpec, Queue, Skill]] = []
    for q in spec.queues:
        skill, _ = Skill.objects.get_or_create(tenant=tenant, name=q.skill)
        queue, _ = Queue.objects.get_or_create(
            tenant=tenant, name=q.name,
            defaults={"priority": q.priority, "business_hours": hours, "offer_timeout_seconds": 20,
                      "wrap_up_seconds": 10,
                      "closed_message": "Estamos fuera de horario; le responderemos pronto.",
                      **(q.routing or {})})
        QueueSkill.objects.get_or_create(tenant=tenant, queue=queue, skill=skill)
        for code, label, note in q.dispositions:
            Disposition.objects.get_or_create(tenant=tenant, queue=queue, code=code,
                                              defaults={"label": label, "requires_note": note})
        queues.append((q, queue, skill))
    inbox, _ = Inbox.objects.get_or_create(
        tenant=tenant, public_key=spec.inbox_key,
        defaults={"name": f"{spec.name} web", "default_queue": queues[0][1],
                  "greeting": spec.greeting})
    for position, (q, queue, _skill) in enumerate(queues):
        InboxRule.objects.get_or_create(tenant=tenant, inbox=inbox, topic=q.topic,
                                        defaults={"queue": queue, "position": position})
    for index, username in enumerate(spec.agents):
        user = _user(username, f"Agente {username.removeprefix('agente')}", DEMO_PASSWORD)
        Membership.objects.get_or_create(tenant=tenant, user=user, defaults={"role": Role.AGENT})
        agent, _ = AgentProfile.objects.get_or_create(
            tenant=tenant, user=user, defaults={"team": teams[index % len(teams)],
                                                "chat_capacity": 3})
        # Everyone has the first queue's skill; every other agent also the second's.
        for position, (_q, _queue, skill) in enumerate(queues):
            if position == 0 or index % 2 == 1 or username == "agente10":
                AgentSkill.objects.get_or_create(tenant=tenant, agent=agent, skill=skill,
                                                 defaults={"proficiency": 3 + index % 3})
    return tenant


DEMO_DID = "6015550100"
DEMO_REGISTRAR = "127.0.0.1:5060"  # contacta voice's registrar (CONTACTA_VOICE_REGISTRAR_PORT)


def _voice(tenant: Tenant) -> None:
    """A phone line for the bank: IVR to its two queues; agents 1-3 have SIP accounts for a
    softphone (user agenteN, the demo password), registered to Contacta's registrar."""
    from contacta.voice.models import AgentPhone, VoiceInbox

    queues = list(Queue.objects.for_tenant(tenant).order_by("pk")[:2])
    line, _ = Inbox.objects.get_or_create(
        tenant=tenant, public_key=f"{tenant.slug}-linea",
        defaults={"name": f"{tenant.name} línea", "kind": "voice", "default_queue": queues[0],
                  "provider_account_id": DEMO_DID})
    VoiceInbox.objects.get_or_create(tenant=tenant, inbox=line, defaults={"ivr": {
        "welcome": f"Bienvenido a {tenant.name}. Esta llamada puede ser grabada.",
        "menu": {"prompt": f"Para {queues[0].name} marque uno. Para {queues[1].name} "
                           "marque dos.", "timeout_seconds": 5, "retries": 2,
                 "invalid": "@invalid", "default": {"queue": queues[0].pk},
                 "options": {"1": {"queue": queues[0].pk}, "2": {"queue": queues[1].pk}}}}})
    for number in (1, 2, 3):
        agent = AgentProfile.objects.for_tenant(tenant).filter(
            user__username=f"agente{number}").first()
        if agent is not None and not AgentPhone.objects.filter(agent=agent).exists():
            phone = AgentPhone(tenant=tenant, agent=agent, sip_user=f"agente{number}")
            phone.set_password(DEMO_PASSWORD)
            phone.save()


@transaction.atomic
def demo_load() -> list[Tenant]:
    """Create the demo BPO; running it again changes nothing."""
    _user("admin", "Admin", "admin", is_superuser=True, is_staff=True)
    supervisor = _user("supervisora", "Sofía", DEMO_PASSWORD)
    viewer = _user("cliente.banco", "Cliente Banco", DEMO_PASSWORD)
    tenants = [_tenant(BANK, supervisor), _tenant(TELCO, supervisor)]
    _voice(tenants[0])
    Membership.objects.get_or_create(tenant=tenants[0], user=viewer,
                                     defaults={"role": Role.CLIENT_VIEWER})
    return tenants

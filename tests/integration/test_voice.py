"""Voice with real SIP and RTP on loopback: the embedded engine's PJSUA2 workers, customers as
sipp (RFC 2833 digits from Debian's sip-tester captures) or as scripted PJSUA2 phones playing
a tone, agents' phones as PJSUA2 phones playing another tone. The routing kernel places the
calls; audio is checked on the recordings with a Goertzel tone detector."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async
from django.utils import timezone

from contacta.connectors.models import Inbox, InboxKind
from contacta.conversations.models import Conversation
from contacta.conversations.services import conversation_close, conversation_transfer
from contacta.routing.models import AgentProfile
from contacta.routing.services import agent_state_set
from contacta.routing.worker import routing_tick
from contacta.testing.audio import any_tone_seconds, rms, tone_seconds
from contacta.testing.phone import Phone, free_udp_port, tone
from contacta.testing.sipp import customer_scenario, run_sipp
from contacta.voice.control import VoiceControl
from contacta.voice.engine.embedded import EmbeddedEngine
from contacta.voice.engine.port import MediaReady
from contacta.voice.models import AgentPhone, Call, VoiceInbox
from contacta.voice.prompts import NOTE_HZ
from contacta.voice.services import voice_command
from tests.factories import make_world

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio,
              pytest.mark.xdist_group("voice")]
DID = "6015550100"
IVR = {"welcome": "Bienvenido a Banco Andino.",
       "menu": {"prompt": "Para cartera marque uno. Para tarjetas marque dos.",
                "timeout_seconds": 4, "retries": 1, "invalid": "Opción no válida.",
                "options": {"1": {"queue": None}, "2": {"queue": "OTHER"}}}}


def world_with_phones(agent_phones: list[Phone], *, offer_timeout: int = 8,
                      flow: dict | None = None):
    w = make_world("voz", agents=len(agent_phones), offer_timeout=offer_timeout)
    inbox = Inbox.objects.create(tenant=w.tenant, name="Línea", kind=InboxKind.VOICE,
                                 default_queue=w.queue, public_key="voz-line",
                                 provider_account_id=DID)
    menu = dict(flow if flow is not None else IVR)
    if "menu" in menu:
        menu["menu"] = {**menu["menu"], "options": {
            key: ({"queue": w.other_queue.pk} if target.get("queue") == "OTHER" else target)
            for key, target in menu["menu"]["options"].items()}}
    VoiceInbox.objects.create(tenant=w.tenant, inbox=inbox, ivr=menu,
                              comfort_interval_seconds=4)
    for agent, phone in zip(w.agents, agent_phones, strict=True):
        AgentPhone.objects.create(tenant=w.tenant, agent=agent, sip_uri=phone.uri)
        agent_state_set(w.tenant, agent, status="available")
    return w


@contextlib.asynccontextmanager
async def controlling(engine, tenant):
    """The call controller over a started engine, with the routing worker ticking as
    `contacta serve` does; the engine is stopped at the end."""
    stop = asyncio.Event()

    async def route() -> None:
        while not stop.is_set():
            await sync_to_async(routing_tick)(tenant, timezone.now())
            await asyncio.sleep(0.2)

    tasks = [asyncio.create_task(VoiceControl(engine, tick_seconds=0.1).run(stop)),
             asyncio.create_task(route())]
    try:
        yield engine
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)
        await engine.stop()


@contextlib.asynccontextmanager
async def voice_running(tenant, workers: int = 1):
    """The embedded engine (PJSUA2 workers on loopback) under the controller."""
    engine = EmbeddedEngine(workers=workers, base_port=free_udp_port())
    await engine.start()
    async with controlling(engine, tenant):
        yield engine


async def until(check, timeout=20.0, every=0.1):
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        value = await sync_to_async(check)()
        if value:
            return value
        assert asyncio.get_running_loop().time() < deadline, "timed out"
        await asyncio.sleep(every)


async def connected_call(timeout: float = 30.0):
    """The call the controller has connected (customer and agent talking), and its
    conversation."""
    row = await until(lambda: Call.objects.filter(status="connected").first(), timeout=timeout)
    conv = await sync_to_async(Conversation.objects.get)(pk=row.conversation_id)
    return row, conv


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return tmp_path


async def test_ivr_queue_agent_transfer_hangup_recorded(media):
    customer_tone, agent_tone, second_tone = (tone(media / f"{f}.wav", f)
                                              for f in (440, 1000, 1500))
    agents = [Phone("agent1", play=agent_tone, record=media / "agent1-heard.wav"),
              Phone("agent2", play=second_tone, record=media / "agent2-heard.wav")]
    customer = Phone("cliente", answer_after=None, play=customer_tone,
                     record=media / "customer-heard.wav")
    try:
        w = await sync_to_async(world_with_phones)(agents)
        async with voice_running(w.tenant) as engine:
            call = customer.dial(f"sip:{DID}@{engine.addresses[0]}")
            await asyncio.to_thread(customer.wait, "media_ready", call=call)
            await asyncio.sleep(1.5)  # the welcome is playing: the caller presses 2 over it
            customer.send("send_dtmf", call=call, digits="2")
            row, conv = await connected_call(timeout=30)
            assert conv.queue_id == w.other_queue.pk  # the IVR's choice
            assert conv.assignee_id == w.agents[0].pk
            assert conv.channel == "voice"
            assert row.ivr_path == "2"
            await asyncio.sleep(3)  # they talk: each hears the other's tone
            # A transfer of the conversation moves the call: agent 2's phone rings.
            await sync_to_async(conversation_transfer)(tenant=w.tenant, conversation=conv,
                                                       by=w.agents[0], agent=w.agents[1])
            await until(lambda: Conversation.objects.get(pk=conv.pk).assignee_id
                        == w.agents[1].pk, timeout=30)
            await until(lambda: Call.objects.get(pk=row.pk).status == "connected", timeout=20)
            await asyncio.sleep(2.5)
            agents[0].stop_recording()
            customer.stop_recording()
            customer.send("hangup", call=call)
            ended = await until(lambda: Call.objects.filter(pk=row.pk, status="ended",
                                                            recording__isnull=False).first())
            assert ended.outcome == "completed"
            recording = Path(
                await sync_to_async(lambda: ended.recording.file.path)())
            conv = await sync_to_async(Conversation.objects.get)(pk=conv.pk)
            assert conv.status == "assigned"  # wrap-up and disposition, as for chats
            await sync_to_async(conversation_close)(tenant=w.tenant, conversation=conv,
                                                    agent=w.agents[1],
                                                    disposition_code="solved")
    finally:
        for phone in (*agents, customer):
            phone.close()
    # Audio went both ways: the caller heard agent 1 then agent 2, each agent heard the caller;
    # the call's one recording holds the caller and both agents.
    assert tone_seconds(media / "customer-heard.wav", 1000) >= 1.0
    assert tone_seconds(media / "customer-heard.wav", 1500) >= 1.0
    assert tone_seconds(media / "agent1-heard.wav", 440) >= 1.5
    for frequency in (440, 1000, 1500):
        assert tone_seconds(recording, frequency, threshold=0.2) >= 0.5, frequency
    assert f"tenants/{w.tenant.pk}/recordings/" in str(recording)


async def test_sipp_customer_digits_and_abandon_in_queue(media):
    agent = Phone("agent1", answer_after=None)  # never answers
    try:
        w = await sync_to_async(world_with_phones)([agent], offer_timeout=30)
        await sync_to_async(agent_state_set)(w.tenant, w.agents[0], status="offline")
        async with voice_running(w.tenant) as engine:
            scenario = customer_scenario(media / "abandon.xml", digits="1",
                                         then_wait_ms=4000, hang_up=True)
            sipp = run_sipp(scenario, engine.addresses[0], service=DID,
                            local_port=free_udp_port())
            assert await asyncio.to_thread(sipp.wait, 60) == 0, sipp.stderr.read()
            ended = await until(lambda: Call.objects.filter(status="ended").first())
    finally:
        agent.close()
    assert ended.outcome == "abandoned"
    assert ended.ivr_path == "1"
    assert ended.wait_seconds is not None
    assert ended.wait_seconds > 2
    conv = await sync_to_async(Conversation.objects.select_related("contact").get)(
        pk=ended.conversation_id)
    assert conv.status == "closed"
    assert conv.assignee_id is None
    assert conv.contact.phone == "+573001234567"  # the trunk's bare number, as E.164


async def test_rona_rings_the_next_agent_while_the_caller_hears_music(media):
    agents = [Phone("agent1", answer_after=None), Phone("agent2", answer_after=0.3)]
    customer = Phone("cliente", answer_after=None, record=media / "waiting.wav")
    try:
        w = await sync_to_async(world_with_phones)(agents, offer_timeout=4,
                                                   flow={"welcome": "Hola."})
        async with voice_running(w.tenant) as engine:
            call = customer.dial(f"sip:{DID}@{engine.addresses[0]}")
            _, conv = await connected_call(timeout=40)
            customer.stop_recording()
            customer.send("hangup", call=call)
            await until(lambda: Call.objects.filter(status="ended").exists())
    finally:
        for phone in (*agents, customer):
            phone.close()
    # While agent 1's phone rang for nothing, the caller heard the music on hold.
    assert any_tone_seconds(media / "waiting.wav", list(NOTE_HZ.values())) >= 1.5
    assert agents[0].count("call_started") == 1  # it rang, nobody answered: RONA
    assert agents[0].count("call_ended") == 1
    assert conv.assignee_id == w.agents[1].pk
    first = await sync_to_async(AgentProfile.objects.get)(pk=w.agents[0].pk)
    assert first.status != "available"  # RONA puts the agent not-ready


async def test_callback_keeps_the_place_and_rings_agent_then_customer(media, monkeypatch):
    agent = Phone("agent1", answer_after=0.3)
    customer = Phone("cliente", answer_after=None)
    callee = Phone("cliente-movil", answer_after=0.3)  # where the callback reaches the customer
    monkeypatch.setenv("CONTACTA_VOICE_TRUNK", f"127.0.0.1:{callee.port}")
    try:
        w = await sync_to_async(world_with_phones)([agent], flow={"welcome": "Hola."})
        await sync_to_async(agent_state_set)(w.tenant, w.agents[0], status="offline")
        async with voice_running(w.tenant) as engine:
            call = customer.dial(f"sip:{DID}@{engine.addresses[0]}")
            await until(lambda: Call.objects.filter(status="queued").exists())
            customer.send("send_dtmf", call=call, digits="*")
            await asyncio.to_thread(customer.wait, "call_ended", 20)  # we hung up after the words
            row = await until(lambda: Call.objects.filter(outcome="callback").first())
            assert row.callback_requested
            conv = await sync_to_async(Conversation.objects.get)(pk=row.conversation_id)
            assert conv.status == "queued"  # still in line
            await sync_to_async(agent_state_set)(w.tenant, w.agents[0], status="available")
            await until(lambda: Call.objects.filter(pk=row.pk, status="connected").exists(),
                        timeout=30)
            await asyncio.to_thread(callee.wait, "media_ready", 10)
    finally:
        for phone in (agent, customer, callee):
            phone.close()
    assert agent.count("call_started") == 1
    assert callee.count("call_started") == 1
    assert agent.events[0]["at"] < callee.events[0]["at"]  # the agent first, then the customer


async def test_closed_hours_play_the_message_and_take_voicemail(media):
    customer = Phone("cliente", answer_after=None, play=tone(media / "msg.wav", 700))

    def closed_world():
        from contacta.routing.models import BusinessHours

        w = world_with_phones([], flow={"welcome": "Hola."})
        hours = BusinessHours.objects.create(tenant=w.tenant, name="Nunca", weekly={})
        w.queue.business_hours = hours
        w.queue.save()
        VoiceInbox.objects.filter(tenant=w.tenant).update(closed_message="Estamos cerrados.")
        return w

    try:
        w = await sync_to_async(closed_world)()
        async with voice_running(w.tenant) as engine:
            call = customer.dial(f"sip:{DID}@{engine.addresses[0]}")
            await asyncio.to_thread(customer.wait, "media_ready", 10, call=call)
            await asyncio.sleep(6)  # the message, the tone, then the caller speaks
            customer.send("hangup", call=call)
            row = await until(lambda: Call.objects.filter(status="ended").first())
    finally:
        customer.close()
    assert row.outcome == "voicemail"
    voicemail = media / "media" / "tenants" / str(w.tenant.pk) / "recordings" / \
        f"call-{row.pk}.wav"
    assert tone_seconds(voicemail, 700) >= 1.0
    # The message waits in the queue as a task with the recording, for when agents are back.
    task = await sync_to_async(Conversation.objects.get)(pk=row.conversation_id)
    assert (task.channel, task.status) == ("task", "queued")
    recording = await sync_to_async(
        lambda: task.messages.get(body="voicemail").attachments.get())()  # noqa: PLW0108 - the query must run in the sync thread
    assert recording.content_type == "audio/wav"


async def test_a_crashed_worker_is_restarted_and_its_calls_reported_dropped(media):
    customer = Phone("cliente", answer_after=None)
    try:
        w = await sync_to_async(world_with_phones)([], flow={"welcome": "Hola."})
        async with voice_running(w.tenant) as engine:
            customer.dial(f"sip:{DID}@{engine.addresses[0]}")
            await until(lambda: Call.objects.filter(status="queued").exists())
            old = engine.workers[0].process
            old.kill()
            row = await until(lambda: Call.objects.filter(status="ended").first())
            await until(lambda: engine.workers[0].process is not old)
            await asyncio.wait_for(engine.workers[0].ready.wait(), 15)
            # The restarted worker takes the next call.
            again = Phone("otro", answer_after=None)
            try:
                again.dial(f"sip:{DID}@{engine.addresses[0]}")
                await until(lambda: Call.objects.filter(status="queued").exists())
            finally:
                again.close()
    finally:
        customer.close()
    assert row.outcome == "dropped"
    conv = await sync_to_async(Conversation.objects.get)(pk=row.conversation_id)
    assert conv.status == "closed"  # not left waiting in the queue or on a desktop


async def test_malformed_sip_is_ignored_and_the_engine_keeps_serving(media):
    import socket

    customer = Phone("cliente", answer_after=None)
    try:
        w = await sync_to_async(world_with_phones)([], flow={"welcome": "Hola."})
        async with voice_running(w.tenant) as engine:
            host, port = engine.addresses[0].split(":")
            garbage = [b"\x00\xff" * 300, b"INVITE sip:x SIP/2.0\r\n\r\n",
                       b"INVITE sip:6015550100@127.0.0.1 SIP/2.0\r\nVia: nonsense\r\n"
                       b"Content-Length: 99999\r\n\r\nv=0", b"A" * 60000]
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                for datagram in garbage:
                    sock.sendto(datagram, (host, int(port)))
            await asyncio.sleep(1)
            assert engine.workers[0].process.returncode is None
            customer.dial(f"sip:{DID}@{engine.addresses[0]}")
            await until(lambda: Call.objects.filter(status="queued").exists())
            # An unknown number is refused, not answered.
            stranger = Phone("extraño", answer_after=None)
            try:
                leg = stranger.dial(f"sip:6019999999@{engine.addresses[0]}")
                ended = await asyncio.to_thread(stranger.wait, "call_ended", 10, call=leg)
            finally:
                stranger.close()
    finally:
        customer.close()
    assert ended["code"] == 404
    assert await sync_to_async(Call.objects.count)() == 1


async def test_two_calls_from_one_caller_id_are_two_conversations(media):
    """A company's switchboard shows one number for many lines: each call waits on its own."""
    customers = [Phone("centralita", answer_after=None), Phone("centralita", answer_after=None)]
    try:
        w = await sync_to_async(world_with_phones)([], flow={"welcome": "Hola."})
        async with voice_running(w.tenant) as engine:
            for phone in customers:
                phone.dial(f"sip:{DID}@{engine.addresses[0]}")
            rows = await until(lambda: list(Call.objects.filter(status="queued")) if
                               Call.objects.filter(status="queued").count() == 2 else None)
    finally:
        for phone in customers:
            phone.close()
    assert rows[0].caller == rows[1].caller
    assert rows[0].conversation_id != rows[1].conversation_id


async def test_click_to_call_rings_the_agent_then_the_customer(media, monkeypatch):
    agent = Phone("agent1", answer_after=0.3, play=tone(media / "a.wav", 1000))
    handset = Phone("cliente", answer_after=0.5, play=tone(media / "c.wav", 440),
                    record=media / "handset.wav")
    monkeypatch.setenv("CONTACTA_VOICE_TRUNK", f"127.0.0.1:{handset.port}")

    def place():
        from contacta.contacts.models import Contact
        from contacta.voice.services import click_to_call

        w = world_with_phones([agent], flow={})
        contact = Contact.objects.create(tenant=w.tenant, name="Camila", phone="+573001234567")
        return w, click_to_call(tenant=w.tenant, agent=w.agents[0], contact_id=contact.pk)

    try:
        w, call = await sync_to_async(place)()
        async with voice_running(w.tenant):
            await until(lambda: Call.objects.filter(pk=call.pk, status="connected").exists(),
                        timeout=30)
            await asyncio.sleep(2.5)
            handset.stop_recording()
            leg = (await asyncio.to_thread(handset.wait, "call_started"))["call"]
            handset.send("hangup", call=leg)
            ended = await until(lambda: Call.objects.filter(pk=call.pk, status="ended").first())
    finally:
        agent.close()
        handset.close()
    assert agent.events[0]["at"] < handset.events[0]["at"]
    assert handset.wait("call_started")["called"].startswith("<sip:573001234567@")
    assert tone_seconds(media / "handset.wav", 1000) >= 1.0  # the customer hears the agent
    assert ended.outcome == "completed"
    assert ended.recording_id is not None


@pytest.mark.parametrize(("answers", "outcome"), [(True, "answered"), (False, "no_answer")])
async def test_originate_reports_call_progress(media, monkeypatch, answers, outcome):
    callee = Phone("destino", answer_after=0.3 if answers else None)
    monkeypatch.setenv("CONTACTA_VOICE_TRUNK", f"127.0.0.1:{callee.port}")

    def place():
        from contacta.voice.services import call_originate

        w = world_with_phones([], flow={})
        return w, call_originate(tenant=w.tenant, to="+573001234567", inbox_id=None,
                                 queue_id=None, ring_seconds=5)

    try:
        w, call = await sync_to_async(place)()
        async with voice_running(w.tenant):
            done = await until(lambda: Call.objects.filter(pk=call.pk).exclude(
                outcome="").first(), timeout=20)
            if answers:  # an answered call waits in the queue for an agent
                await until(lambda: Call.objects.filter(pk=call.pk, status="queued").exists())
    finally:
        callee.close()
    assert done.outcome == outcome


async def consulting(media, agents, customer, then):
    """A caller talking to agent 1, who consults agent 2 (the caller on hold), then `then`."""
    w = await sync_to_async(world_with_phones)(agents, flow={"welcome": "Hola."})
    await sync_to_async(agent_state_set)(w.tenant, w.agents[1], status="offline")
    async with voice_running(w.tenant) as engine:
        call = customer.dial(f"sip:{DID}@{engine.addresses[0]}")
        row, conv = await connected_call(timeout=30)
        await sync_to_async(voice_command)(tenant=w.tenant, conversation=conv, op="consult",
                                           args={"agent_id": w.agents[1].pk,
                                                 "uri": agents[1].uri})
        await asyncio.to_thread(agents[1].wait, "media_ready", 15)
        await asyncio.sleep(2)  # the agents talk; the caller hears music
        await sync_to_async(voice_command)(tenant=w.tenant, conversation=conv, op=then)
        if then == "complete":  # agent 1's phone is hung up; agent 2 has the conversation
            await until(lambda: agents[0].count("call_ended") == 1, timeout=15)
            handed = await sync_to_async(Conversation.objects.get)(pk=conv.pk)
            assert handed.assignee_id == w.agents[1].pk  # the conversation went with the call
        await asyncio.sleep(3)  # all who are left talk
        for phone in (*agents, customer):
            phone.stop_recording()
        customer.send("hangup", call=call)
        await until(lambda: Call.objects.filter(pk=row.pk, status="ended").exists())


async def test_consult_then_complete_hands_the_caller_to_the_second_agent(media):
    agents = [Phone("agent1", play=tone(media / "a1.wav", 1000)),
              Phone("agent2", play=tone(media / "a2.wav", 1500),
                    record=media / "agent2-heard.wav")]
    customer = Phone("cliente", answer_after=None, play=tone(media / "c.wav", 440),
                     record=media / "customer-heard.wav")
    try:
        await consulting(media, agents, customer, "complete")
    finally:
        for phone in (*agents, customer):
            phone.close()
    assert tone_seconds(media / "customer-heard.wav", 1500) >= 1.0  # the caller reached agent 2
    assert tone_seconds(media / "agent2-heard.wav", 440) >= 1.0


async def test_conference_lets_all_three_hear_each_other(media):
    agents = [Phone("agent1", play=tone(media / "a1.wav", 1000),
                    record=media / "agent1-heard.wav"),
              Phone("agent2", play=tone(media / "a2.wav", 1500))]
    customer = Phone("cliente", answer_after=None, play=tone(media / "c.wav", 440))
    try:
        await consulting(media, agents, customer, "conference")
    finally:
        for phone in (*agents, customer):
            phone.close()
    heard = media / "agent1-heard.wav"  # agent 1 hears the caller and agent 2 at once
    assert tone_seconds(heard, 440, threshold=0.2) >= 1.0
    assert tone_seconds(heard, 1500, threshold=0.2) >= 1.0


async def test_blind_transfer_to_an_outside_number(media, monkeypatch):
    agent = Phone("agent1")
    outside = Phone("abogado", play=tone(media / "o.wav", 1200))  # the number we hand it to
    customer = Phone("cliente", answer_after=None, record=media / "customer-heard.wav")
    monkeypatch.setenv("CONTACTA_VOICE_TRUNK", f"127.0.0.1:{outside.port}")
    try:
        w = await sync_to_async(world_with_phones)([agent], flow={"welcome": "Hola."})
        async with voice_running(w.tenant) as engine:
            call = customer.dial(f"sip:{DID}@{engine.addresses[0]}")
            row, conv = await connected_call(timeout=30)
            await sync_to_async(voice_command)(tenant=w.tenant, conversation=conv,
                                               op="transfer", args={"number": "+5716001234"})
            await until(lambda: agent.count("call_ended") == 1, timeout=20)  # the agent left
            await asyncio.sleep(2.5)
            customer.stop_recording()
            outside.send("hangup", call=outside.wait("call_started")["call"])
            await asyncio.to_thread(customer.wait, "call_ended", 10, call=call)
            ended = await until(lambda: Call.objects.filter(pk=row.pk, status="ended").first())
    finally:
        for phone in (agent, outside, customer):
            phone.close()
    assert outside.wait("call_started")["called"].startswith("<sip:5716001234@")
    assert tone_seconds(media / "customer-heard.wav", 1200) >= 1.0
    assert ended.outcome == "transferred"


async def test_an_engine_that_cannot_start_leaves_nothing_running():
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:  # the SIP port is in use
        taken.bind(("127.0.0.1", 0))
        engine = EmbeddedEngine(workers=1, base_port=taken.getsockname()[1],
                                ready_timeout_s=2)
        with pytest.raises(TimeoutError):
            await engine.start()
    process = engine.workers[0].process
    assert process is not None
    assert process.returncode is not None  # no worker left behind, no restart loop


async def test_pci_pause_leaves_silence_in_the_recording_and_says_where(media):
    agent = Phone("agent1", play=tone(media / "a.wav", 1000))
    customer = Phone("cliente", answer_after=None, play=tone(media / "c.wav", 440))
    try:
        w = await sync_to_async(world_with_phones)([agent], flow={"welcome": "Hola."})
        async with voice_running(w.tenant) as engine:
            call = customer.dial(f"sip:{DID}@{engine.addresses[0]}")
            row, conv = await connected_call(timeout=30)
            await asyncio.sleep(2)
            await sync_to_async(voice_command)(tenant=w.tenant, conversation=conv,
                                               op="record_pause")
            await until(lambda: Call.objects.get(pk=row.pk).recording_pauses)
            await asyncio.sleep(3)  # the card number is spoken now
            await sync_to_async(voice_command)(tenant=w.tenant, conversation=conv,
                                               op="record_resume")
            await until(lambda: Call.objects.get(pk=row.pk).recording_pauses[0]["resumed_at"])
            await asyncio.sleep(2)
            customer.send("hangup", call=call)
            ended = await until(lambda: Call.objects.filter(pk=row.pk, status="ended",
                                                            recording__isnull=False).first())
            recording = Path(await sync_to_async(lambda: ended.recording.file.path)())
            note = await sync_to_async(lambda: conv.messages.filter(
                body__startswith="recording_paused:").get().body)()
    finally:
        agent.close()
        customer.close()
    (pause,) = ended.recording_pauses
    assert pause["resumed_at"] - pause["paused_at"] >= 2.5
    assert rms(recording, pause["paused_at"] + 0.5, pause["resumed_at"] - 0.5) < 0.001
    assert rms(recording, 0.2, pause["paused_at"] - 0.2) > 0.05  # before: both voices
    assert note == f"recording_paused:{pause['paused_at']}-{pause['resumed_at']}"


async def test_a_leg_recorded_before_its_audio_is_up_is_heard_once_it_answers(tmp_path):
    """Recording may start while a leg still rings (its media not negotiated yet): the worker
    connects it to the recorder when its audio comes up, so its voice is in the file."""
    callee = Phone("callee", answer_after=1.0, play=tone(tmp_path / "callee.wav", 1000))
    engine = EmbeddedEngine(workers=1, base_port=free_udp_port())
    await engine.start()
    try:
        events = engine.events()
        leg = await engine.originate(callee.uri, timeout_s=10)
        path = tmp_path / "early.wav"
        recording = await engine.record_start([leg], str(path))  # still ringing: no audio
        deadline = asyncio.get_running_loop().time() + 15
        async for event in events:
            if isinstance(event, MediaReady) and event.call == leg:
                break
            assert asyncio.get_running_loop().time() < deadline, "the callee never answered"
        await asyncio.sleep(3)
        await engine.record_stop(recording)
        await engine.hangup(leg, 200)
        await asyncio.sleep(0.5)  # the worker closes the file on its next loop
        assert tone_seconds(path, 1000) >= 1.5
    finally:
        await engine.stop()
        callee.close()

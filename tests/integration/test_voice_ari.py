"""The same call control over the Asterisk ARI adapter, against a fake Asterisk that serves
ARI's documented REST resources and events WebSocket: an inbound call through the IVR and the
queue to an agent's phone, bridged and recorded on the bridge, the recording fetched."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from asgiref.sync import sync_to_async

from contacta.conversations.models import Conversation
from contacta.routing.models import AgentProfile
from contacta.testing.fake_ari import FakeAri
from contacta.voice.engine.ari import AriEngine
from contacta.voice.models import Call
from tests.integration.test_voice import DID, controlling, until, world_with_phones

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio]


class PhoneAddress:
    """The agent's phone lives behind Asterisk: only its SIP address matters here."""

    def __init__(self, name: str) -> None:
        self.uri = f"sip:{name}@pbx.example"


@pytest.fixture
def fake_ari(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    server = FakeAri()
    yield server
    server.close()


@contextlib.asynccontextmanager
async def ari_running(fake, tenant):
    engine = AriEngine(fake.base_url, app="contacta", user="contacta", password="secret")
    await engine.start()
    async with controlling(engine, tenant):
        yield engine


async def test_inbound_call_over_ari(fake_ari):
    w = await sync_to_async(world_with_phones)([PhoneAddress("agent1")])
    async with ari_running(fake_ari, w.tenant):
        customer = fake_ari.incoming("573001234567", DID)
        await until(lambda: fake_ari.calls("POST", f"/channels/{customer}/play"))
        fake_ari.press(customer, "2")
        row = await until(lambda: Call.objects.filter(status="connected").first())
        conv = await sync_to_async(Conversation.objects.get)(pk=row.conversation_id)
        assert (conv.queue_id, conv.assignee_id) == (w.other_queue.pk, w.agents[0].pk)
        # The row says connected when the agent answers; the bridge and its recording follow.
        await until(lambda: any(p.endswith("/record") for _, p, _ in fake_ari.requests))
        fake_ari.far_end_hangup(customer)
        ended = await until(lambda: Call.objects.filter(status="ended",
                                                        recording__isnull=False).first())
        recording = Path(await sync_to_async(lambda: ended.recording.file.path)())
    assert ended.outcome == "completed"
    assert ended.caller == "573001234567"
    assert fake_ari.calls("POST", f"/channels/{customer}/answer")
    assert fake_ari.calls("POST", f"/channels/{customer}/moh")  # music while queued
    (originate,) = [params for method, path, params in fake_ari.requests
                    if (method, path) == ("POST", "/channels")]
    assert originate["endpoint"] == "PJSIP/contacta/sip:agent1@pbx.example"
    assert originate["app"] == "contacta"
    (_, path, added), = fake_ari.calls("POST", "/bridges/")[:1]
    assert path.endswith("/addChannel")
    assert customer in added["channel"].split(",")
    record = next(path for _, path, _ in fake_ari.requests if path.endswith("/record"))
    assert record.startswith("/bridges/")  # the whole conversation, on its bridge
    assert recording.read_bytes().startswith(b"RIFF")
    assert f"tenants/{w.tenant.pk}/recordings" in str(recording)


async def test_busy_agent_phone_is_rona_and_bad_credentials_are_refused(fake_ari):
    fake_ari.originate_result = "busy"
    w = await sync_to_async(world_with_phones)([PhoneAddress("agent1")],
                                               flow={"welcome": "Hola."})
    async with ari_running(fake_ari, w.tenant):
        customer = fake_ari.incoming("573001234567", DID)
        await until(lambda: [r for r in fake_ari.requests if r[:2] == ("POST", "/channels")])
        await until(lambda: Call.objects.filter(status="queued").exists())
        # The busy phone is RONA: the agent goes not-ready.
        await until(lambda: AgentProfile.objects.get(pk=w.agents[0].pk).status != "available")
        fake_ari.far_end_hangup(customer)
        ended = await until(lambda: Call.objects.filter(status="ended").first())
    assert ended.outcome == "abandoned"
    wrong = AriEngine(fake_ari.base_url, app="contacta", user="contacta", password="wrong",
                      connect_timeout_s=2)
    with pytest.raises(TimeoutError):  # the events socket is refused: never connected
        await wrong.start()
    assert wrong._reader is not None
    assert wrong._reader.done()  # and no reconnect loop is left behind


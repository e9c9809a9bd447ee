"""Kamailio as the one SIP address in front of the engine's workers: calls are spread over the
workers, a dead worker is skipped, and the call goes on through the IVR and the queue."""

from __future__ import annotations

import asyncio

import pytest
from asgiref.sync import sync_to_async

from contacta.testing.phone import Phone, free_udp_port
from contacta.voice import edge
from contacta.voice.models import Call
from tests.integration.test_voice import DID, until, voice_running, world_with_phones

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.asyncio,
              pytest.mark.xdist_group("voice")]


async def test_one_address_spreads_calls_and_skips_a_dead_worker(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    assert edge.available(), "make system-deps installs kamailio"
    customers = [Phone(f"cliente{n}", answer_after=None) for n in range(3)]
    w = await sync_to_async(world_with_phones)([], flow={"welcome": "Hola."})
    port = free_udp_port()
    kamailio = None
    try:
        async with voice_running(w.tenant, workers=2) as engine:
            dead = f"127.0.0.1:{free_udp_port()}"  # a worker that is gone
            kamailio = edge.start(tmp_path / "edge", "127.0.0.1", port,
                                  [dead, *engine.addresses])
            await asyncio.sleep(1.0)
            assert kamailio.poll() is None, (tmp_path / "edge" / "kamailio.log").read_text()
            for customer in customers:
                customer.dial(f"sip:{DID}@127.0.0.1:{port}")
            rows = await until(lambda: list(Call.objects.filter(status="queued"))
                               if Call.objects.filter(status="queued").count() == 3 else None,
                               timeout=30)
            legs = {row.customer_leg.split("-")[0] for row in rows}
    finally:
        if kamailio is not None:
            kamailio.terminate()
            kamailio.wait(timeout=10)
        for customer in customers:
            customer.close()
    assert legs == {"w0r0", "w1r0"}  # both workers took calls
    assert len(rows) == 3

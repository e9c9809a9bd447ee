"""Our SMPP client against an SMSC the test runs on loopback (smpp34's server): bind, long
Spanish text as concatenated UCS-2 parts, mobile-originated deliver_sm, delivery receipts."""

from __future__ import annotations

import asyncio
import socket

import pytest
import smpp34

from contacta.connectors.sms.smpp import gsm, pdu
from contacta.connectors.sms.smpp.client import Reassembler, SmppClient

pytestmark = pytest.mark.asyncio


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def test_submit_long_text_and_receive_messages_and_receipts():
    port = free_port()
    smsc = smpp34.Server("127.0.0.1", port, system_id="smsc")
    await smsc.start()
    delivered: list[pdu.ShortMessage] = []
    got = asyncio.Event()

    async def on_deliver(message):
        delivered.append(message)
        if len(delivered) == 2:
            got.set()

    client = SmppClient("127.0.0.1", port, "contacta", "secret", on_deliver=on_deliver)
    await client.connect()
    esme = await asyncio.wait_for(smsc.next(), 5)
    assert isinstance(esme, smpp34.Esme)
    text = "Señora Ramírez, su acuerdo de pago quedó registrado: cuota de $150.000 el día 30. " * 2
    sending = asyncio.create_task(client.send_text("+573009998877", "+573001234567", text))
    received = Reassembler()
    whole = None
    for n in range(3):
        event = await asyncio.wait_for(smsc.next(), 5)
        assert isinstance(event, smpp34.SubmitSmEvent)
        assert event.data_coding == gsm.DATA_CODING_UCS2  # "í" and "ó" need UCS-2
        assert event.esm_class & pdu.ESM_UDHI
        part, concat = gsm.decode(event.data_coding, bytes(event.short_message), True)
        whole = received.add(event.source_addr, part, concat) or whole
        event.accept(f"msg-{n}")
    assert await asyncio.wait_for(sending, 5) == ["msg-0", "msg-1", "msg-2"]
    assert whole == text
    await esme.deliver_sm("+573009998877", gsm.gsm_encode("¿Puedo pagar el lunes?"),
                          source_addr="+573001234567")
    await esme.deliver_sm("+573009998877",
                          b"id:msg-0 sub:001 dlvrd:001 submit date:2611271200 "
                          b"done date:2611271201 stat:DELIVRD err:000 text:",
                          source_addr="+573001234567", esm_class=pdu.ESM_DELIVERY_RECEIPT)
    await asyncio.wait_for(got.wait(), 5)
    first, receipt = delivered
    assert gsm.decode(first.data_coding, first.payload, False)[0] == "¿Puedo pagar el lunes?"
    assert receipt.esm_class & pdu.ESM_DELIVERY_RECEIPT
    assert pdu.parse_receipt(receipt.payload.decode())[:2] == ("msg-0", "DELIVRD")
    await client.close()
    await smsc.stop()


async def test_refused_submit_and_dropped_link_are_errors():
    port = free_port()
    smsc = smpp34.Server("127.0.0.1", port, system_id="smsc")
    await smsc.start()
    client = SmppClient("127.0.0.1", port, "contacta", "secret", response_timeout_s=3)
    await client.connect()
    await asyncio.wait_for(smsc.next(), 5)
    sending = asyncio.create_task(client.send_text("1", "2", "hola"))
    event = await asyncio.wait_for(smsc.next(), 5)
    event.reject(smpp34.ESME_RINVDSTADR)
    with pytest.raises(ConnectionError) as refused:
        await sending
    assert "refused" in str(refused.value)
    await smsc.stop()
    with pytest.raises((ConnectionError, TimeoutError)):  # nobody answers any more
        await client.send_text("1", "2", "otra vez")
    await client.close()


async def test_a_message_we_could_not_keep_is_refused_and_the_link_stays_up():
    """When storing a deliver_sm fails (say, the database is away) the SMSC gets an error
    response — so it delivers again later — and the link carries on with the next one."""
    port = free_port()
    smsc = smpp34.Server("127.0.0.1", port, system_id="smsc")
    await smsc.start()
    kept: list[bytes] = []

    async def on_deliver(message):
        if not kept and message.payload == gsm.gsm_encode("primero"):
            kept.append(b"failed once")
            raise RuntimeError("database away")
        kept.append(message.payload)

    client = SmppClient("127.0.0.1", port, "contacta", "secret", on_deliver=on_deliver)
    await client.connect()
    esme = await asyncio.wait_for(smsc.next(), 5)
    answer = await esme.deliver_sm("+573009998877", gsm.gsm_encode("primero"),
                                   source_addr="+573001234567")
    assert answer.command_status == 0x00000008  # ESME_RSYSERR: deliver it again later
    for text in ("primero", "segundo"):  # the SMSC's retry, then the next message
        answer = await esme.deliver_sm("+573009998877", gsm.gsm_encode(text),
                                       source_addr="+573001234567")
        assert answer.is_success
    assert kept == [b"failed once", gsm.gsm_encode("primero"), gsm.gsm_encode("segundo")]
    assert client.bound.is_set()
    await client.close()
    await smsc.stop()

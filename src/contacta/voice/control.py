"""Call control, written once against the call-engine port: the IVR, the queue with music and
position announcements, virtual-hold callbacks, ringing the offered agent's phone (RONA when
it is not answered), bridging and recording, the agent's controls (hold, mute, transfer,
DTMF, recording pause), click-to-call and originate.

The routing decisions are the kernel's: a queued call is a conversation like any other; when
the routing worker offers it to an agent, this controller rings that agent's phone, and the
phone being answered is the agent accepting. Database work runs in Django's sync thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from asgiref.sync import sync_to_async

from contacta.core.voice import ivr
from contacta.voice import prompts, services
from contacta.voice.engine.port import (
    CallAnswered,
    CallEnded,
    CallEngine,
    CallStarted,
    DtmfReceived,
    EngineError,
    EngineEvent,
    PlaybackFinished,
)
from contacta.voice.models import CallOutcome, CallStatus, RecordingPolicy

log = logging.getLogger(__name__)
T = TypeVar("T")
VOICEMAIL_MAX_SECONDS = 60
BUSY_CODES = {486, 600}
NO_ANSWER_CODES = {408, 480, 487}  # ring time out, temporarily unavailable, cancelled


def progress_outcome(code: int) -> str:
    """What a dialled call that never talked came to, from the SIP status that ended it."""
    if code in BUSY_CODES:
        return CallOutcome.BUSY
    return CallOutcome.NO_ANSWER if code in NO_ANSWER_CODES else CallOutcome.FAILED


async def db(function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    return await sync_to_async(function, thread_sensitive=True)(*args, **kwargs)


def trunk_uri(number: str) -> str:
    """Where calls to the outside go: CONTACTA_VOICE_TRUNK is the SIP trunk's host:port."""
    return f"sip:{number.lstrip('+')}@{os.environ.get('CONTACTA_VOICE_TRUNK', '127.0.0.1:5060')}"


@dataclass
class LiveCall:
    call_id: int
    tenant_id: int
    language: str = "es"
    flow: dict[str, Any] = field(default_factory=dict)
    customer: str = ""
    phase: str = "ivr"  # ivr, closed, voicemail, queue, ringing, connected, held, consult, end
    ivr_state: ivr.IvrState = field(default_factory=ivr.IvrState)
    callback_digit: str = "*"
    comfort_interval: float = 30.0
    next_comfort: float = 0.0
    playback: str = ""
    play_purpose: str = ""
    timer: asyncio.TimerHandle | None = None
    agent_leg: str = ""
    agent_id: int | None = None
    ringing_agent_id: int | None = None
    other_leg: str = ""  # consult target or external party
    other_agent_id: int | None = None
    recording: str = ""
    recording_path: str = ""
    recording_started: float = 0.0
    pauses: list[dict[str, Any]] = field(default_factory=list)
    outcome: str = ""
    recording_policy: str = RecordingPolicy.ALL
    kind: str = "inbound"  # inbound, click (click-to-call), callback or originate
    queue_id: int | None = None  # where an originated call waits once answered
    customer_number: str = ""  # whom to dial, for click-to-call and callbacks
    voicemail: bool = False


class VoiceControl:
    def __init__(self, engine: CallEngine, *, tick_seconds: float = 0.25) -> None:
        self.engine = engine
        self.tick_seconds = tick_seconds
        self.by_leg: dict[str, LiveCall] = {}
        self.by_call: dict[int, LiveCall] = {}
        self.dialing_callbacks: set[int] = set()
        self._timers: set[asyncio.Task[None]] = set()  # timer work in flight, kept and logged

    # --- the loop --------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        events = asyncio.create_task(self._consume())
        try:
            while not stop.is_set():
                try:
                    await self.tick()
                except Exception:  # one bad tick must not stop telephony
                    log.exception("voice tick failed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), self.tick_seconds)
        finally:
            events.cancel()

    async def _consume(self) -> None:
        async for event in self.engine.events():
            try:
                await self.handle(event)
            except Exception:
                log.exception("voice event %s failed", event)

    async def handle(self, event: EngineEvent) -> None:
        log.debug("voice event %s", event)
        if isinstance(event, CallStarted):
            await self._started(event)
            return
        live = self.by_leg.get(event.call)
        if live is None:
            return
        if isinstance(event, DtmfReceived) and event.call == live.customer:
            await self._digit(live, event.digit)
        elif isinstance(event, PlaybackFinished) and event.playback == live.playback:
            live.playback = ""
            await self._played(live)
        elif isinstance(event, CallAnswered):
            await self._answered(live, event.call)
        elif isinstance(event, CallEnded):
            await self._ended(live, event)

    # --- arrival and IVR -------------------------------------------------------------------
    async def _started(self, event: CallStarted) -> None:
        arrival = await db(services.call_arrive, leg=event.call, caller_uri=event.caller,
                           called_uri=event.called)
        if arrival is None:
            await self.engine.hangup(event.call, 404)  # nobody here has that number
            return
        live = LiveCall(call_id=arrival.call_id, tenant_id=arrival.tenant_id,
                        language=arrival.language, flow=arrival.flow, customer=event.call,
                        callback_digit=arrival.callback_digit,
                        comfort_interval=float(arrival.comfort_interval_seconds or 30))
        self._track(live, event.call)
        await self.engine.answer(event.call)
        if not arrival.is_open:
            live.phase = "closed"
            live.outcome = CallOutcome.CLOSED
            live.voicemail = arrival.voicemail
            await self._say(live, arrival.closed_message, "closed")
            return
        await self._ivr(live, ivr.Started())

    def _track(self, live: LiveCall, leg: str) -> None:
        self.by_leg[leg] = live
        self.by_call[live.call_id] = live

    async def _say(self, live: LiveCall, text: str, purpose: str, leg: str = "") -> None:
        live.play_purpose = purpose
        try:
            path = await db(prompts.prompt_path, live.tenant_id, live.language, text)
        except (OSError, subprocess.SubprocessError):
            # No words (espeak-ng missing, disk full): the call moves on rather than hanging
            # in silence.
            log.exception("prompt %r could not be made", text[:40])
            await self._played(live)
            return
        live.playback = await self.engine.play(leg or live.customer, str(path))

    async def _play_file(self, live: LiveCall, path: str, purpose: str) -> None:
        live.play_purpose = purpose
        live.playback = await self.engine.play(live.customer, path)

    async def _ivr(self, live: LiveCall, event: ivr.Event) -> None:
        live.ivr_state, actions = ivr.step(live.flow, live.ivr_state, event)
        for action in actions:
            if isinstance(action, ivr.StopSaying):
                self._cancel_timer(live)
                if live.playback:
                    live.playback = ""
                    with contextlib.suppress(EngineError):
                        await self.engine.stop_playback(live.customer)
            elif isinstance(action, ivr.Say):
                await self._say(live, action.text, "ivr")
            elif isinstance(action, ivr.WaitForDigit):
                self._set_timer(live, action.seconds, lambda: self._ivr(live, ivr.TimedOut()))
            elif isinstance(action, ivr.EnterQueue):
                await self._enqueue(live, action.queue_id)
            elif isinstance(action, ivr.Goodbye):
                live.outcome = CallOutcome.IVR_HANGUP
                await self._say(live, action.text or "@goodbye", "goodbye")

    def _set_timer(self, live: LiveCall, seconds: float,
                   then: Callable[[], Awaitable[None]]) -> None:
        """Run `then` after `seconds` unless cancelled; its failure is logged, not lost."""
        self._cancel_timer(live)

        def fire() -> None:
            task = asyncio.ensure_future(self._guarded(then()))
            self._timers.add(task)
            task.add_done_callback(self._timers.discard)

        live.timer = asyncio.get_running_loop().call_later(seconds, fire)

    @staticmethod
    async def _guarded(work: Awaitable[None]) -> None:
        try:
            await work
        except Exception:
            log.exception("voice timer failed")

    @staticmethod
    def _cancel_timer(live: LiveCall) -> None:
        if live.timer is not None:
            live.timer.cancel()
            live.timer = None

    async def _digit(self, live: LiveCall, digit: str) -> None:
        if live.phase == "ivr":
            await self._ivr(live, ivr.Digit(digit))
        elif live.phase in {"queue", "ringing"} and digit == live.callback_digit:
            await db(services.call_callback, live.call_id)
            live.outcome = CallOutcome.CALLBACK
            live.phase = "end"
            if live.agent_leg:
                await self.engine.hangup(live.agent_leg, 487)
            await self._say(live, "@callback", "goodbye")

    async def _played(self, live: LiveCall) -> None:
        purpose = live.play_purpose
        if purpose == "ivr" and live.phase == "ivr":
            await self._ivr(live, ivr.PromptFinished())
        elif purpose == "goodbye":
            await self.engine.hangup(live.customer, 200)
        elif purpose == "closed":
            if live.voicemail:
                live.phase = "voicemail"
                live.outcome = CallOutcome.VOICEMAIL
                await self._play_file(live, str(await db(prompts.beep)), "beep")
            else:
                await self.engine.hangup(live.customer, 200)
        elif purpose == "beep":
            await self._record(live, [live.customer])
            self._set_timer(live, VOICEMAIL_MAX_SECONDS,
                            lambda: self.engine.hangup(live.customer, 200))
        elif purpose == "comfort" and live.phase in {"queue", "ringing"}:
            await self._music(live)

    # --- the queue -------------------------------------------------------------------------
    async def _enqueue(self, live: LiveCall, queue_id: int | None) -> None:
        await db(services.call_enqueue, live.call_id, queue_id, live.ivr_state.pressed)
        live.phase = "queue"
        live.next_comfort = time.monotonic() + live.comfort_interval
        await self._music(live)

    async def _music(self, live: LiveCall) -> None:
        path = await db(prompts.music_on_hold)
        live.play_purpose = "music"
        live.playback = await self.engine.play(live.customer, str(path), loop=True)

    async def tick(self) -> None:
        following = [live for live in self.by_call.values()
                     if live.phase in {"queue", "ringing", "connected", "held"}]
        if following:
            views = await db(services.calls_routing_view, [live.call_id for live in following])
            for live in following:
                view = views.get(live.call_id)
                if view is not None and live.phase in {"queue", "ringing", "connected", "held"}:
                    await self._follow_routing(live, view)
        await self._callbacks()
        for command in await db(services.commands_due):
            target = self.by_call.get(command.call_id)
            error = ""
            try:
                if command.op == "dial":
                    await self._dial_out(command.call_id, command.tenant_id,
                                         int(command.args.get("agent_id", 0)))
                elif command.op == "originate":
                    await self._originate(command.call_id, command.tenant_id, command.args)
                elif target is None:
                    error = "the call is not active"
                else:
                    await self.command(target, command.op, command.args)
            except (EngineError, ValueError, KeyError) as exc:
                error = str(exc) or type(exc).__name__
            await db(services.command_done, command.pk, error)

    async def _follow_routing(self, live: LiveCall, view: services.QueueView) -> None:
        if live.phase in {"connected", "held"}:
            if view.status in {"queued", "offered"}:  # transferred to a queue or an agent
                await self._transfer(live, {})
            return
        if live.phase == "queue" and view.offered_agent_id is not None:
            if not view.agent_uri:  # an agent without a phone cannot take a call: RONA
                await db(services.call_agent_missed, live.call_id, view.offered_agent_id)
                return
            try:
                leg = await self.engine.originate(
                    view.agent_uri, timeout_s=max(5.0, view.offer_seconds_left),
                    near=live.customer)
            except EngineError:
                await db(services.call_agent_missed, live.call_id, view.offered_agent_id)
                return
            live.phase, live.agent_leg = "ringing", leg
            live.ringing_agent_id = view.offered_agent_id
            self.by_leg[leg] = live
            await db(services.call_agent_ringing, live.call_id, leg)
        elif live.phase == "ringing" and view.offered_agent_id != live.ringing_agent_id:
            # The offer moved on (expired by the routing worker): stop ringing that phone.
            leg, live.agent_leg, live.phase = live.agent_leg, "", "queue"
            await self.engine.hangup(leg, 487)
        elif live.phase == "queue" and time.monotonic() >= live.next_comfort:
            live.next_comfort = time.monotonic() + live.comfort_interval
            position, wait_seconds = await db(services.call_position, live.call_id)
            minutes = max(1, round(wait_seconds / 60))
            text = (f"Su posición en la fila es {position}. Tiempo estimado de espera: "
                    f"{minutes} minutos. Para que le devolvamos la llamada, marque "
                    f"{'asterisco' if live.callback_digit == '*' else live.callback_digit}."
                    if live.language.startswith("es") else
                    f"You are number {position} in line. Estimated wait: {minutes} "
                    f"minutes. To be called back, press {live.callback_digit}.")
            await self._say(live, text, "comfort")

    async def _answered(self, live: LiveCall, leg: str) -> None:
        if leg == live.agent_leg and live.phase == "ringing":
            agent_id = live.ringing_agent_id
            assert agent_id is not None
            # Not "ringing" any more while the accept is written: the routing follow-up in
            # tick() must not take the accepted offer's end for an expiry and hang up.
            live.phase = "answering"
            if not await db(services.call_agent_answered, live.call_id, agent_id):
                await self.engine.hangup(leg, 487)
                live.agent_leg, live.phase = "", "queue"
                return
            live.agent_id = agent_id
            await self._connect(live)
        elif leg == live.agent_leg and live.phase == "dial_agent":
            # Click-to-call or callback: the agent answered (accepting), now the customer's
            # phone rings.
            if live.agent_id is None or not await db(services.call_agent_answered,
                                                     live.call_id, live.agent_id):
                await self.engine.hangup(leg, 487)
                return
            customer = await self.engine.originate(
                trunk_uri(live.customer_number), timeout_s=30, near=leg,
                caller_id=await db(services.caller_id_for, live.call_id))
            live.customer, live.phase = customer, "dial_customer"
            self.by_leg[customer] = live
        elif leg == live.customer and live.phase == "dial_customer":
            await self._connect(live)
        elif leg == live.customer and live.phase == "originating":
            arrival = await db(services.call_originated_answered, live.call_id)
            live.language, live.callback_digit = arrival.language, arrival.callback_digit
            live.comfort_interval = float(arrival.comfort_interval_seconds)
            await self._enqueue(live, live.queue_id)
        elif leg == live.other_leg and live.phase == "consult":
            await self.engine.bridge([live.agent_leg, live.other_leg])
        elif leg == live.other_leg and live.phase == "external":
            await self.engine.bridge([live.customer, live.other_leg])
            if live.recording:
                await self.engine.record_add(live.recording, live.other_leg)
            await self.engine.hangup(live.agent_leg, 200)

    async def _connect(self, live: LiveCall) -> None:
        with contextlib.suppress(EngineError):
            await self.engine.stop_playback(live.customer)
        live.playback = ""
        await self.engine.bridge([live.customer, live.agent_leg])
        live.phase = "connected"
        if live.recording:  # after a transfer: the same recording goes on with the new agent
            await self.engine.record_add(live.recording, live.agent_leg)
        else:
            policy = await db(services.call_recording_policy, live.call_id)
            live.recording_policy = policy
            if policy == RecordingPolicy.ALL:
                await self._record(live, [live.customer, live.agent_leg])
        # Only now "Talking": both hear each other, and hold or transfer can act on the call.
        await db(services.call_mark, live.call_id, status=CallStatus.CONNECTED)

    async def _record(self, live: LiveCall, legs: list[str]) -> None:
        path = await db(services.recording_path, live.tenant_id, live.call_id)
        live.recording_path = str(path)
        live.recording = await self.engine.record_start(legs, str(path))
        live.recording_started = time.monotonic()

    async def _finish_recording(self, live: LiveCall) -> None:
        if not live.recording:
            return
        recording, live.recording = live.recording, ""
        with contextlib.suppress(EngineError):
            await self.engine.record_stop(recording)
        await asyncio.sleep(0.1)  # the worker closes the file on its next loop
        if live.phase == "voicemail":  # a message left out of hours: work for the morning
            await db(services.call_voicemail_store, live.call_id, live.recording_path)
            return
        await db(services.call_recording_store, live.call_id, live.recording_path, live.pauses)

    # --- endings ---------------------------------------------------------------------------
    async def _ended(self, live: LiveCall, event: CallEnded) -> None:
        self.by_leg.pop(event.call, None)
        if event.call == live.customer:
            await self._customer_gone(live, event)
        elif event.call == live.agent_leg:
            await self._agent_gone(live, event)
        elif event.call == live.other_leg:
            live.other_leg = ""
            if live.phase in {"consult", "external"} and not live.agent_leg:
                await self.engine.hangup(live.customer, 200)  # handed over, and they are done
            elif live.phase in {"consult", "external"}:
                live.phase = "held"  # the third party did not answer or left: back to hold

    async def _customer_gone(self, live: LiveCall, event: CallEnded) -> None:
        self._cancel_timer(live)
        for leg in (live.agent_leg, live.other_leg):
            if leg:
                await self.engine.hangup(leg, 200)
        await self._finish_recording(live)
        outcome = live.outcome or {
            "ivr": CallOutcome.IVR_HANGUP, "queue": CallOutcome.ABANDONED,
            "ringing": CallOutcome.ABANDONED, "closed": CallOutcome.CLOSED,
            "voicemail": CallOutcome.VOICEMAIL, "dial_customer": CallOutcome.NO_ANSWER,
        }.get(live.phase, CallOutcome.COMPLETED)
        if live.phase == "originating":
            outcome = progress_outcome(event.code)
            await db(services.call_progress, live.call_id, outcome, f"{event.code} {event.reason}")
            self._forget(live)
            return
        if live.phase == "dial_customer":
            outcome = progress_outcome(event.code)
        if event.engine_failure:
            outcome = CallOutcome.DROPPED
        await db(services.call_end, live.call_id, outcome=outcome,
                 cause=f"{event.code} {event.reason}")
        self._forget(live)

    def _forget(self, live: LiveCall) -> None:
        live.phase = "end"
        self.by_call.pop(live.call_id, None)
        self.dialing_callbacks.discard(live.call_id)
        for leg, owner in list(self.by_leg.items()):
            if owner is live:
                del self.by_leg[leg]

    async def _agent_gone(self, live: LiveCall, event: CallEnded) -> None:
        leg, live.agent_leg = live.agent_leg, ""
        if live.phase in {"ringing", "answering"}:
            if live.ringing_agent_id is not None:
                await db(services.call_agent_missed, live.call_id, live.ringing_agent_id)
            live.phase = "queue"
        elif live.phase in {"connected", "held"}:
            live.outcome = live.outcome or CallOutcome.COMPLETED
            await self.engine.hangup(live.customer, 200)  # the agent hung up: call over
        elif live.phase == "dial_agent":
            if live.kind == "callback" and live.agent_id is not None:
                await db(services.call_agent_missed, live.call_id, live.agent_id)  # RONA
            else:
                await db(services.call_end, live.call_id, outcome=CallOutcome.NO_ANSWER,
                         cause=f"agent {event.code}")
            self.by_call.pop(live.call_id, None)
            self.dialing_callbacks.discard(live.call_id)
        del leg

    # --- agent controls --------------------------------------------------------------------
    async def command(self, live: LiveCall, op: str, args: dict[str, Any]) -> None:
        if op == "hold" and live.phase == "connected":
            await self.engine.unbridge(live.customer)
            await self._music(live)
            live.phase = "held"
            await db(services.call_mark, live.call_id, status=CallStatus.HELD)
        elif op == "unhold" and live.phase == "held":
            await self.engine.stop_playback(live.customer)
            await self.engine.bridge([live.customer, live.agent_leg])
            live.phase = "connected"
            await db(services.call_mark, live.call_id, status=CallStatus.CONNECTED)
        elif op in {"mute", "unmute"}:
            await self.engine.mute(live.agent_leg, op == "mute")
            await db(services.call_mark, live.call_id, muted=op == "mute")
        elif op == "dtmf":
            digits = str(args.get("digits", ""))
            if not digits or any(d not in "0123456789*#" for d in digits):
                raise ValueError("digits are 0-9, * and #")
            await self.engine.send_dtmf(live.other_leg or live.customer, digits)
        elif op == "record_start" and not live.recording and live.phase in {"connected", "held"}:
            await self._record(live, [live.customer, live.agent_leg])
        elif op == "record_pause" and live.recording:
            await self.engine.record_pause(live.recording)
            live.pauses.append({"paused_at": round(time.monotonic() - live.recording_started,
                                                   1), "resumed_at": None})
            await db(services.call_mark, live.call_id, pauses=live.pauses)
        elif op == "record_resume" and live.recording and live.pauses:
            await self.engine.record_resume(live.recording)
            live.pauses[-1]["resumed_at"] = round(time.monotonic() - live.recording_started, 1)
            await db(services.call_mark, live.call_id, pauses=live.pauses)
        elif op == "hangup":
            await self.engine.hangup(live.customer, 200)
        elif op == "transfer":
            await self._transfer(live, args)
        elif op in {"consult", "complete", "conference", "cancel"}:
            await self._consult(live, op, args)
        else:
            raise ValueError(f"{op} is not possible now")

    async def _transfer(self, live: LiveCall, args: dict[str, Any]) -> None:
        """Blind transfer. To a queue or an agent the conversation was already moved by the
        API; here the agent's leg goes and the caller waits with music for the next ring.
        To an external number the caller is bridged to it when it answers."""
        if args.get("number"):
            if live.phase == "connected":
                await self.engine.unbridge(live.customer)
                await self._music(live)
            live.phase = "external"
            live.other_leg = await self.engine.originate(
                trunk_uri(str(args["number"])), timeout_s=30, near=live.customer,
                caller_id=await db(services.caller_id_for, live.call_id))
            self.by_leg[live.other_leg] = live
            live.outcome = CallOutcome.TRANSFERRED
            return
        if live.agent_leg:
            leg, live.agent_leg = live.agent_leg, ""
            await self.engine.unbridge(live.customer)
            await self.engine.hangup(leg, 200)
        live.phase = "queue"
        live.ringing_agent_id = None
        await self._music(live)

    async def _consult(self, live: LiveCall, op: str, args: dict[str, Any]) -> None:
        """Consultative transfer: the caller on hold, the agent talks to the target first;
        then complete (the caller goes to the target), conference (all three) or cancel."""
        if op == "consult":
            uri = (trunk_uri(str(args["number"])) if args.get("number")
                   else str(args.get("uri", "")))
            if not uri:
                raise ValueError("no phone for that agent")
            if live.phase == "connected":
                await self.engine.unbridge(live.customer)
                await self._music(live)
            live.phase = "consult"
            live.other_agent_id = args.get("agent_id")
            live.other_leg = await self.engine.originate(uri, timeout_s=30, near=live.customer)
            self.by_leg[live.other_leg] = live
        elif op == "cancel" and live.other_leg:
            await self.engine.hangup(live.other_leg, 200)
        elif op in {"complete", "conference"} and live.other_leg:
            await self.engine.stop_playback(live.customer)
            await self.engine.bridge([live.customer, live.agent_leg, live.other_leg])
            if live.recording:
                await self.engine.record_add(live.recording, live.other_leg)
            live.phase = "connected"
            if op == "complete" and live.other_agent_id is None:
                # Handed to someone outside: the agent leaves, the conversation stays theirs
                # for wrap-up, and the call goes on without them.
                live.outcome = CallOutcome.TRANSFERRED
                leg, live.agent_leg, live.phase = live.agent_leg, "", "external"
                await self.engine.hangup(leg, 200)
            elif op == "complete":
                leg, first_agent = live.agent_leg, live.agent_id
                live.agent_leg, live.other_leg = live.other_leg, ""
                live.agent_id = live.other_agent_id
                await db(services.call_handover, live.call_id, first_agent, live.agent_id)
                await self.engine.hangup(leg, 200)

    # --- outbound --------------------------------------------------------------------------
    async def _dial_out(self, call_id: int, tenant_id: int, agent_id: int) -> None:
        agent_uri, number = await db(services.outbound_target, call_id, agent_id)
        live = LiveCall(call_id=call_id, tenant_id=tenant_id, phase="dial_agent", kind="click",
                        agent_id=agent_id, customer_number=number)
        live.agent_leg = await self.engine.originate(agent_uri, timeout_s=30)
        self._track(live, live.agent_leg)

    async def _originate(self, call_id: int, tenant_id: int, args: dict[str, Any]) -> None:
        live = LiveCall(call_id=call_id, tenant_id=tenant_id, phase="originating",
                        kind="originate", queue_id=args.get("queue_id"))
        live.customer = await self.engine.originate(
            trunk_uri(str(args["to"])), timeout_s=float(args.get("ring_seconds", 30)),
            caller_id=await db(services.caller_id_for, call_id))
        self._track(live, live.customer)

    async def _callbacks(self) -> None:
        """Callbacks offered to an agent: ring the agent first, then the customer."""
        for due in await db(services.callbacks_offered):
            if due.call_id in self.dialing_callbacks or due.call_id in self.by_call:
                continue
            self.dialing_callbacks.add(due.call_id)
            live = LiveCall(call_id=due.call_id, tenant_id=due.tenant_id, phase="dial_agent",
                            kind="callback", agent_id=due.agent_id,
                            customer_number=due.customer_number)
            try:
                live.agent_leg = await self.engine.originate(due.agent_uri, timeout_s=30)
            except EngineError:
                self.dialing_callbacks.discard(due.call_id)
                continue
            self._track(live, live.agent_leg)
            await db(services.call_agent_ringing, due.call_id, live.agent_leg)

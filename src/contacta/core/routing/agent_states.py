"""The agent state machine: transition(state, event, now) -> (state, effects)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from contacta.core.routing.model import AgentState, AgentStatus

RONA_REASON = "rona"  # "redirect on no answer": the offer timed out


class IllegalTransitionError(ValueError):
    """The requested state change is not allowed from the current state."""


@dataclass(frozen=True)
class SetStatus:
    status: AgentStatus
    reason: str = ""


@dataclass(frozen=True)
class OfferTimedOut:
    pass


@dataclass(frozen=True)
class WrapUpStarted:
    seconds: float


@dataclass(frozen=True)
class WrapUpEnded:
    pass


AgentEvent = SetStatus | OfferTimedOut | WrapUpStarted | WrapUpEnded


@dataclass(frozen=True)
class StateChanged:
    """Effect: the status or reason changed; the shell closes the old log row and opens one."""

    previous: AgentState
    current: AgentState
    at: float


_LEGAL: dict[AgentStatus, frozenset[AgentStatus]] = {
    AgentStatus.OFFLINE: frozenset({AgentStatus.OFFLINE, AgentStatus.AVAILABLE, AgentStatus.AUX}),
    AgentStatus.AVAILABLE: frozenset({AgentStatus.AVAILABLE, AgentStatus.AUX, AgentStatus.OFFLINE}),
    AgentStatus.AUX: frozenset({AgentStatus.AUX, AgentStatus.AVAILABLE, AgentStatus.OFFLINE}),
}


def transition(  # noqa: PLR0911 - one return per event kind reads best
    state: AgentState, event: AgentEvent, now: float
) -> tuple[AgentState, list[StateChanged]]:
    """Apply one event; raise IllegalTransitionError for a change the model forbids."""
    match event:
        case SetStatus(status=status, reason=reason):
            if status not in _LEGAL[state.status]:
                raise IllegalTransitionError(f"{state.status} -> {status}")
            if status is AgentStatus.AUX and not reason:
                raise IllegalTransitionError("an aux state needs a reason code")
            reason = reason if status is AgentStatus.AUX else ""
            if (status, reason) == (state.status, state.reason):
                return state, []
            wrap = None if status is AgentStatus.OFFLINE else state.wrap_up_until
            return _changed(state, replace(state, status=status, reason=reason, since=now,
                                           wrap_up_until=wrap), now)
        case OfferTimedOut():
            if state.status is not AgentStatus.AVAILABLE:
                return state, []
            return _changed(state, replace(state, status=AgentStatus.AUX, reason=RONA_REASON,
                                           since=now), now)
        case WrapUpStarted(seconds=seconds):
            if seconds <= 0 or state.status is AgentStatus.OFFLINE:
                return state, []
            until = max(now + seconds, state.wrap_up_until or 0.0)
            return replace(state, wrap_up_until=until), []
        case WrapUpEnded():
            return replace(state, wrap_up_until=None), []
    raise IllegalTransitionError(f"unknown event {event!r}")  # pragma: no cover


def _changed(
    previous: AgentState, current: AgentState, now: float
) -> tuple[AgentState, list[StateChanged]]:
    return current, [StateChanged(previous, current, now)]

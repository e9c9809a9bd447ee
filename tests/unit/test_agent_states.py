from __future__ import annotations

import pytest

from contacta.core.routing.agent_states import (
    RONA_REASON,
    IllegalTransitionError,
    OfferTimedOut,
    SetStatus,
    WrapUpEnded,
    WrapUpStarted,
    transition,
)
from contacta.core.routing.model import AgentState, AgentStatus


def test_login_break_and_back():
    state = AgentState(AgentStatus.OFFLINE)
    state, effects = transition(state, SetStatus(AgentStatus.AVAILABLE), now=10)
    assert state.status is AgentStatus.AVAILABLE
    assert state.since == 10
    assert len(effects) == 1
    state, effects = transition(state, SetStatus(AgentStatus.AUX, "break"), now=20)
    assert (state.status, state.reason) == (AgentStatus.AUX, "break")
    assert effects[0].previous.status is AgentStatus.AVAILABLE


def test_aux_without_reason_is_illegal():
    with pytest.raises(IllegalTransitionError):
        transition(AgentState(AgentStatus.AVAILABLE), SetStatus(AgentStatus.AUX), now=1)


def test_same_state_twice_is_not_a_change():
    state = AgentState(AgentStatus.AVAILABLE, since=5)
    assert transition(state, SetStatus(AgentStatus.AVAILABLE), now=9) == (state, [])


def test_rona_sets_not_ready_only_from_available():
    state, effects = transition(AgentState(AgentStatus.AVAILABLE), OfferTimedOut(), now=3)
    assert (state.status, state.reason) == (AgentStatus.AUX, RONA_REASON)
    assert effects
    offline = AgentState(AgentStatus.OFFLINE)
    assert transition(offline, OfferTimedOut(), now=3) == (offline, [])


def test_wrap_up_overlays_and_ends():
    state, _ = transition(AgentState(AgentStatus.AVAILABLE), WrapUpStarted(15), now=100)
    assert state.in_wrap_up(110)
    assert not state.in_wrap_up(115)
    state, _ = transition(state, WrapUpEnded(), now=116)
    assert state.wrap_up_until is None


def test_going_offline_clears_wrap_up():
    state, _ = transition(AgentState(AgentStatus.AVAILABLE), WrapUpStarted(30), now=0)
    state, _ = transition(state, SetStatus(AgentStatus.OFFLINE), now=1)
    assert state.wrap_up_until is None

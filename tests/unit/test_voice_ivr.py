"""The IVR state machine (pure): prompts, barge-in, options, submenus, retries and defaults;
flow validation; Asterisk dial strings."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from contacta.core.voice.ivr import (
    Digit,
    EnterQueue,
    Goodbye,
    IvrConfigError,
    IvrState,
    PromptFinished,
    Say,
    Started,
    StopSaying,
    TimedOut,
    WaitForDigit,
    step,
    validate,
)
from contacta.voice.engine.ari import sip_to_endpoint

FLOW = {"welcome": "Bienvenido",
        "menu": {"prompt": "Uno ventas, dos cartera, tres más", "timeout_seconds": 5,
                 "retries": 1, "invalid": "No válido", "no_input": "No escuché",
                 "options": {"1": {"queue": 10}, "2": {"queue": 20},
                             "3": {"menu": {"prompt": "Submenú", "options": {
                                 "1": {"say": "Lo transferimos", "then": {"queue": 30}}}}}},
                 "default": {"queue": 10}}}


def run(flow, *events):
    state, actions = IvrState(), []
    for event in events:
        state, actions = step(flow, state, event)
    return state, actions


def test_welcome_then_menu_then_wait():
    state, actions = step(FLOW, IvrState(), Started())
    assert actions == [Say("Bienvenido")]
    state, actions = step(FLOW, state, PromptFinished())
    assert actions == [Say("Uno ventas, dos cartera, tres más")]
    state, actions = step(FLOW, state, PromptFinished())
    assert actions == [WaitForDigit(5.0)]


def test_a_digit_barges_in_on_the_welcome_and_chooses():
    state, actions = run(FLOW, Started(), Digit("2"))
    assert actions == [StopSaying(), EnterQueue(20)]
    assert (state.phase, state.pressed) == ("done", "2")


def test_submenu_with_words_before_the_queue():
    state, actions = run(FLOW, Started(), PromptFinished(), Digit("3"))
    assert actions == [StopSaying(), Say("Submenú")]
    state, actions = step(FLOW, state, Digit("1"))
    assert actions == [StopSaying(), Say("Lo transferimos")]
    state, actions = step(FLOW, state, PromptFinished())
    assert actions == [EnterQueue(30)]
    assert state.pressed == "31"


def test_invalid_and_silence_retry_then_the_default():
    state, actions = run(FLOW, Started(), PromptFinished(), Digit("9"))
    assert actions == [StopSaying(), Say("No válido"), Say("Uno ventas, dos cartera, tres más")]
    state, actions = step(FLOW, state, TimedOut())
    assert actions == [EnterQueue(10)]  # retries used up: the default


def test_no_default_means_goodbye_and_done_ignores_everything():
    flow = {"menu": {"prompt": "p", "retries": 0, "options": {"1": {"queue": 1}}},
            "goodbye": "Adiós"}
    state, actions = run(flow, Started(), PromptFinished(), TimedOut())
    assert actions == [Goodbye("Adiós")]
    assert step(flow, state, Digit("1")) == (state, [])


def test_no_menu_goes_straight_to_the_inbox_queue():
    assert run({}, Started())[1] == [EnterQueue(None)]


@pytest.mark.parametrize("flow", [
    [], {"menu": []}, {"menu": {"options": {"12": {"queue": 1}}}},
    {"menu": {"options": {"1": {"queue": 999}}}}, {"menu": {"timeout_seconds": 0}},
    {"menu": {"options": {"1": "queue"}}},
    {"menu": {"options": {"1": {"menu": {"options": {"1": {"menu": {"options": {"1": {
        "menu": {"options": {"1": {"menu": {"options": {"1": {"menu": {}}}}}}}}}}}}}}}}},
])
def test_bad_flows_are_refused(flow):
    with pytest.raises(IvrConfigError):
        validate(flow, {10, 20, 30})


def test_a_good_flow_validates():
    assert validate(FLOW, {10, 20, 30}) is FLOW


def test_sip_addresses_become_asterisk_dial_strings():
    assert sip_to_endpoint("sip:1001@10.0.0.5", "trunk") == "PJSIP/trunk/sip:1001@10.0.0.5"
    assert sip_to_endpoint("PJSIP/1001", "trunk") == "PJSIP/1001"


# Flows as an admin might type them in the JSON field, right or wrong.
ANY_VALUE = st.none() | st.booleans() | st.integers(-3, 99) | st.floats(allow_nan=True) \
    | st.text(max_size=6) | st.lists(st.integers(), max_size=2)
TARGETS = st.deferred(lambda: st.fixed_dictionaries({}, optional={
    "queue": st.sampled_from([10, 20, 999, "10", None, 1.5, True]),
    "menu": MENUS, "say": ANY_VALUE | st.just("Le transferimos"), "then": TARGETS,
    "goodbye": ANY_VALUE}) | ANY_VALUE)
MENUS = st.deferred(lambda: st.fixed_dictionaries({}, optional={
    "prompt": st.just("Marque uno") | ANY_VALUE,
    "options": st.dictionaries(st.sampled_from(["1", "2", "#", "12", "a", ""]), TARGETS,
                               max_size=3) | ANY_VALUE,
    "default": TARGETS, "timeout_seconds": st.just(5) | ANY_VALUE,
    "retries": st.just(1) | ANY_VALUE, "invalid": ANY_VALUE}) | ANY_VALUE)
FLOWS = st.fixed_dictionaries({}, optional={"welcome": st.just("Hola") | ANY_VALUE,
                                            "menu": MENUS, "goodbye": ANY_VALUE}) | ANY_VALUE
EVENTS = st.lists(st.sampled_from([PromptFinished(), TimedOut(), Digit("1"), Digit("2"),
                                   Digit("#"), Digit("9")]), max_size=25)


@settings(max_examples=400, deadline=None)
@given(FLOWS, EVENTS)
def test_a_saved_flow_never_trips_a_live_call(flow, events):
    """validate() refuses with IvrConfigError or lets through only what step() can run."""
    try:
        validate(flow, {10, 20})
    except IvrConfigError:
        return
    state, actions = step(flow, IvrState(), Started())
    for event in events:
        if state.phase == "done":
            break
        state, actions = step(flow, state, event)
        for action in actions:
            if isinstance(action, EnterQueue):
                assert action.queue_id in {None, 10, 20}

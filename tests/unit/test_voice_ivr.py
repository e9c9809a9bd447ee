"""The IVR state machine (pure): prompts, barge-in, options, submenus, retries and defaults;
flow validation; Asterisk dial strings."""

from __future__ import annotations

import pytest

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

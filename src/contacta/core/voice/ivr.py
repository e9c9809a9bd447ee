"""The IVR as a pure state machine: a menu tree, the caller's digits, prompt ends and timeouts
in; what to play, how long to wait and where the call goes out. No audio, no clock reads.

A menu (JSON in the voice inbox's settings):
    {"prompt": "Para ventas marque 1...", "timeout_seconds": 5, "retries": 2,
     "invalid": "Opción no válida.",
     "options": {"1": {"queue": 7}, "2": {"menu": {...}}, "9": {"say": "...", "then": {...}}},
     "default": {"queue": 7}}             # after the retries run out (else goodbye)
and the whole flow {"welcome": "Bienvenido...", "menu": {...}}. Without a menu the call goes
straight to the inbox's queue (`{"queue": None}`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

DEFAULT_TIMEOUT_SECONDS = 5.0
DEFAULT_RETRIES = 2
MAX_DEPTH = 5  # a menu tree deeper than this is refused when saved


@dataclass(frozen=True)
class Say:
    """Play a prompt (text to speak, or an uploaded prompt's key as "@key")."""

    text: str


@dataclass(frozen=True)
class WaitForDigit:
    seconds: float


@dataclass(frozen=True)
class StopSaying:
    """The caller pressed a key while a prompt played (barge-in)."""


@dataclass(frozen=True)
class EnterQueue:
    queue_id: int | None  # None: the inbox's default queue


@dataclass(frozen=True)
class Goodbye:
    text: str


Action = Say | WaitForDigit | StopSaying | EnterQueue | Goodbye


@dataclass(frozen=True)
class Started:
    pass


@dataclass(frozen=True)
class PromptFinished:
    pass


@dataclass(frozen=True)
class Digit:
    digit: str


@dataclass(frozen=True)
class TimedOut:
    pass


Event = Started | PromptFinished | Digit | TimedOut


@dataclass(frozen=True)
class IvrState:
    path: tuple[str, ...] = ()  # the options taken to reach the current menu
    phase: str = "start"  # start, welcome, menu, then (a "say" before its target), done
    retries: int = 0
    pressed: str = ""  # every digit taken, for the call's record
    pending: dict[str, Any] = field(default_factory=dict)  # a "say" option's target


class IvrConfigError(ValueError):
    pass


def _menu_at(flow: dict[str, Any], path: tuple[str, ...]) -> dict[str, Any] | None:
    menu = flow.get("menu")
    for key in path:
        if not isinstance(menu, dict):
            return None
        target = (menu.get("options") or {}).get(key) or {}
        menu = target.get("menu") or (target.get("then") or {}).get("menu")
    return menu if isinstance(menu, dict) else None


def _menu_prompt(menu: dict[str, Any]) -> list[Action]:
    return [Say(str(menu.get("prompt", "")))] if menu.get("prompt") else [
        WaitForDigit(float(menu.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)))]


def _go(flow: dict[str, Any], state: IvrState, target: dict[str, Any],
        key: str) -> tuple[IvrState, list[Action]]:
    """Follow an option: a queue, a submenu, or words first and then one of those."""
    if "say" in target:
        return (replace(state, phase="then", pending={"then": target.get("then") or {},
                                                      "key": key}),
                [Say(str(target["say"]))])
    if "menu" in target:
        path = (*state.path, key)
        menu = _menu_at(flow, path) or {}
        return replace(state, path=path, phase="menu", retries=0), _menu_prompt(menu)
    if "queue" in target:
        queue = target["queue"]
        return replace(state, phase="done"), [EnterQueue(int(queue) if queue is not None
                                                         else None)]
    return replace(state, phase="done"), [Goodbye(str(target.get("goodbye", "")))]


def _retry(flow: dict[str, Any], state: IvrState, menu: dict[str, Any],
           feedback: str) -> tuple[IvrState, list[Action]]:
    retries = int(menu.get("retries", DEFAULT_RETRIES))
    if state.retries >= retries:
        default = menu.get("default")
        if isinstance(default, dict):
            return _go(flow, replace(state, retries=0), default, "")
        return replace(state, phase="done"), [Goodbye(str(flow.get("goodbye", "")))]
    actions: list[Action] = [Say(feedback)] if feedback else []
    return replace(state, retries=state.retries + 1), [*actions, *_menu_prompt(menu)]


def step(flow: dict[str, Any], state: IvrState,  # noqa: PLR0911 - one return a transition
         event: Event) -> tuple[IvrState, list[Action]]:
    """One event through the IVR."""
    if state.phase == "done":
        return state, []
    menu = _menu_at(flow, state.path) if flow.get("menu") else None
    if isinstance(event, Started):
        if flow.get("welcome"):
            return replace(state, phase="welcome"), [Say(str(flow["welcome"]))]
        event = PromptFinished()
        state = replace(state, phase="welcome")
    if state.phase == "welcome" and isinstance(event, PromptFinished):
        if menu is None:
            return replace(state, phase="done"), [EnterQueue(None)]
        return replace(state, phase="menu"), _menu_prompt(menu)
    if state.phase == "then" and isinstance(event, PromptFinished):
        pending = state.pending
        return _go(flow, replace(state, pending={}), pending.get("then") or {},
                   str(pending.get("key", "")))
    if menu is None:
        return state, []
    if isinstance(event, PromptFinished) and state.phase == "menu":
        return state, [WaitForDigit(float(menu.get("timeout_seconds",
                                                   DEFAULT_TIMEOUT_SECONDS)))]
    if isinstance(event, Digit) and state.phase in {"menu", "welcome"}:
        state = replace(state, pressed=(state.pressed + event.digit)[-40:], phase="menu")
        target = (menu.get("options") or {}).get(event.digit)
        if isinstance(target, dict):
            next_state, actions = _go(flow, state, target, event.digit)
            return next_state, [StopSaying(), *actions]
        next_state, actions = _retry(flow, state, menu, str(menu.get("invalid", "")))
        return next_state, [StopSaying(), *actions]
    if isinstance(event, TimedOut) and state.phase == "menu":
        return _retry(flow, state, menu, str(menu.get("no_input", "")))
    return state, []


MAX_RETRIES = 5
MAX_TEXT = 1000  # characters of one prompt
TEXT_KEYS = ("welcome", "goodbye", "prompt", "invalid", "no_input", "say")


def _check_texts(node: dict[str, Any]) -> None:
    for key in TEXT_KEYS:
        if key in node and not (isinstance(node[key], str) and len(node[key]) <= MAX_TEXT):
            raise IvrConfigError(f"{key} is a text of at most {MAX_TEXT} characters")


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def validate(flow: Any, queue_ids: set[int]) -> dict[str, Any]:
    """Check a flow before it is saved, so a live call can never trip on it: known queues,
    keypad keys, texts where texts go, bounded numbers, and a bounded tree (menus nest at
    most MAX_DEPTH deep; a "say ... then" chain counts as a level too)."""
    if not isinstance(flow, dict):
        raise IvrConfigError("the IVR is an object")
    _check_texts(flow)

    def check_target(target: Any, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise IvrConfigError(f"menus nest at most {MAX_DEPTH} deep")
        if not isinstance(target, dict):
            raise IvrConfigError("an option is an object")
        _check_texts(target)
        queue = target.get("queue")
        if queue is not None and (not isinstance(queue, int) or isinstance(queue, bool)
                                  or queue not in queue_ids):
            raise IvrConfigError(f"unknown queue {queue!r}")
        if "menu" in target:
            check_menu(target["menu"], depth + 1)
        if "then" in target:
            check_target(target["then"], depth + 1)

    def check_menu(menu: Any, depth: int) -> None:
        if depth > MAX_DEPTH:
            raise IvrConfigError(f"menus nest at most {MAX_DEPTH} deep")
        if not isinstance(menu, dict):
            raise IvrConfigError("a menu is an object")
        _check_texts(menu)
        options = menu.get("options") or {}
        if not isinstance(options, dict):
            raise IvrConfigError("options map keypad keys to options")
        for key, target in options.items():
            if len(key) != 1 or key not in "0123456789*#":
                raise IvrConfigError(f"option keys are single keypad keys, not {key!r}")
            check_target(target, depth)
        if "default" in menu:
            check_target(menu["default"], depth)
        timeout = menu.get("timeout_seconds", DEFAULT_TIMEOUT_SECONDS)
        if not _number(timeout) or not 1 <= timeout <= 60:
            raise IvrConfigError("timeout_seconds between 1 and 60")
        retries = menu.get("retries", DEFAULT_RETRIES)
        if not isinstance(retries, int) or isinstance(retries, bool) or not (
                0 <= retries <= MAX_RETRIES):
            raise IvrConfigError(f"retries between 0 and {MAX_RETRIES}")

    if "menu" in flow:
        check_menu(flow["menu"], 1)
    return flow

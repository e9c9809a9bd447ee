"""Frozen value objects the routing kernel reasons about.

Times are plain floats (seconds since an epoch the caller chooses); the kernel never reads a clock.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum


class Channel(StrEnum):
    """Kinds of work; capacity is counted per channel."""

    CHAT = "chat"
    VOICE = "voice"
    EMAIL = "email"
    MESSAGING = "messaging"
    TASK = "task"


class AgentStatus(StrEnum):
    OFFLINE = "offline"
    AVAILABLE = "available"
    AUX = "aux"  # not ready, with a reason code (break, lunch, training, rona...)


class SelectionPolicy(StrEnum):
    LONGEST_IDLE = "longest_idle"
    MOST_SKILLED = "most_skilled"
    LEAST_OCCUPIED = "least_occupied"
    ROUND_ROBIN = "round_robin"


# A call blocks all other work while it lasts (Amazon Connect routing-profile semantics).
EXCLUSIVE_CHANNELS: frozenset[Channel] = frozenset({Channel.VOICE})


@dataclass(frozen=True)
class AgentState:
    """Where an agent is in the state machine; wrap-up is an overlay on AVAILABLE or AUX."""

    status: AgentStatus
    reason: str = ""
    since: float = 0.0
    wrap_up_until: float | None = None

    def in_wrap_up(self, now: float) -> bool:
        return self.wrap_up_until is not None and now < self.wrap_up_until


@dataclass(frozen=True)
class Agent:
    id: int
    state: AgentState
    skills: Mapping[str, int] = field(default_factory=dict)  # skill name -> proficiency 1..5
    capacity: Mapping[Channel, int] = field(default_factory=dict)
    load: Mapping[Channel, int] = field(default_factory=dict)  # active + pending offers
    idle_since: float = 0.0  # when the agent last became free of work
    last_offer_at: float = 0.0

    def free_slots(self, channel: Channel) -> int:
        if any(self.load.get(c, 0) > 0 for c in EXCLUSIVE_CHANNELS if c != channel):
            return 0
        if channel in EXCLUSIVE_CHANNELS and any(v > 0 for c, v in self.load.items() if c != channel):
            return 0
        return self.capacity.get(channel, 0) - self.load.get(channel, 0)

    def occupancy(self) -> float:
        total_cap = sum(self.capacity.values())
        return sum(self.load.values()) / total_cap if total_cap else 1.0


class OverflowKind(StrEnum):
    QUEUE = "queue"  # move to another queue (keeping the original enqueue time)
    CALLBACK = "callback"  # leave the queue with a callback offer
    MESSAGE = "message"  # leave the queue with a message (e.g. "we are closed")


@dataclass(frozen=True)
class OverflowAction:
    kind: OverflowKind
    queue_id: int | None = None  # for QUEUE
    message: str = ""


@dataclass(frozen=True)
class WideningStep:
    """After `after_s` of waiting, relax the queue's requirements ("bullseye" rings).

    `min_proficiency` replaces every required minimum (1 = any agent with the skills);
    `overflow_queue_id` moves the interaction to another queue instead.
    """

    after_s: float
    min_proficiency: int | None = None
    overflow_queue_id: int | None = None


@dataclass(frozen=True)
class Queue:
    id: int
    required_skills: Mapping[str, int] = field(default_factory=dict)  # skill -> min proficiency
    priority: int = 5  # 1..10
    policy: SelectionPolicy = SelectionPolicy.LONGEST_IDLE
    aging_per_minute: float = 0.0  # effective priority gained per minute of waiting
    widening: tuple[WideningStep, ...] = ()  # in increasing after_s
    max_waiting: int | None = None  # more waiting than this -> overflow action at enqueue
    max_wait_s: float | None = None  # waited longer than this -> overflow action
    overflow: OverflowAction | None = None
    closed_action: OverflowAction | None = None  # what an arrival gets while closed
    sticky_s: float = 0.0  # how long a preferred agent is waited for before the queue


@dataclass(frozen=True)
class Interaction:
    """A piece of work waiting in a queue (a chat now; calls, emails, tasks later)."""

    id: int
    queue_id: int
    channel: Channel
    enqueued_at: float
    priority_boost: int = 0
    excluded_agent_ids: frozenset[int] = frozenset()  # rejected or timed out: tried last
    preferred_agent_id: int | None = None  # last agent or account owner: offered first
    preferred_until: float | None = None  # restored sticky window (set by enqueue otherwise)
    queue_entered_at: float | None = None  # when it entered this queue (widening); default enq


@dataclass(frozen=True)
class Snapshot:
    agents: tuple[Agent, ...]
    queues: Mapping[int, Queue]
    waiting: tuple[Interaction, ...]


@dataclass(frozen=True)
class Offer:
    """Decision: offer this interaction to this agent."""

    interaction_id: int
    agent_id: int
    queue_id: int
    at: float

"""What the routing kernel decided, as timestamped facts: the only input reports will use."""

from __future__ import annotations

from dataclasses import dataclass

from contacta.core.routing.model import OverflowKind


@dataclass(frozen=True)
class Enqueued:
    interaction_id: int
    queue_id: int
    at: float


@dataclass(frozen=True)
class Offered:
    interaction_id: int
    agent_id: int
    queue_id: int
    at: float


@dataclass(frozen=True)
class Accepted:
    interaction_id: int
    agent_id: int
    queue_id: int
    at: float
    waited_s: float  # from entering the first queue to the accept


@dataclass(frozen=True)
class Rejected:
    interaction_id: int
    agent_id: int
    at: float


@dataclass(frozen=True)
class TimedOut:
    """RONA: the offer rang out; the agent is set not-ready and the work goes back first."""

    interaction_id: int
    agent_id: int
    at: float


@dataclass(frozen=True)
class Abandoned:
    interaction_id: int
    queue_id: int
    at: float
    waited_s: float


@dataclass(frozen=True)
class Overflowed:
    interaction_id: int
    from_queue_id: int
    kind: OverflowKind
    at: float
    reason: str  # "max_waiting", "max_wait", "widening", "closed"
    to_queue_id: int | None = None


@dataclass(frozen=True)
class Completed:
    interaction_id: int
    agent_id: int
    at: float
    handle_s: float  # from accept to completion


RoutingEvent = (Enqueued | Offered | Accepted | Rejected | TimedOut | Abandoned | Overflowed
                | Completed)

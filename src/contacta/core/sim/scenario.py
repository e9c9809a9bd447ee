"""Scenario description (from a TOML document) for the simulator, validated with clear errors."""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from contacta.core.routing.model import Channel, SelectionPolicy


class ScenarioError(ValueError):
    """The scenario is malformed; the message names the faulty key."""


@dataclass(frozen=True)
class Distribution:
    """A positive random duration in seconds."""

    kind: str  # exponential | lognormal | empirical | fixed
    mean: float = 0.0
    sd: float = 0.0
    sample: tuple[float, ...] = ()

    def draw(self, rng: random.Random) -> float:
        if self.kind == "exponential":
            return rng.expovariate(1.0 / self.mean)
        if self.kind == "lognormal":
            # Parameters of the underlying normal from the mean and sd of the duration itself.
            sigma2 = math.log(1.0 + (self.sd / self.mean) ** 2)
            return rng.lognormvariate(math.log(self.mean) - sigma2 / 2, math.sqrt(sigma2))
        if self.kind == "empirical":
            return rng.choice(self.sample)
        return self.mean

    def expected(self) -> float:
        if self.kind == "empirical":
            return sum(self.sample) / len(self.sample)
        return self.mean


@dataclass(frozen=True)
class QueueSpec:
    id: int
    name: str
    handle: Distribution
    target_s: float = 20.0
    rate_per_hour: float = 0.0  # Poisson arrivals, or:
    profile: tuple[float, ...] = ()  # arrivals per profile interval (intraday curve)
    profile_interval_s: float = 1800.0
    patience: Distribution | None = None
    channel: Channel = Channel.VOICE
    required_skills: Mapping[str, int] = field(default_factory=dict)
    priority: int = 5
    policy: SelectionPolicy = SelectionPolicy.LONGEST_IDLE
    wrap_up_s: float = 0.0

    def rate_at(self, t: float) -> float:
        """Arrivals per second at time t."""
        if not self.profile:
            return self.rate_per_hour / 3600.0
        index = int(t // self.profile_interval_s)
        if index >= len(self.profile):
            return 0.0
        return self.profile[index] / self.profile_interval_s


@dataclass(frozen=True)
class AgentGroupSpec:
    name: str
    count: int
    skills: Mapping[str, int]
    capacity: Mapping[Channel, int]
    shift_start_s: float = 0.0
    shift_end_s: float = math.inf


@dataclass(frozen=True)
class Scenario:
    duration_s: float
    report_interval_s: float
    queues: tuple[QueueSpec, ...]
    agents: tuple[AgentGroupSpec, ...]
    warmup_s: float = 0.0
    seed: int = 1


def _number(data: Mapping[str, Any], key: str, where: str, *, default: float | None = None,
            positive: bool = True) -> float:
    value = data.get(key, default)
    if value is None:
        raise ScenarioError(f"{where}: '{key}' is required")
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ScenarioError(f"{where}: '{key}' must be a number")
    if (positive and value <= 0) or value < 0:
        raise ScenarioError(f"{where}: '{key}' must be {'positive' if positive else '>= 0'}")
    return float(value)


def _distribution(data: Any, where: str) -> Distribution:
    if isinstance(data, int | float) and not isinstance(data, bool):
        data = {"kind": "exponential", "mean": data}
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{where}: a number (exponential mean) or a table with 'kind'")
    kind = data.get("kind", "exponential")
    if kind in ("exponential", "fixed"):
        return Distribution(kind, mean=_number(data, "mean", where))
    if kind == "lognormal":
        return Distribution(kind, mean=_number(data, "mean", where),
                            sd=_number(data, "sd", where))
    if kind == "empirical":
        sample = data.get("sample")
        if not isinstance(sample, Sequence) or not sample or not all(
                isinstance(x, int | float) and not isinstance(x, bool) and x > 0 for x in sample):
            raise ScenarioError(f"{where}: 'sample' must be a list of positive numbers")
        return Distribution(kind, sample=tuple(float(x) for x in sample))
    raise ScenarioError(f"{where}: unknown kind {kind!r} (exponential, lognormal, empirical, "
                        "fixed)")


def _skills(data: Any, where: str) -> dict[str, int]:
    if data is None:
        return {}
    if not isinstance(data, Mapping) or not all(
            isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 5 for v in data.values()):
        raise ScenarioError(f"{where}: skills are a table of skill = proficiency (1-5)")
    return {str(k): int(v) for k, v in data.items()}


def _enum(cls: type[Any], value: Any, where: str) -> Any:
    try:
        return cls(value)
    except ValueError as exc:
        options = ", ".join(m.value for m in cls)
        raise ScenarioError(f"{where}: {value!r} is not one of {options}") from exc


def _queue(index: int, data: Any) -> QueueSpec:
    where = f"queues[{index}]"
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{where}: must be a table")
    profile = data.get("profile", ())
    if profile and (not isinstance(profile, Sequence) or not all(
            isinstance(x, int | float) and not isinstance(x, bool) and x >= 0 for x in profile)):
        raise ScenarioError(f"{where}: 'profile' is a list of arrivals per interval (>= 0)")
    data = {**data}
    for alias, key in (("arrivals_per_hour", "rate_per_hour"), ("calls_per_hour", "rate_per_hour"),
                       ("aht_s", "handle_s")):  # accepted spellings
        if alias in data and key not in data:
            data[key] = data[alias]
    rate = data.get("rate_per_hour")
    if not profile and rate is None:
        raise ScenarioError(f"{where}: give 'rate_per_hour' or an intraday 'profile'")
    return QueueSpec(
        id=index + 1,
        name=str(data.get("name", f"queue {index + 1}")),
        handle=_distribution(data.get("handle_s"), f"{where}.handle_s (or aht_s)"),
        target_s=_number(data, "target_s", where, default=20.0, positive=False),
        rate_per_hour=_number(data, "rate_per_hour", where, default=0.0, positive=False),
        profile=tuple(float(x) for x in profile),
        profile_interval_s=_number(data, "profile_interval_s", where, default=1800.0),
        patience=(_distribution(data["patience_s"], f"{where}.patience_s")
                  if data.get("patience_s") is not None else None),
        channel=_enum(Channel, data.get("channel", "voice"), f"{where}.channel"),
        required_skills=_skills(data.get("skills"), f"{where}.skills"),
        priority=int(_number(data, "priority", where, default=5)),
        policy=_enum(SelectionPolicy, data.get("policy", "longest_idle"), f"{where}.policy"),
        wrap_up_s=_number(data, "wrap_up_s", where, default=0.0, positive=False),
    )


def _group(index: int, data: Any) -> AgentGroupSpec:
    where = f"agents[{index}]"
    if not isinstance(data, Mapping):
        raise ScenarioError(f"{where}: must be a table")
    count = data.get("count")
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        raise ScenarioError(f"{where}: 'count' must be a whole number >= 1")
    capacity_raw = data.get("capacity", {"voice": 1, "chat": 1})
    if not isinstance(capacity_raw, Mapping):
        raise ScenarioError(f"{where}: 'capacity' is a table of channel = slots")
    capacity = {}
    for channel, slots in capacity_raw.items():
        if not isinstance(slots, int) or isinstance(slots, bool) or slots < 0:
            raise ScenarioError(f"{where}.capacity: slots must be whole numbers >= 0")
        capacity[_enum(Channel, channel, f"{where}.capacity")] = slots
    start = _number(data, "shift_start_s", where, default=0.0, positive=False)
    end = data.get("shift_end_s")
    end_s = math.inf if end is None else _number(data, "shift_end_s", where)
    if end_s <= start:
        raise ScenarioError(f"{where}: the shift must end after it starts")
    return AgentGroupSpec(name=str(data.get("name", f"group {index + 1}")), count=count,
                          skills=_skills(data.get("skills"), f"{where}.skills"),
                          capacity=capacity, shift_start_s=start, shift_end_s=end_s)


def scenario_from_dict(data: Mapping[str, Any]) -> Scenario:
    """Build a Scenario from parsed TOML, raising ScenarioError naming the faulty key."""
    if not isinstance(data, Mapping):
        raise ScenarioError("the scenario must be a table")
    queues_raw, agents_raw = data.get("queues"), data.get("agents")
    if isinstance(agents_raw, int) and not isinstance(agents_raw, bool):
        agents_raw = [{"count": agents_raw}]  # shorthand: N agents who can take every queue
    if not isinstance(queues_raw, list) or not queues_raw:
        raise ScenarioError("give at least one [[queues]] table")
    if not isinstance(agents_raw, list) or not agents_raw:
        raise ScenarioError("give at least one [[agents]] table")
    duration = _number(data, "duration_s", "scenario")
    warmup = _number(data, "warmup_s", "scenario", default=0.0, positive=False)
    if warmup >= duration:
        raise ScenarioError("scenario: 'warmup_s' must be shorter than 'duration_s'")
    seed = data.get("seed", 1)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise ScenarioError("scenario: 'seed' must be a whole number")
    return Scenario(
        duration_s=duration,
        report_interval_s=_number(data, "report_interval_s", "scenario",
                                  default=float(data.get("interval_s", 1800.0))),
        queues=tuple(_queue(i, q) for i, q in enumerate(queues_raw)),
        agents=tuple(_group(i, g) for i, g in enumerate(agents_raw)),
        warmup_s=warmup,
        seed=seed,
    )

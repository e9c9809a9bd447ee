"""Every event type the code emits is documented in docs/events.md."""

from __future__ import annotations

import re
from pathlib import Path

import contacta

ROOT = Path(__file__).resolve().parents[2]
NOT_EVENTS = {"contacta.event", "lifespan.startup.complete", "lifespan.shutdown.complete"}


def test_every_event_type_is_documented():
    # Provider clients build the providers' own JSON ("type": "text"), and the test servers
    # speak ASGI and ARI ("type": "websocket.send", "StasisStart"): not our events.
    source = "\n".join(p.read_text() for p in Path(contacta.__file__).parent.rglob("*.py")
                       if p.name != "client.py" and "testing" not in p.parts)
    emitted = set(re.findall(r'"type": "([a-z_.]+)"', source))
    emitted |= set(re.findall(r'"(conversation\.[a-z_]+)"', source))
    documented = (ROOT / "docs" / "events.md").read_text()
    missing = sorted(t for t in emitted - NOT_EVENTS if f"`{t}`" not in documented)
    assert not missing
    assert len(emitted) > 10

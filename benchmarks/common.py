"""What every benchmark shares: one JSON object with --json, aligned lines otherwise."""

from __future__ import annotations

import json
from collections.abc import Mapping


def emit(report: Mapping[str, object], as_json: bool) -> None:
    if as_json:
        print(json.dumps(report))
        return
    width = max(len(key) for key in report)
    for key, value in report.items():
        print(f"{key:>{width}}: {value}")

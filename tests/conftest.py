"""Shared fixtures. Integration tests run on SQLite by default and on PostgreSQL when
DATABASE_URL points at it (as .ci/run does)."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("CONTACTA_DATA_DIR", tempfile.mkdtemp(prefix="contacta-test-"))
# Tests open plain connections (no pool), so test databases drop cleanly.
os.environ.setdefault("CONTACTA_DB_POOL", "0")

"""Shared fixtures. Integration tests run on SQLite by default and on PostgreSQL when
DATABASE_URL points at it (as .ci/run does)."""

from __future__ import annotations

import os
import tempfile

os.environ.setdefault("CONTACTA_DATA_DIR", tempfile.mkdtemp(prefix="contacta-test-"))
# Persistent connections outlive a test's threads and block dropping the test database.
os.environ.setdefault("CONTACTA_DB_CONN_MAX_AGE", "0")

"""The `contacta` command: its own subcommands and Django's, with clear errors."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str, tmp: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "CONTACTA_DATA_DIR": str(tmp), "DATABASE_URL": f"sqlite:///{tmp}/cli.db",
           "PYTHONPATH": str(ROOT / "src")}
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return subprocess.run([sys.executable, "-m", "contacta.cli", *args], env=env, cwd=tmp,
                          capture_output=True, text=True, timeout=120, check=False)


def test_help_lists_the_commands(tmp_path):
    out = run("--help", tmp=tmp_path)
    assert out.returncode == 0
    for command in ("serve", "worker", "demo", "migrate", "createsuperuser"):
        assert command in out.stdout


def test_migrate_and_createsuperuser_then_check(tmp_path):
    assert run("migrate", "-v", "0", tmp=tmp_path).returncode == 0
    env_user = run("createsuperuser", "--noinput", "--username", "root", "--email", "r@example.org",
                   tmp=tmp_path)
    assert env_user.returncode == 0, env_user.stderr
    dup = run("createsuperuser", "--noinput", "--username", "root", "--email", "r@example.org",
              tmp=tmp_path)
    assert dup.returncode != 0
    assert "already taken" in dup.stderr
    assert run("check", tmp=tmp_path).returncode == 0


def test_unknown_command_and_bad_option_fail_clearly(tmp_path):
    unknown = run("frobnicate", tmp=tmp_path)
    assert unknown.returncode != 0
    assert "Unknown command" in unknown.stderr
    bad = run("serve", "--port", "not-a-number", tmp=tmp_path)
    assert bad.returncode == 2
    assert "invalid int value" in bad.stderr

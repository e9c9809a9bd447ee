"""E-mail from a real Dovecot IMAP server on loopback (started here): unseen mail becomes
conversations once, IDLE wakes on new mail."""

from __future__ import annotations

import imaplib
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time
from pathlib import Path

import pytest
from django.utils import timezone

from contacta.connectors import email as email_connector
from contacta.connectors.email.imap import connect, idle
from contacta.connectors.models import InboundEvent, Inbox, InboxKind
from contacta.connectors.services import imap_poll, inbound_process
from contacta.conversations.models import Conversation
from tests.factories import make_world

FIXTURES = Path(email_connector.__file__).parent / "fixtures"
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"

# Dovecot is installed by `make system-deps` (a step of `make test`) and by .ci/run.
pytestmark = pytest.mark.django_db


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def dovecot():
    """A private Dovecot instance (passwd-file users, Maildir) listening on loopback."""
    base = Path(tempfile.mkdtemp(prefix="contacta-dovecot-"))
    base.chmod(0o755)
    (base / "run").mkdir()
    mail = base / "mail"
    mail.mkdir()
    shutil.chown(mail, "nobody", "nogroup")
    uid, gid = subprocess.check_output(["id", "-u", "nobody"]).strip().decode(), \
        subprocess.check_output(["getent", "group", "nogroup"]).decode().split(":")[2]
    (base / "users").write_text(f"soporte:{{PLAIN}}clave-soporte:{uid}:{gid}::{mail}/soporte::\n")
    port = free_port()
    (base / "dovecot.conf").write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {base}/run
state_dir = {base}/run/state
instance_name = contacta-test-{port}
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
log_path = {base}/dovecot.log
mail_location = maildir:~/Maildir
first_valid_uid = 1
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {base}/users
}}
userdb {{
  driver = passwd-file
  args = username_format=%u {base}/users
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
namespace inbox {{
  inbox = yes
}}
""")
    process = subprocess.Popen([DOVECOT, "-c", str(base / "dovecot.conf"), "-F"])
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            break
        except OSError:
            time.sleep(0.1)
    yield port
    process.terminate()
    process.wait(timeout=10)
    shutil.rmtree(base, ignore_errors=True)


def append(port: int, raw: bytes) -> None:
    """What the mail server does when mail arrives: put it in the mailbox."""
    client = imaplib.IMAP4("127.0.0.1", port)
    client.login("soporte", "clave-soporte")
    client.append("INBOX", None, None, raw)
    client.logout()


@pytest.fixture
def inbox(dovecot, monkeypatch):
    w = make_world("imap", agents=1)
    for name, value in (("IMAP_HOST", "127.0.0.1"), ("IMAP_PORT", str(dovecot)),
                        ("IMAP_USER", "soporte"), ("IMAP_PASSWORD", "clave-soporte")):
        monkeypatch.setenv(f"CONTACTA_IMAP_{name}", value)
    return Inbox.objects.create(tenant=w.tenant, name="Correo", kind=InboxKind.EMAIL,
                                default_queue=w.queue, public_key="imap-inbox",
                                credential_env="CONTACTA_IMAP",
                                provider_account_id="soporte@banco.example")


def test_unseen_mail_becomes_one_conversation_once(inbox, dovecot):
    append(dovecot, (FIXTURES / "utf8_multipart.eml").read_bytes())
    append(dovecot, (FIXTURES / "cp1252.eml").read_bytes())
    assert imap_poll(inbox) == 2
    assert imap_poll(inbox) == 0  # flagged seen: not fetched twice
    inbound_process(inbox.tenant, timezone.now())
    topics = sorted(Conversation.objects.filter(inbox=inbox).values_list("topic", flat=True))
    assert topics == ["Cotización – plan empresarial", "¿Cuándo llega mi tarjeta?"]  # noqa: RUF001
    assert InboundEvent.objects.count() == 2


def test_idle_wakes_when_mail_arrives(inbox, dovecot):
    client = connect(inbox)
    try:
        client.uid("SEARCH", "ALL")
        later = threading.Timer(0.5, append, args=(dovecot,
                                                   (FIXTURES / "auto_reply.eml").read_bytes()))
        later.start()
        started = time.monotonic()
        assert idle(client, timeout_s=10)
        assert time.monotonic() - started < 5
        later.join()
    finally:
        client.logout()


def test_wrong_password_is_an_error_not_a_crash(inbox, monkeypatch):
    monkeypatch.setenv("CONTACTA_IMAP_IMAP_PASSWORD", "wrong")
    with pytest.raises(imaplib.IMAP4.error):
        imap_poll(inbox)
    assert os.environ["CONTACTA_IMAP_IMAP_PASSWORD"] == "wrong"

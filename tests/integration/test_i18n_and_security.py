"""Spanish and English UI, security headers and cookies, login lockout, Argon2, admin forms."""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import override_settings

from contacta.accounts.models import User
from contacta.routing.models import Disposition, Queue, QueueSkill
from tests.factories import PASSWORD, make_world

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "text"), [("es", "Iniciar sesión"), ("en", "Sign in")])
def test_login_page_in_both_languages(client, language, text):
    r = client.get("/accounts/login/", HTTP_ACCEPT_LANGUAGE=language)
    assert text in r.content.decode()


@pytest.mark.parametrize(("language", "text"), [("es", "Disponible"), ("en", "Available")])
def test_javascript_catalogue_in_both_languages(client, language, text):
    r = client.get("/jsi18n/", HTTP_ACCEPT_LANGUAGE=language)
    body = r.content.decode()
    assert r.status_code == 200
    if language == "es":
        assert text in body
    else:
        assert "Disponible" not in body


def test_user_language_preference_wins_over_browser(client):
    w = make_world("lang")
    user = w.agents[0].user
    user.language = "en"
    user.save()
    client.force_login(user)
    r = client.get("/agent/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Agent desktop" in r.content.decode()


def test_csp_nosniff_and_frame_headers(client):
    r = client.get("/accounts/login/")
    csp = r.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp
    assert "object-src 'none'" in csp
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["X-Frame-Options"] == "DENY"
    w = make_world("framed")
    chat = client.get(f"/chat/{w.inbox.public_key}/")
    assert "frame-ancestors *" in chat.headers["Content-Security-Policy"]


def test_session_cookie_is_httponly_and_lax(client):
    make_world("cookie")
    r = client.post("/accounts/login/", {"username": "cookie-sup", "password": PASSWORD})
    morsel = r.cookies["sessionid"]
    assert morsel["httponly"]
    assert morsel["samesite"] == "Lax"


@override_settings(SECURE_COOKIES=True, SESSION_COOKIE_SECURE=True)
def test_production_cookies_are_secure(client):
    make_world("secure")
    r = client.post("/accounts/login/", {"username": "secure-sup", "password": PASSWORD})
    assert r.cookies["sessionid"]["secure"]


def test_login_lockout_after_repeated_failures(client, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    make_world("lock")
    for _ in range(3):
        r = client.post("/accounts/login/", {"username": "lock-sup", "password": "wrong"})
        assert "sessionid" not in r.cookies
    r = client.post("/accounts/login/", {"username": "lock-sup", "password": PASSWORD})
    assert "sessionid" not in r.cookies  # right password, but locked
    other = client.post("/accounts/login/", {"username": "lock-viewer", "password": PASSWORD})
    assert "sessionid" in other.cookies  # another user from the same address is not locked


def test_passwords_are_hashed_with_argon2(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
    user = User.objects.create(username="argon")
    user.set_password("una clave larga y segura")
    user.save()
    assert identify_hasher(user.password).algorithm == "argon2"


def test_admin_form_refuses_cross_tenant_references(client):
    a, b = make_world("adma"), make_world("admb")
    root = User.objects.create_superuser("root", "root@example.org", PASSWORD)
    client.force_login(root)
    r = client.post("/admin/routing/disposition/add/", {
        "tenant": a.tenant.pk, "queue": b.queue.pk, "code": "x", "label": "X"})
    assert r.status_code == 200
    assert "belongs to another tenant" in r.content.decode()
    assert not Disposition.objects.filter(code="x").exists()
    data = {"tenant": a.tenant.pk, "name": "Mixed", "priority": 5, "selection_policy": "longest_idle",
            "aging_per_minute": 0, "sla_target_percent": 80, "sla_target_seconds": 20,
            "offer_timeout_seconds": 30, "wrap_up_seconds": 10, "closed_message": "",
            "skill_requirements-TOTAL_FORMS": 1, "skill_requirements-INITIAL_FORMS": 0,
            "skill_requirements-0-skill": b.skill.pk, "skill_requirements-0-min_proficiency": 1,
            "dispositions-TOTAL_FORMS": 0, "dispositions-INITIAL_FORMS": 0}
    r = client.post("/admin/routing/queue/add/", data)
    assert r.status_code == 200  # the form comes back with the error, nothing is saved
    assert "belongs to another tenant" in r.content.decode()
    assert not Queue.objects.filter(name="Mixed").exists()
    assert not QueueSkill.objects.filter(skill=b.skill, tenant=a.tenant).exists()


def test_spanish_catalogues_are_complete():
    """Every UI string has a Spanish translation; nothing is left fuzzy or empty."""
    from pathlib import Path

    import contacta

    root = Path(contacta.__file__).parent
    catalogues = list(root.glob("**/locale/es/LC_MESSAGES/*.po"))
    assert len(catalogues) >= 3
    for po in catalogues:
        text = po.read_text()
        assert "#, fuzzy" not in text, po
        entries = text.split("\n\n")[1:]  # the first block is the header
        for entry in entries:
            if "msgid" not in entry:
                continue
            msgstr = entry.split("msgstr ", 1)[1]
            assert msgstr.strip() not in ('""', ""), (po, entry)


def test_staff_without_a_preference_get_the_tenants_language(client):
    w = make_world("english")
    w.tenant.language = "en"
    w.tenant.save()
    client.force_login(w.agents[0].user)
    r = client.get("/agent/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Agent desktop" in r.content.decode()
    w.tenant.language = "es"
    w.tenant.save()
    assert "Escritorio del agente" in client.get("/agent/").content.decode()

"""The pure e-mail parser: charsets, encoded headers, threading, trimming, loops and bounces."""

from __future__ import annotations

from pathlib import Path

import pytest

from contacta.connectors import email as email_connector
from contacta.connectors.email.inbound import parse_email, trim_reply
from contacta.connectors.inbound import PayloadError

FIXTURES = Path(email_connector.__file__).parent / "fixtures"


def load(name):
    return parse_email((FIXTURES / f"{name}.eml").read_bytes())


def test_utf8_encoded_words_and_plain_part_win_over_html():
    mail = load("utf8_multipart")
    assert mail.from_name == "María Peña"
    assert mail.subject == "¿Cuándo llega mi tarjeta?"
    assert mail.text == "Buenos días, ¿cuándo llega mi tarjeta? Soy María Peña."
    assert "Cel. 300" in mail.full_text  # the signature is trimmed for display only
    assert not mail.is_automatic


def test_latin1_reply_threads_and_trims_the_quote():
    mail = load("latin1_reply")
    assert mail.from_name == "José Muñoz"
    assert mail.subject == "Re: ¿Cuándo llega mi tarjeta?"
    assert mail.in_reply_to == "<ct-1@banco.example>"
    assert mail.references == ("<CAF1234@mail.example.org>", "<ct-1@banco.example>")
    assert mail.text == "Gracias, ya la recibí. ¡Qué rápido!"
    assert "mañana" in mail.full_text


def test_windows_1252_smart_quotes_and_euro():
    mail = load("cp1252")
    assert mail.subject == "Cotización – plan empresarial"  # noqa: RUF001 - cp1252 0x96
    assert mail.text == "Necesito la cotización “urgente” € gracias"


def test_auto_replies_and_bounces_are_never_answered():
    assert load("auto_reply").is_automatic
    bounce = load("bounce")
    assert bounce.is_automatic
    assert bounce.bounce_of == "<ct-9@banco.example>"


def test_html_only_mail_loses_every_tag_and_script():
    raw = (b"From: a@example.org\r\nSubject: x\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n"
           b"<div>Hola <b>Ana</b><script>steal()</script><br>adi&oacute;s</div>")
    assert parse_email(raw).text == "Hola Ana\nadiós"


def test_trim_reply_keeps_own_words():
    assert trim_reply("Sí, gracias\n> citado\n-- \nfirma") == "Sí, gracias"


@pytest.mark.parametrize("raw", [b"", b"no headers at all", b"Subject: x\r\n\r\nbody",
                                 b"From: nobody\r\n\r\nx", b"x" * (10 * 1024 * 1024 + 1)])
def test_malformed_mail_is_refused(raw):
    with pytest.raises(PayloadError):
        parse_email(raw)

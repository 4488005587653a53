"""Production security: HSTS, SSL redirect, content security policy, no-store on secret pages,
lockout by user and address together, and password reset by email (issue 11)."""

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.core import mail

from audits.models import AuditEvent
from cameras.services import camera_create
from portal.roles import Role
from tests.conftest import REPO
from tests.factories import PASSWORD, city_user

pytestmark = pytest.mark.django_db


def production_settings() -> dict:
    code = (
        "import json, django; django.setup(); from django.conf import settings as s; "
        "print(json.dumps({k: getattr(s, k, None) for k in ('SECURE_SSL_REDIRECT', 'SECURE_HSTS_SECONDS', "
        "'SECURE_HSTS_INCLUDE_SUBDOMAINS', 'SESSION_COOKIE_SECURE', 'CSRF_COOKIE_SECURE')}))"
    )
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "portal.settings",
        "STEWARD_ENV": "production",
        "DJANGO_SECRET_KEY": "x" * 50,
        "STEWARD_VAR_DIR": str(REPO / "var"),
    }
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_production_mode_redirects_to_https_with_hsts_and_secure_cookies():
    values = production_settings()
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31536000 and values["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert values["SESSION_COOKIE_SECURE"] and values["CSRF_COOKIE_SECURE"]


def test_https_requests_get_hsts_and_plain_ones_a_redirect(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    response = client.get("/")
    assert response.status_code == 301 and response["Location"].startswith("https://")
    secure = client.get("/", secure=True)
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"].startswith("max-age=31536000")
    assert client.get("/healthz").status_code in (200, 503)  # the probe is exempt


def test_every_page_carries_a_strict_content_security_policy(client, city_a):
    policy = client.get("/")["Content-Security-Policy"]
    directives = dict(part.strip().split(" ", 1) for part in policy.split(";") if part.strip())
    assert directives["script-src"] == "'self'" and directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'" and directives["frame-ancestors"] == "'none'"
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy


def test_no_template_has_an_inline_script_style_or_event_handler():
    offenders = []
    for path in Path(REPO / "templates").rglob("*.html"):
        text = path.read_text()
        for match in re.finditer(r"<script\b[^>]*>", text):
            tag = match.group(0)
            if "src=" not in tag and 'type="application/json"' not in tag:
                offenders.append(f"{path.name}: {tag}")
        offenders += [f"{path.name}: {m}" for m in re.findall(r"\son[a-z]+\s*=", text)]
        offenders += [f"{path.name}: style attribute" for _ in re.findall(r"\sstyle\s*=", text)]
        offenders += [f"{path.name}: <style>" for _ in re.findall(r"<style\b", text)]
    assert offenders == []


def test_the_one_time_camera_key_page_is_never_stored(client, city_a):
    clerk = city_user(city_a, Role.CLERK)
    camera, _ = camera_create(city=city_a, by=clerk, name="Main St", latitude="47.3", longitude="-122.2")
    client.force_login(clerk)
    response = client.post(f"/c/{city_a.slug}/cameras/{camera.public_id}/key/rotate/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def login_from(client, username, password, address):
    return client.post("/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def test_a_stranger_cannot_lock_the_chief_out(client, city_a):
    chief = city_user(city_a, Role.CHIEF)
    for _ in range(6):
        login_from(client, chief.username, "guess", "203.0.113.7")
    assert login_from(client, chief.username, PASSWORD, "203.0.113.7").status_code == 429
    # The chief, from the station's own address, still signs in.
    assert login_from(client, chief.username, PASSWORD, "198.51.100.20").status_code == 302


def test_password_reset_by_email_is_audited_and_ends_other_sockets(client, city_a):
    officer = city_user(city_a, Role.OFFICER, email="officer@alpha.example")
    response = client.post("/accounts/password-reset/", {"email": "officer@alpha.example"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    assert len(mail.outbox) == 1
    link = re.search(r"https?://[^/]+(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form = client.get(link, follow=True)
    assert form.status_code == 200 and "Choose a new password" in form.content.decode()
    done = client.post(
        form.redirect_chain[-1][0],
        {"new_password1": "a-brand-new-passphrase-26", "new_password2": "a-brand-new-passphrase-26"},
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/reset/done/"
    officer.refresh_from_db()
    assert officer.check_password("a-brand-new-passphrase-26")
    events = set(AuditEvent.objects.filter(city=city_a).values_list("event_type", flat=True))
    assert {"auth.password_reset_requested", "auth.password_reset", "user.access_changed"} <= events
    # The link works once.
    assert "has been used or has expired" in client.get(link, follow=True).content.decode()


def test_an_unknown_address_gets_the_same_answer_and_no_mail(client):
    response = client.post("/accounts/password-reset/", {"email": "nobody@example.org"})
    assert response.status_code == 302 and response["Location"] == "/accounts/password-reset/sent/"
    assert mail.outbox == []
    assert AuditEvent.objects.get(event_type="auth.password_reset_requested").outcome == "failure"

"""Production settings: `check --deploy` is clean with DJANGO_DEBUG=0 and a secret, HSTS
comes from the environment, and the API's schema and docs are behind the login unless a
setting opens them."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parent.parent


def _production(*args: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_"))}
    full_env.update(
        DJANGO_SETTINGS_MODULE="config.settings",
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        ALLOWED_HOSTS="registry.example.org",
        **env,
    )
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=full_env, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_the_production_settings():
    result = _production("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_hsts_and_the_https_redirect_come_from_the_environment():
    show = (
        "import config.settings as s; print(s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT)"
    )
    default = _production("-c", show)
    assert default.stdout.split() == ["31536000", "True", "True", "True"], default.stderr
    chosen = _production(
        "-c",
        show,
        SECURE_HSTS_SECONDS="600",
        SECURE_HSTS_PRELOAD="0",
        SECURE_SSL_REDIRECT="0",
    )
    assert chosen.stdout.split() == ["600", "True", "False", "False"], chosen.stderr


@pytest.mark.django_db
def test_the_api_docs_and_schema_need_a_login_by_default(client):
    docs = client.get("/api/docs/")
    assert docs.status_code == 302 and docs["Location"].startswith("/accounts/login/")
    assert APIClient().get("/api/schema/", {"format": "json"}).status_code == 401
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=UserFactory()).key}")
    assert api.get("/api/schema/", {"format": "json"}).status_code == 200


@pytest.mark.django_db
def test_a_setting_opens_the_api_docs_to_everyone(client, settings):
    settings.API_DOCS_PUBLIC = True
    assert client.get("/api/docs/").status_code == 200
    assert client.get("/api/schema/", {"format": "json"}).status_code == 200

"""Production settings: `check --deploy` is clean with DJANGO_DEBUG=0 and a secret, HSTS
comes from the environment, and the API's schema and docs are behind the login unless a
setting opens them."""

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests.factories import UserFactory
from tests.production import production_run


def test_check_deploy_is_clean_with_the_production_settings():
    result = production_run("manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_hsts_and_the_https_redirect_come_from_the_environment():
    show = (
        "import config.settings as s; print(s.SECURE_HSTS_SECONDS, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_SSL_REDIRECT)"
    )
    default = production_run("-c", show)
    assert default.stdout.split() == ["31536000", "True", "True", "True"], default.stderr
    chosen = production_run(
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

"""Guessing passwords and tokens: logins lock after a few failures (django-axes) with a
clear page and an administrator's unlock; bad API tokens and request floods get 429;
tokens expire."""

import datetime

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from registry.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-synthetic-passphrase"


@pytest.fixture(autouse=True)
def fresh_limits(settings):
    settings.AXES_FAILURE_LIMIT = 5
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clinician():
    user = UserFactory(role=Role.CLINICIAN, is_staff=True)
    user.set_password(PASSWORD)
    user.save()
    return user


@pytest.mark.parametrize("url", ["/accounts/login/", "/admin/login/"])
def test_five_wrong_passwords_lock_the_login_even_for_the_right_one(client, clinician, url):
    for _ in range(5):
        wrong = client.post(url, {"username": clinician.username, "password": "guess"})
        assert wrong.status_code in (200, 429)
    right = client.post(url, {"username": clinician.username, "password": PASSWORD})
    assert right.status_code == 429
    assert "Sign-in locked" in right.content.decode()
    assert "ask an administrator to unlock it" in right.content.decode()
    assert "_auth_user_id" not in client.session


def test_an_administrator_sees_the_lock_and_unlocking_lets_the_user_in(client, clinician):
    for _ in range(5):
        client.post("/accounts/login/", {"username": clinician.username, "password": "guess"})
    admin = UserFactory(is_superuser=True, is_staff=True, role=Role.ADMIN)
    client.force_login(admin)
    listing = client.get("/admin/axes/accessattempt/")
    assert listing.status_code == 200 and clinician.username in listing.content.decode()
    client.logout()

    call_command("axes_reset_username", clinician.username)
    right = client.post("/accounts/login/", {"username": clinician.username, "password": PASSWORD})
    assert right.status_code == 302 and client.session["_auth_user_id"] == str(clinician.pk)


def test_bad_api_tokens_from_one_address_are_throttled(settings, clinician):
    settings.API_BAD_TOKEN_LIMIT = 10
    api = APIClient()
    for n in range(10):
        api.credentials(HTTP_AUTHORIZATION=f"Token {'0' * 39}{n}")
        assert api.get("/api/v1/patients/").status_code == 401
    good = Token.objects.create(user=clinician)
    api.credentials(HTTP_AUTHORIZATION=f"Token {good.key}")
    refused = api.get("/api/v1/patients/")
    assert refused.status_code == 429
    assert "Too many invalid tokens" in refused.json()["detail"]


def test_a_signed_in_user_flooding_the_api_gets_429(settings, clinician):
    settings.API_RATE_USER = "3/min"
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=clinician).key}")
    assert [api.get("/api/v1/patients/").status_code for _ in range(4)] == [200, 200, 200, 429]


def test_an_expired_token_is_refused_saying_so(settings, clinician):
    settings.API_TOKEN_TTL_HOURS = 24
    token = Token.objects.create(user=clinician)
    Token.objects.filter(pk=token.pk).update(created=timezone.now() - datetime.timedelta(hours=25))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api.get("/api/v1/patients/")
    assert response.status_code == 401
    assert "Token expired (tokens are valid for 24 hours)" in response.json()["detail"]
    Token.objects.filter(pk=token.pk).update(created=timezone.now())
    assert api.get("/api/v1/patients/").status_code == 200

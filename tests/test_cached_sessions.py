"""Sessions read from the shared cache (CACHE_URL set): one query fewer per page, and
signing out, a session's expiry and the login lockout work as with database sessions."""

import time

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from registry.models import Role
from tests.factories import UserFactory
from tests.production import production_run

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-synthetic-passphrase"


@pytest.fixture
def cached_sessions(settings):
    settings.SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
    settings.AXES_FAILURE_LIMIT = 5
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clinician():
    user = UserFactory(role=Role.CLINICIAN)
    user.set_password(PASSWORD)
    user.save()
    return user


def _sign_in(client, user) -> None:
    answer = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert answer.status_code == 302


def test_a_page_reads_the_session_from_the_cache(client, cached_sessions, clinician):
    _sign_in(client, clinician)
    client.get("/patients/")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/patients/").status_code == 200
    assert not any("django_session" in q["sql"] for q in ctx.captured_queries)


def test_signing_out_ends_the_session_in_cache_and_database(client, cached_sessions, clinician):
    _sign_in(client, clinician)
    assert client.get("/patients/").status_code == 200
    key = client.session.session_key
    assert client.post("/accounts/logout/").status_code in (200, 302)
    assert not SessionStore().exists(key) and cache.get(SessionStore.cache_key_prefix + key) is None
    client.cookies["sessionid"] = key  # the old cookie, replayed
    assert client.get("/patients/").status_code == 302


def test_an_expired_session_is_not_read_back_from_the_cache(client, cached_sessions, clinician):
    _sign_in(client, clinician)
    session = SessionStore(client.session.session_key)
    session.set_expiry(1)
    session.save()
    time.sleep(1.5)
    assert client.get("/patients/").status_code == 302


def test_the_login_lockout_holds_with_cached_sessions(client, cached_sessions, clinician):
    for _ in range(5):
        client.post("/accounts/login/", {"username": clinician.username, "password": "guess"})
    right = client.post("/accounts/login/", {"username": clinician.username, "password": PASSWORD})
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


@pytest.mark.slow
def test_sessions_use_the_cache_only_when_every_process_shares_it():
    show = "from django.conf import settings; print(settings.SESSION_ENGINE)"
    code = f"import django; django.setup(); {show}"
    shared = production_run("-c", code, CACHE_URL="redis://127.0.0.1:6379/9")
    alone = production_run("-c", code, CACHE_URL="")
    assert shared.stdout.strip() == "django.contrib.sessions.backends.cached_db", shared.stderr
    assert alone.stdout.strip() == "django.contrib.sessions.backends.db", alone.stderr

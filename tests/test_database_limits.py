"""The web process's PostgreSQL connections cancel queries that outlive a request."""

import subprocess
import sys

import psycopg2
import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection

from config.database import env_milliseconds, with_web_limits

pytestmark = pytest.mark.django_db


def _connect(database: dict):
    options = database.get("OPTIONS", {})
    return psycopg2.connect(
        dbname=connection.settings_dict["NAME"],
        user=database["USER"],
        host=database["HOST"],
        port=database["PORT"],
        options=options.get("options", ""),
    )


def test_web_connections_carry_the_timeout_and_cancel_a_long_query(on_postgres):
    database = with_web_limits(
        connection.settings_dict, statement_timeout_ms=200, check_interval_ms=1500
    )
    with _connect(database) as conn, conn.cursor() as cursor:
        cursor.execute("SHOW statement_timeout")
        assert cursor.fetchone()[0] == "200ms"
        cursor.execute("SHOW client_connection_check_interval")
        assert cursor.fetchone()[0] == "1500ms"
        with pytest.raises(psycopg2.errors.QueryCanceled):
            cursor.execute("SELECT pg_sleep(2)")


def test_zero_turns_the_limits_off_and_sqlite_is_left_alone():
    postgres = {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {}}
    assert (
        "options"
        not in with_web_limits(postgres, statement_timeout_ms=0, check_interval_ms=0)["OPTIONS"]
    )
    sqlite = {"ENGINE": "django.db.backends.sqlite3", "OPTIONS": {"timeout": 20}}
    assert with_web_limits(sqlite, statement_timeout_ms=100, check_interval_ms=100) == sqlite


def test_a_bad_value_names_the_variable_and_the_range(monkeypatch):
    monkeypatch.setenv("WEB_DB_STATEMENT_TIMEOUT_MS", "-5")
    with pytest.raises(ImproperlyConfigured, match=r"WEB_DB_STATEMENT_TIMEOUT_MS='-5'.*0 to 10"):
        env_milliseconds("WEB_DB_STATEMENT_TIMEOUT_MS", 20, 0, 10)


def test_only_the_wsgi_entry_point_turns_the_limits_on():
    script = (
        "import django, os;"
        "os.environ['DATABASE_URL']='postgres://u@h/d';"
        "import config.wsgi;"
        "from django.conf import settings;"
        "print(settings.DATABASES['default']['OPTIONS'].get('options', ''))"
    )
    plain = (
        "import os; os.environ['DATABASE_URL']='postgres://u@h/d';"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE','config.settings');"
        "import django; django.setup();"
        "from django.conf import settings;"
        "print(settings.DATABASES['default']['OPTIONS'].get('options', ''))"
    )
    web = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    other = subprocess.run([sys.executable, "-c", plain], capture_output=True, text=True)
    assert "statement_timeout=20000" in web.stdout, web.stderr
    assert other.stdout.strip() == "", other.stderr

import os
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

ROOT = Path(__file__).resolve().parent.parent


def test_system_check_is_clean():
    out = StringIO()
    call_command("check", stdout=out)
    assert "no issues" in out.getvalue()


@pytest.mark.django_db
def test_models_and_migrations_agree():
    call_command("makemigrations", "--check", "--dry-run", stdout=StringIO())


def _settings_import(**env):
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", "import config.settings"],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_start_without_secret_key_stops_with_a_clear_message():
    result = _settings_import(DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_production_start_with_secret_key_loads():
    result = _settings_import(DJANGO_DEBUG="0", DJANGO_SECRET_KEY="synthetic-" + "x" * 40)
    assert result.returncode == 0, result.stderr


def test_a_misspelt_boolean_setting_is_refused():
    result = _settings_import(DJANGO_DEBUG="maybe")
    assert "DJANGO_DEBUG='maybe' is not a boolean" in result.stderr


def test_the_suite_enqueues_into_a_broker_of_its_own(settings):
    """A developer's embedded worker (var/broker) never receives a test's tasks."""
    if settings.CELERY_BROKER_URL.startswith("filesystem://"):
        folder = Path(settings.CELERY_BROKER_TRANSPORT_OPTIONS["data_folder_in"])
        assert not folder.resolve().is_relative_to(settings.VAR_DIR.resolve())
    else:
        assert settings.CELERY_BROKER_URL == settings.REDIS_URL


@pytest.mark.django_db
def test_the_database_checks_are_clean_on_this_backend():
    """`migrate` (and so `make run`) runs them: a newcomer sees no warning at start."""
    out = StringIO()
    call_command("check", "--database", "default", stdout=out, stderr=out)
    assert "no issues" in out.getvalue(), out.getvalue()

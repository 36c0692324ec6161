"""The German catalogue is complete and the committed compiled catalogue matches it.

makemessages (gettext's xgettext) collects every string marked in templates and code
into a copy of the committed catalogue; a string nobody translated yet shows up there
as untranslated, and this test names it."""

import gettext
import shutil
import subprocess
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from tests.conftest import REQUIRE_SERVICES

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "locale" / "de" / "LC_MESSAGES"
# What makemessages reads: the project's own code and templates.
SOURCES = ["config", "registry", "analytics", "templates"]


@pytest.fixture
def gettext_tools():
    if not shutil.which("msgfmt") or not shutil.which("xgettext"):
        if REQUIRE_SERVICES:
            pytest.fail("gettext is missing; CI installs Debian's gettext package")
        pytest.skip("gettext not installed (apt-get install gettext)")


def _untranslated(po: Path) -> list[str]:
    """msgids of po with an empty or fuzzy translation, read with msgattrib."""
    found = []
    for flag in ("--untranslated", "--only-fuzzy"):
        out = subprocess.run(
            ["msgattrib", flag, "--no-obsolete", "--no-wrap", str(po)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        found += [
            line[len('msgid "') : -1]
            for line in out.splitlines()
            if line.startswith('msgid "') and line != 'msgid ""'
        ]
    return found


def test_every_marked_string_has_a_german_translation(
    gettext_tools, tmp_path, monkeypatch, settings
):
    # makemessages writes into the catalogue beside the files it reads, so it reads a
    # copy of the sources and updates a copy of the catalogue.
    for name in SOURCES:
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    work = tmp_path / "locale" / "de" / "LC_MESSAGES"
    work.mkdir(parents=True)
    shutil.copy(CATALOGUE / "django.po", work / "django.po")
    settings.LOCALE_PATHS = [tmp_path / "locale"]
    monkeypatch.chdir(tmp_path)
    call_command("makemessages", locale=["de"], no_location=True, verbosity=0, stdout=StringIO())
    missing = _untranslated(work / "django.po")
    assert not missing, f"untranslated in German ({len(missing)}): {missing[:20]}"


def test_the_committed_german_catalogue_is_complete(gettext_tools):
    assert not _untranslated(CATALOGUE / "django.po")


def test_the_committed_mo_file_is_compiled_from_the_po_file(gettext_tools, tmp_path):
    fresh = tmp_path / "django.mo"
    subprocess.run(
        ["msgfmt", "--check", "-o", str(fresh), str(CATALOGUE / "django.po")], check=True
    )
    with open(fresh, "rb") as a, open(CATALOGUE / "django.mo", "rb") as b:
        assert gettext.GNUTranslations(a)._catalog == gettext.GNUTranslations(b)._catalog, (
            "locale/de/LC_MESSAGES/django.mo is stale: run `make messages`"
        )

"""Static files as production serves them: collectstatic under the production settings
(DEBUG off) writes hashed names, a manifest and compressed copies; pages link the hashed
names (a file missing from the manifest would be a 500); WhiteNoise answers them
compressed with a far-future immutable Cache-Control."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.urls import reverse

from tests.factories import CenterFactory, PatientFactory, UserFactory, VisitFactory

ROOT = Path(__file__).resolve().parent.parent
HASHED_CSS = re.compile(r"/static/css/registry\.[0-9a-f]{12}\.css")
HASHED_PLOTLY = re.compile(r"/static/vendor/plotly/plotly-basic\.min\.[0-9a-f]{12}\.js")
TEN_YEARS = 10 * 365 * 24 * 3600

# collectstatic compresses every file with Brotli and gzip: once, in one test process.
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("collectstatic")]


def _production_env(static_root: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    env.update(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY="static-pipeline-test-key-not-secret",
        DJANGO_SETTINGS_MODULE="config.settings",
        STATIC_ROOT=str(static_root),
        ALLOWED_HOSTS="testserver",
    )
    return env


# Once per session: pytest-django runs the database test of this module apart from the
# others, so a module-scoped fixture would collect (and compress) everything twice.
@pytest.fixture(scope="session")
def collected(tmp_path_factory):
    static_root = tmp_path_factory.mktemp("staticfiles")
    result = subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
        cwd=ROOT,
        env=_production_env(static_root),
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    return static_root


def test_collectstatic_with_production_settings_writes_manifest_and_compressed_copies(collected):
    manifest = json.loads((collected / "staticfiles.json").read_text())["paths"]
    css = manifest["css/registry.css"]
    plotly = manifest["vendor/plotly/plotly-basic.min.js"]
    for name in (css, plotly, manifest["js/plots.js"]):
        assert (collected / name).exists()
        assert (collected / f"{name}.gz").exists(), name
        assert (collected / f"{name}.br").exists(), name
    # The plotting library served is the basic bundle, not the 4.8 MB full one.
    assert (collected / plotly).stat().st_size < 1_500_000
    assert not any(path.endswith("plotly.min.js") for path in manifest)


def test_a_production_process_serves_hashed_files_compressed_and_cached_for_years(collected):
    script = """
import django
django.setup()
from django.test import Client
client = Client()
page = client.get("/accounts/login/", secure=True)
import re
css = re.search(r"/static/css/registry\\.[0-9a-f]{12}\\.css", page.content.decode()).group(0)
asset = client.get(css, secure=True, HTTP_ACCEPT_ENCODING="br, gzip")
print(page.status_code, css, asset.status_code, asset.get("Content-Encoding"),
      asset.get("Cache-Control"), sep="|")
"""
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=_production_env(collected),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    status, css, asset_status, encoding, cache = result.stdout.strip().splitlines()[-1].split("|")
    assert status == "200" and HASHED_CSS.fullmatch(css)
    assert asset_status == "200" and encoding == "br"
    assert f"max-age={TEN_YEARS}" in cache and "immutable" in cache


@pytest.mark.django_db
def test_every_page_renders_with_the_production_manifest(collected, client, settings):
    settings.STATIC_ROOT = collected
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    center = CenterFactory(code="TST-S")
    patient = PatientFactory(patient_id="SYN-S1", center=center)
    visit = VisitFactory(patient=patient)
    client.force_login(
        UserFactory(username="syn-static", role="admin", centers=[center], is_staff=True)
    )
    pages = [
        reverse("home"),
        reverse("patient-list"),
        reverse("patient-detail", args=[patient.patient_id]),
        reverse("visit-detail", args=[patient.patient_id, visit.pk]),
        reverse("visit-new", args=[patient.patient_id]),
        reverse("patient-report", args=[patient.patient_id]),
        reverse("phenotype-dashboard"),
        reverse("import-list"),
        reverse("import-new"),
        reverse("admin:index"),
        reverse("api-docs"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert "/static/" not in html or re.search(r"/static/\S+\.[0-9a-f]{12}\.", html), url
    detail = client.get(reverse("patient-detail", args=[patient.patient_id])).content.decode()
    assert HASHED_CSS.search(detail) and HASHED_PLOTLY.search(detail)

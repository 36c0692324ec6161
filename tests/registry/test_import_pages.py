"""The import pages lead on: a clean dry run imports with one click, the result links the
patients it touched, and the data dictionary and file templates are one click away."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from registry.importing.jobs import job_directory
from registry.importing.results import file_template
from registry.importing.service import registry_import
from registry.importing.spec import SPECS
from registry.models import ImportJob, Patient
from tests.registry.uploads import GOOD, files_left, job_page, upload

pytestmark = pytest.mark.django_db


# Committed transactions: the audit history of the import is stamped by the database at
# the start of the import's transaction, as in production (not at the test's start).
@pytest.mark.django_db(transaction=True)
def test_a_clean_dry_run_offers_import_now_which_imports_the_same_files(
    client, root, clinician, django_capture_on_commit_callbacks
):
    client.force_login(clinician)
    response = upload(client, GOOD, django_capture_on_commit_callbacks, dry_run=True)
    dry, html = job_page(client, response)
    assert "Import these files now" in html
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import-now", args=[dry.pk]))
    real = ImportJob.objects.exclude(pk=dry.pk).get()
    assert response["Location"] == reverse("import-detail", args=[real.pk])
    assert real.status == ImportJob.Status.SUCCEEDED and not real.dry_run
    assert real.user == clinician
    assert set(Patient.objects.values_list("patient_id", flat=True)) == {"SYN-J1", "SYN-J2"}
    assert files_left(root) == []  # imported, then deleted like any upload
    page = client.get(reverse("import-detail", args=[real.pk])).content.decode()
    assert reverse("patient-detail", args=["SYN-J1"]) in page  # what the import touched
    assert (
        "Import these files now"
        not in client.get(reverse("import-detail", args=[dry.pk])).content.decode()
    )


def test_a_dry_runs_files_expire(
    client, root, clinician, settings, django_capture_on_commit_callbacks
):
    client.force_login(clinician)
    response = upload(client, GOOD, django_capture_on_commit_callbacks, dry_run=True)
    dry, _ = job_page(client, response)
    ImportJob.objects.filter(pk=dry.pk).update(
        finished_at=timezone.now()
        - datetime.timedelta(hours=settings.IMPORT_DRY_RUN_KEEP_HOURS + 1)
    )
    html = client.get(reverse("import-detail", args=[dry.pk])).content.decode()
    assert "Import these files now" not in html and "no longer kept" in html
    response = client.post(reverse("import-now", args=[dry.pk]), follow=True)
    assert "upload them again" in response.content.decode()
    assert ImportJob.objects.count() == 1 and not Patient.objects.exists()
    # The next finished import sweeps the expired files away.
    upload(client, GOOD, django_capture_on_commit_callbacks, dry_run=False)
    assert not (job_directory(dry.pk) / "uploads").exists()


def test_the_import_page_links_the_dictionary_and_a_template_of_each_file(client, root, clinician):
    client.force_login(clinician)
    html = client.get(reverse("import-new")).content.decode()
    assert reverse("import-dictionary") in html
    for kind in SPECS:
        assert reverse("import-template", args=[kind]) in html
    dictionary = client.get(reverse("import-dictionary")).content.decode()
    assert "velocity_m_s" in dictionary and "0.05 … 3 m/s" in dictionary
    template = client.get(reverse("import-template", args=["gait"]))
    assert template["Content-Disposition"] == 'attachment; filename="gait.csv"'


def test_the_templates_are_a_valid_import(tmp_path):
    for kind in SPECS:
        (tmp_path / f"{kind}.csv").write_text(file_template(kind))
    report = registry_import(paths=[tmp_path], dry_run=True)
    assert report.ok, report.lines()
    assert all(c.created == 1 for c in report.counts.values())

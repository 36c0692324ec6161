"""The import pages and the job that runs an upload: who may import, what the pages
show, the error report, and that uploaded data never stays on disk.

Tasks run eagerly here (in the test process); tests/registry/test_import_worker.py
runs the same job in a real worker."""

import csv
import datetime
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, connections
from django.test import Client
from django.urls import reverse

from registry import tasks
from registry.importing import jobs
from registry.models import GaitSession, ImportJob, Patient, Role, Visit
from tests.factories import CenterFactory, PatientFactory, UserFactory
from tests.registry.uploads import (
    GAIT,
    GOOD,
    PATIENTS,
    VISITS,
    as_uploads,
    files_left,
    job_page,
    upload,
)

pytestmark = pytest.mark.django_db


def test_researchers_get_403_with_a_message_and_no_import_link(client, root):
    client.force_login(UserFactory(role=Role.RESEARCHER, centers=[CenterFactory(code="TST-A")]))
    response = client.get(reverse("import-new"))
    assert response.status_code == 403
    assert "may read the registry but not import data" in response.content.decode()
    response = client.post(reverse("import-new"), {"files": as_uploads(GOOD)})
    assert response.status_code == 403
    assert not ImportJob.objects.exists()
    assert not root.exists()
    assert reverse("import-list") not in client.get(reverse("home")).content.decode()


def test_a_clinician_imports_files_of_their_centre_and_the_page_shows_the_counts(
    client, root, clinician, django_capture_on_commit_callbacks
):
    client.force_login(clinician)
    assert reverse("import-list") in client.get(reverse("home")).content.decode()
    response = upload(client, GOOD, django_capture_on_commit_callbacks)
    job, html = job_page(client, response)
    assert job.status == ImportJob.Status.SUCCEEDED, job.message
    assert job.user == clinician and job.file_names == ["patients.csv", "visits.csv", "gait.csv"]
    assert [(c["file"], c["created"]) for c in job.counts] == [
        ("patients.csv", 2),
        ("visits.csv", 2),
        ("gait.csv", 2),
    ]
    assert (job.stage, job.rows_done, job.rows_total) == ("writing", 6, 6)
    assert "All files imported." in html and "gait.csv" in html
    assert 'http-equiv="refresh"' not in html  # finished: no more refreshing
    assert GaitSession.objects.filter(visit__patient__patient_id="SYN-J2").count() == 1
    assert Visit.objects.get(patient__patient_id="SYN-J1").history.get().history_user == clinician
    assert files_left(root) == []  # uploads deleted, and no error report without errors
    assert list(root.iterdir()) == []  # nor the job's folder
    assert client.get(reverse("import-errors", args=[job.pk])).status_code == 404


def test_another_centres_patient_is_rejected_listed_on_the_page_and_in_the_report(
    client, root, clinician, django_capture_on_commit_callbacks
):
    PatientFactory(patient_id="SYN-B1", center=CenterFactory(code="TST-B"), birth_year=1970)
    files = {
        "patients.csv": PATIENTS + "SYN-J3,TST-B,F,1990,,\n",
        "visits.csv": VISITS + "SYN-B1,2023-01-01,RRMS,3.0,,,\n",
    }
    client.force_login(clinician)
    job, html = job_page(client, upload(client, files, django_capture_on_commit_callbacks))
    assert job.status == ImportJob.Status.REJECTED and job.error_count == 2
    assert "patients.csv:4: center: &#x27;TST-B&#x27; is not one of your centres" in html
    assert "visits.csv:4: patient_id: &#x27;SYN-B1&#x27; is not a patient of your centres" in html
    assert "nothing was imported" in html
    assert not Patient.objects.filter(patient_id__in=["SYN-J1", "SYN-J3"]).exists()
    assert not Visit.objects.exists()

    download = client.get(reverse("import-errors", args=[job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment")
    assert download["Content-Type"] == "text/csv; charset=utf-8"
    report = b"".join(download.streaming_content)
    assert report.startswith(b"\xef\xbb\xbf")  # a BOM, for spreadsheet programs
    rows = list(csv.reader(io.StringIO(report.decode("utf-8-sig"))))
    assert rows == [
        ["file", "line", "column", "message"],
        ["patients.csv", "4", "center", "'TST-B' is not one of your centres"],
        ["visits.csv", "4", "patient_id", "'SYN-B1' is not a patient of your centres"],
    ]
    assert files_left(root) == ["errors.csv"]  # the data files are gone, the report stays


def test_the_page_shows_the_first_100_errors_and_the_report_has_every_one(
    client, root, clinician, django_capture_on_commit_callbacks
):
    bad = "".join(f"SYN-J1,2021-03-01,fast,9.{i:03d},112,0.64,1.29,39,61\n" for i in range(150))
    client.force_login(clinician)
    files = {**GOOD, "gait.csv": GAIT + bad}
    job, html = job_page(client, upload(client, files, django_capture_on_commit_callbacks))
    assert job.status == ImportJob.Status.REJECTED and job.error_count == 150
    assert "the first 100 of 150" in html
    assert html.count("gait.csv:") == 100
    report = b"".join(client.get(reverse("import-errors", args=[job.pk])).streaming_content)
    rows = list(csv.DictReader(io.StringIO(report.decode("utf-8-sig"))))
    assert len(rows) == 150
    assert {r["line"] for r in rows} == {str(line) for line in range(4, 154)}
    assert rows[0] == {
        "file": "gait.csv",
        "line": "4",
        "column": "velocity_m_s",
        "message": "Velocity (m/s) = 9 is outside the allowed range 0.05 … 3 m/s.",
    }


def test_a_wrongly_named_file_is_refused_naming_it_and_the_allowed_names(
    client, root, clinician, django_capture_on_commit_callbacks
):
    client.force_login(clinician)
    files = {"patients.csv": PATIENTS, "gait_2024.csv": GAIT}
    response = upload(client, files, django_capture_on_commit_callbacks)
    assert response.status_code == 200
    html = response.content.decode()
    assert "gait_2024.csv: not an interchange file" in html
    assert "centers.csv, patients.csv, visits.csv, gait.csv, mri.csv" in html
    assert not ImportJob.objects.exists()
    assert files_left(root) == []


def test_a_dry_run_counts_and_writes_nothing(
    client, root, clinician, django_capture_on_commit_callbacks
):
    client.force_login(clinician)
    response = upload(client, GOOD, django_capture_on_commit_callbacks, dry_run=True)
    job, html = job_page(client, response)
    assert job.status == ImportJob.Status.SUCCEEDED and job.dry_run
    assert job.counts[0] == {
        "file": "patients.csv",
        "created": 2,
        "updated": 0,
        "unchanged": 0,
        "rejected": 0,
    }
    assert "Nothing was written (dry run)" in html
    assert not Patient.objects.exists()
    # A clean dry run keeps its files for "Import these files now" (for a while).
    assert files_left(root) == ["gait.csv", "patients.csv", "visits.csv"]


def test_a_queued_job_shows_its_progress_and_refreshes(client, root, clinician):
    job = jobs.import_job_create(user=clinician, files=as_uploads(GOOD))  # not committed: queued
    client.force_login(clinician)
    html = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "Waiting for a worker" in html and 'http-equiv="refresh" content="2"' in html
    ImportJob.objects.filter(pk=job.pk).update(
        status="running", stage="validating", rows_done=2, rows_total=6
    )
    html = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "validating" in html and "2 / 6 rows (33 %)" in html
    assert '<progress class="import" value="2" max="6">' in html


def test_a_second_run_of_the_same_job_does_nothing(root, clinician):
    job = jobs.import_job_create(user=clinician, files=as_uploads(GOOD))
    first = jobs.import_job_run(job_id=job.pk)
    assert first.status == ImportJob.Status.SUCCEEDED
    history = Visit.history.count()
    again = jobs.import_job_run(job_id=job.pk)
    assert (again.status, again.counts, again.finished_at) == (
        first.status,
        first.counts,
        first.finished_at,
    )
    assert again.counts[1]["created"] == 2  # a real second import would say "unchanged"
    assert Visit.history.count() == history


def test_an_unexpected_error_fails_the_job_with_a_message_and_deletes_the_uploads(
    root, clinician, monkeypatch
):
    def broken(**kwargs):
        raise RuntimeError("synthetic disk failure")

    monkeypatch.setattr(jobs, "records_import", broken)
    job = jobs.import_job_create(user=clinician, files=as_uploads(GOOD))
    assert files_left(root) == ["gait.csv", "patients.csv", "visits.csv"]
    done = jobs.import_job_run(job_id=job.pk)
    assert done.status == ImportJob.Status.FAILED
    assert "RuntimeError: synthetic disk failure" in done.message
    assert done.finished_at is not None
    assert files_left(root) == []


def test_a_task_queue_outage_fails_the_job_instead_of_leaving_it_queued(
    root, clinician, monkeypatch, django_capture_on_commit_callbacks
):
    def down(**kwargs):
        raise ConnectionError("synthetic broker outage")

    monkeypatch.setattr(tasks.import_files, "delay", down)
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.import_job_create(user=clinician, files=as_uploads(GOOD))
    job.refresh_from_db()
    assert job.status == ImportJob.Status.FAILED and "could not be handed" in job.message
    assert files_left(root) == []


def test_users_see_their_own_imports_and_superusers_everyone_s(root, clinician):
    job = jobs.import_job_create(user=clinician, files=as_uploads(GOOD))
    jobs.import_job_run(job_id=job.pk)
    other = UserFactory(role=Role.CLINICIAN, centers=list(clinician.centers.all()))
    boss = UserFactory(role=Role.ADMIN, is_superuser=True)
    owner_client, other_client, boss_client = Client(), Client(), Client()
    owner_client.force_login(clinician)
    other_client.force_login(other)
    boss_client.force_login(boss)
    detail = reverse("import-detail", args=[job.pk])
    assert owner_client.get(detail).status_code == 200
    assert other_client.get(detail).status_code == 404
    assert other_client.get(reverse("import-errors", args=[job.pk])).status_code == 404
    assert detail not in other_client.get(reverse("import-list")).content.decode()
    assert boss_client.get(detail).status_code == 200
    listing = boss_client.get(reverse("import-list")).content.decode()
    assert detail in listing and clinician.username in listing


@pytest.mark.django_db(transaction=True, databases=["default", "progress"])
def test_progress_is_visible_outside_while_the_import_is_still_writing(
    root, on_postgres, monkeypatch
):
    CenterFactory(code="TST-B")
    user = UserFactory(role=Role.CLINICIAN, centers=[CenterFactory(code="TST-A")])
    monkeypatch.setattr(tasks.import_files, "delay", lambda **kwargs: None)
    job = jobs.import_job_create(user=user, files=as_uploads(GOOD))
    seen = []
    real_import = jobs.records_import

    def outside_view() -> tuple:
        # A connection of its own, like the web process reading the status page.
        reader = connections.create_connection("default")
        try:
            with reader.cursor() as cursor:
                cursor.execute(
                    "SELECT stage, rows_done, rows_total FROM registry_importjob "
                    "WHERE id = %s::uuid",
                    [str(job.pk)],
                )
                return cursor.fetchone()
        finally:
            reader.close()

    def observed(**kwargs):
        report_progress = kwargs["progress"]

        def progress(stage, done, total):
            report_progress(stage, done, total)
            if connection.in_atomic_block:
                seen.append(((stage, done, total), outside_view()))

        return real_import(**{**kwargs, "progress": progress})

    monkeypatch.setattr(jobs, "records_import", observed)
    done = jobs.import_job_run(job_id=job.pk)
    assert done.status == ImportJob.Status.SUCCEEDED
    writing = [(written, read) for written, read in seen if written[0] == "writing"]
    assert writing and all(written == read for written, read in writing)
    assert any(written[1] > 0 for written, _ in writing)
    assert (done.rows_done, done.rows_total) == (6, 6)


def test_error_reports_past_the_retention_are_deleted_and_the_page_says_so(
    client, root, clinician, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_REPORT_RETENTION_DAYS = 30
    client.force_login(clinician)
    files = {"patients.csv": PATIENTS + "SYN-J3,TST-B,F,1990,,\n"}
    job, _ = job_page(client, upload(client, files, django_capture_on_commit_callbacks))
    assert files_left(root) == ["errors.csv"]
    assert jobs.import_reports_purge() == 0  # finished today: kept
    ImportJob.objects.filter(pk=job.pk).update(
        finished_at=job.finished_at - datetime.timedelta(days=31)
    )
    out = io.StringIO()
    call_command("purge_import_reports", stdout=out)
    assert "1 error reports older than 30 days deleted." in out.getvalue()
    assert files_left(root) == []
    html = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "1 errors; the report was deleted after 30 days." in html
    assert client.get(reverse("import-errors", args=[job.pk])).status_code == 404
    with pytest.raises(CommandError, match="older_than_days = -1 is outside the allowed range"):
        call_command("purge_import_reports", "--days", "-1")

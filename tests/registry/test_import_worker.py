"""An upload from the import page, imported by a real Celery worker process against the
real Redis and PostgreSQL (the test commits its data so the worker can see it)."""

import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry.demo.generator import generate_demo_cohort
from registry.models import GaitSession, ImportJob, Patient, Role, Visit
from tests.factories import CenterFactory, UserFactory

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]
GAIT_ROWS = 2000


@pytest.fixture
def upload_root(settings, tmp_path, monkeypatch):
    # The page saves the files here and the worker (another process) reads them there.
    root = tmp_path / "imports"
    settings.IMPORT_UPLOAD_ROOT = root
    monkeypatch.setenv("IMPORT_UPLOAD_ROOT", str(root))
    return root


def _csv(frame, name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, frame.to_csv(index=False).encode(), content_type="text/csv")


def _wait_until_finished(job_id, worker, timeout: float) -> ImportJob:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job = ImportJob.objects.get(pk=job_id)
        if job.is_finished:
            return job
        time.sleep(0.5)
    log = worker.log_path.read_text(errors="replace")[-4000:]
    pytest.fail(f"import {job_id} still {job.status} after {timeout} s; worker log:\n{log}")


def test_a_2000_row_gait_upload_is_imported_by_a_real_worker(worker_process, upload_root, client):
    cohort = generate_demo_cohort(n_patients=640, seed=21, prefix="DEMO-")
    assert len(cohort.gait) >= GAIT_ROWS
    gait = cohort.gait.head(GAIT_ROWS)
    centers = [CenterFactory(code=code) for code in cohort.centers["center"]]
    clinician = UserFactory(role=Role.CLINICIAN, centers=centers)
    files = [
        _csv(cohort.patients, "patients.csv"),
        _csv(cohort.visits, "visits.csv"),
        _csv(gait, "gait.csv"),
    ]
    worker = worker_process("worker.log")
    try:
        worker.wait_ready()
        client.force_login(clinician)
        response = client.post(reverse("import-new"), {"files": files})
        assert response.status_code == 302, response.content.decode()[:2000]
        job = ImportJob.objects.get()
        assert response["Location"] == reverse("import-detail", args=[job.pk])
        done = _wait_until_finished(job.pk, worker, 180)
    finally:
        worker.stop()

    assert done.status == ImportJob.Status.SUCCEEDED, done.message
    assert done.worker == worker.name
    expected = [
        ("patients.csv", len(cohort.patients)),
        ("visits.csv", len(cohort.visits)),
        ("gait.csv", GAIT_ROWS),
    ]
    assert [(c["file"], c["created"]) for c in done.counts] == expected
    assert all(c["updated"] == c["unchanged"] == c["rejected"] == 0 for c in done.counts)
    assert done.rows_total == len(cohort.patients) + len(cohort.visits) + GAIT_ROWS
    assert (done.stage, done.rows_done) == ("writing", done.rows_total)
    assert done.error_count == 0
    assert Patient.objects.count() == len(cohort.patients)
    assert Visit.objects.count() == len(cohort.visits)
    assert GaitSession.objects.count() == GAIT_ROWS
    assert GaitSession.history.filter(history_user=clinician).count() == GAIT_ROWS
    assert not any(p.is_file() for p in upload_root.rglob("*"))  # uploads deleted

    page = client.get(reverse("import-detail", args=[job.pk])).content.decode()
    assert "All files imported." in page and "2,000" in page

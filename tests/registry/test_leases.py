"""The one job lifecycle of reanalysis runs and upload imports: a lease on the job row
that a heartbeat renews; an expired lease is failed (and a lost import's files deleted)
by the sweep or the next claimant, and a job failed as lost never commits afterwards.
A real worker whose child is killed: tests/test_job_faults.py."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from analytics.models import ClusteringRun, RunStatus
from registry import leases
from registry.importing import jobs
from registry.importing.service import registry_import
from registry.models import ImportJob, Patient, Role
from registry.tasks import fail_lost_jobs
from tests.factories import CenterFactory, UserFactory

pytestmark = pytest.mark.django_db

PATIENTS = "patient_id,center,sex,birth_year,onset_year,diagnosis_date\nSYN-L1,TST-L,F,1980,,\n"


@pytest.fixture
def clinician():
    return UserFactory(role=Role.CLINICIAN, centers=[CenterFactory(code="TST-L")])


@pytest.fixture
def upload_root(settings, tmp_path):
    settings.IMPORT_UPLOAD_ROOT = tmp_path / "imports"
    return settings.IMPORT_UPLOAD_ROOT


def _queued_import(user) -> ImportJob:
    upload = SimpleUploadedFile("patients.csv", PATIENTS.encode(), content_type="text/csv")
    return jobs.import_job_create(user=user, files=[upload])


def _running(model, pk, *, expires_in_s: float, worker="w1@a-container"):
    now = timezone.now()
    model.objects.filter(pk=pk).update(
        status="running",
        started_at=now,
        worker=worker,
        lease_token="t" * 32,
        lease_expires_at=now + datetime.timedelta(seconds=expires_in_s),
    )


def test_the_sweep_fails_expired_runs_and_imports_and_deletes_the_uploads(upload_root, clinician):
    run = ClusteringRun.objects.create(trigger="schedule")
    job = _queued_import(clinician)
    assert any(upload_root.rglob("patients.csv"))
    _running(ClusteringRun, run.pk, expires_in_s=-1)
    _running(ImportJob, job.pk, expires_in_s=-1, worker="w2@another-container")

    assert fail_lost_jobs() == {"analytics.ClusteringRun": 1, "registry.ImportJob": 1}

    run.refresh_from_db()
    job.refresh_from_db()
    assert run.status == RunStatus.FAILED and "previous phenotypes stay current" in run.error
    assert job.status == ImportJob.Status.FAILED and "nothing was imported" in job.message
    assert run.finished_at and job.finished_at
    assert not any(upload_root.rglob("patients.csv"))


def test_a_live_lease_is_left_alone(upload_root, clinician):
    job = _queued_import(clinician)
    _running(ImportJob, job.pk, expires_in_s=60)
    assert fail_lost_jobs() == {"analytics.ClusteringRun": 0, "registry.ImportJob": 0}
    job.refresh_from_db()
    assert job.status == ImportJob.Status.RUNNING
    assert any(upload_root.rglob("patients.csv"))


def test_a_claim_gives_one_token_and_a_second_delivery_gets_none():
    run = ClusteringRun.objects.create(trigger="schedule")
    token = leases.lease_claim(ClusteringRun, run.pk, from_status="pending", worker="w")
    assert len(token) == 32
    assert leases.lease_claim(ClusteringRun, run.pk, from_status="pending", worker="w") == ""
    run.refresh_from_db()
    assert run.lease_expires_at > timezone.now() and run.worker_pid


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_renews_the_lease_while_the_job_runs(settings):
    settings.JOB_LEASE_SECONDS = 1
    settings.JOB_HEARTBEAT_SECONDS = 0.1
    run = ClusteringRun.objects.create(trigger="schedule")
    token = leases.lease_claim(ClusteringRun, run.pk, from_status="pending", worker="w")
    with leases.Heartbeat(ClusteringRun, run.pk, token):
        deadline = timezone.now() + datetime.timedelta(seconds=1.5)
        while timezone.now() < deadline:
            assert leases.leases_fail_expired(ClusteringRun, message="lost") == []
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    assert run.heartbeat_at > run.started_at + datetime.timedelta(seconds=1)


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize(("ending", "warned"), [("succeeded", False), ("failed", True)])
def test_the_heartbeat_warns_only_when_somebody_else_ended_the_lease(
    settings, caplog, ending, warned
):
    """A job that finishes normally meets its own beat without a warning in the log; a
    job failed by the sweep under a live process is worth one."""
    settings.JOB_HEARTBEAT_SECONDS = 0.05
    run = ClusteringRun.objects.create(trigger="schedule")
    token = leases.lease_claim(ClusteringRun, run.pk, from_status="pending", worker="w")
    beat = leases.Heartbeat(ClusteringRun, run.pk, token)
    with caplog.at_level("WARNING", logger="registry.leases"), beat:
        ClusteringRun.objects.filter(pk=run.pk).update(status=ending, lease_token="")
        beat._thread.join(timeout=5)  # the beat ends by itself once the lease is gone
    assert not beat._thread.is_alive()
    assert ("is gone" in caplog.text) is warned


def test_an_import_failed_as_lost_commits_nothing(tmp_path, clinician):
    job = ImportJob.objects.create(user=clinician, file_names=["patients.csv"])
    token = leases.lease_claim(ImportJob, job.pk, from_status="queued", worker="w")
    ImportJob.objects.filter(pk=job.pk).update(lease_expires_at=timezone.now())
    assert fail_lost_jobs()["registry.ImportJob"] == 1
    (tmp_path / "patients.csv").write_text(PATIENTS)
    with pytest.raises(leases.LeaseLost):
        registry_import(
            paths=[tmp_path / "patients.csv"],
            allowed_centers={"TST-L"},
            user=clinician,
            before_commit=lambda: leases.lease_fence(ImportJob, job.pk, token),
        )
    assert not Patient.objects.filter(patient_id="SYN-L1").exists()


def test_a_lost_job_is_explained_in_the_registry_language_whoever_sweeps_it():
    from django.utils import translation

    from analytics.models import ClusteringRun
    from registry.models import ImportJob

    with translation.override("de"):
        assert "no heartbeat" in ImportJob.lost_message()
        assert "no heartbeat" in ClusteringRun.lost_message()

"""Upload size and error volume: a file over the size limit is refused on the page (which
states the limit), validation of a file stops after a bounded number of errors and says
so, and a job's errors go to its report file as they are found, not into memory."""

import csv

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry.importing import jobs
from registry.importing.service import registry_import
from registry.models import ImportJob, Role
from tests.factories import CenterFactory, UserFactory

pytestmark = pytest.mark.django_db

HEADER = "patient_id,center,sex,birth_year,onset_year,diagnosis_date\n"
BAD_ROWS = "".join(f"SYN-E{n},TST-A,Q,1980,,\n" for n in range(20))  # sex Q: 20 errors


@pytest.fixture
def root(settings, tmp_path):
    settings.IMPORT_UPLOAD_ROOT = tmp_path / "imports"
    return settings.IMPORT_UPLOAD_ROOT


@pytest.fixture
def clinician():
    return UserFactory(role=Role.CLINICIAN, centers=[CenterFactory(code="TST-A")])


def _uploads(files: dict[str, str]) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(name, text.encode(), content_type="text/csv")
        for name, text in files.items()
    ]


def test_the_upload_page_states_the_size_limit(client, root, clinician, settings):
    settings.IMPORT_MAX_UPLOAD_MB = 25
    client.force_login(clinician)
    page = client.get(reverse("import-new")).content.decode()
    assert "at most 25 MB each" in page


def test_a_file_over_the_size_limit_is_refused_and_nothing_is_queued(
    client, root, clinician, settings, django_capture_on_commit_callbacks
):
    settings.IMPORT_MAX_UPLOAD_MB = 0.001  # about 1 KB
    client.force_login(clinician)
    big = {"patients.csv": HEADER + "SYN-E0,TST-A,F,1980,,\n" * 100}
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import-new"), {"files": _uploads(big)})
    assert response.status_code == 200
    assert (
        "patients.csv is larger than 0.001 MB; each file may be at most 0.001 MB"
        in response.content.decode()
    )
    assert not ImportJob.objects.exists()


def test_validation_of_a_file_stops_after_the_error_limit_and_says_so(tmp_path, settings):
    settings.IMPORT_MAX_ERRORS_PER_FILE = 5
    CenterFactory(code="TST-A")
    (tmp_path / "patients.csv").write_text(HEADER + BAD_ROWS)
    report = registry_import(paths=[tmp_path / "patients.csv"])
    assert report.error_count == 6
    assert [e.line for e in report.errors] == [2, 3, 4, 5, 6, 7]
    assert "stopped after 5 errors in this file" in report.errors[-1].message


def test_a_job_streams_its_errors_to_the_report_file(root, clinician, settings):
    settings.IMPORT_MAX_ERRORS_PER_FILE = 5
    job = jobs.import_job_create(
        user=clinician, files=_uploads({"patients.csv": HEADER + BAD_ROWS})
    )
    done = jobs.import_job_run(job_id=job.pk)
    assert done.status == ImportJob.Status.REJECTED and done.error_count == 6
    with jobs.error_report_path(done).open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 6 and "stopped after 5 errors" in rows[-1]["message"]


def test_a_report_keeps_only_what_it_is_asked_to_keep(tmp_path):
    CenterFactory(code="TST-A")
    (tmp_path / "patients.csv").write_text(HEADER + BAD_ROWS)
    streamed = []
    report = registry_import(
        paths=[tmp_path / "patients.csv"], error_sink=streamed.append, errors_kept=0
    )
    assert report.errors == [] and report.error_count == len(streamed) == 20
    assert not report.ok


@pytest.mark.parametrize("big_first", [True, False])
def test_the_upload_stops_at_a_file_over_the_limit_and_refuses_the_whole_upload(
    client, root, clinician, settings, django_capture_on_commit_callbacks, big_first
):
    """The limit is enforced while the body streams in (nothing past it is stored): the
    page names the file, and the files before it are not imported on their own."""
    settings.IMPORT_MAX_UPLOAD_MB = 0.01  # about 10 KB; a 64 KB chunk passes it at once
    client.force_login(clinician)
    small = {"patients.csv": HEADER + "SYN-E0,TST-A,F,1980,,\n"}
    big = {"visits.csv": "patient_id,visit_date\n" + "SYN-E0,2024-01-01\n" * 5000}
    files = _uploads({**big, **small} if big_first else {**small, **big})
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("import-new"), {"files": files, "dry_run": "on"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "visits.csv is larger than 0.01 MB; each file may be at most 0.01 MB" in page
    assert "This field is required" not in page
    assert not ImportJob.objects.exists()
    assert not root.exists() or not any(root.rglob("*.csv"))


def test_an_upload_without_a_csrf_token_is_still_refused(root, clinician):
    from django.test import Client

    guarded = Client(enforce_csrf_checks=True)
    guarded.force_login(clinician)
    response = guarded.post(reverse("import-new"), {"files": _uploads({"patients.csv": HEADER})})
    assert response.status_code == 403
    assert not ImportJob.objects.exists()


def test_the_limit_is_written_as_the_pages_language_writes_numbers(
    client, root, clinician, settings
):
    settings.IMPORT_MAX_UPLOAD_MB = 0.5
    client.force_login(clinician)
    german = client.get(reverse("import-new"), headers={"accept-language": "de"}).content.decode()
    assert "höchstens 0,5 MB" in german
    assert "at most 0.5 MB" in client.get(reverse("import-new")).content.decode()

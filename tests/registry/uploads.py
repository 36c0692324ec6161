"""Upload helpers shared by the import page tests: a clean file set (centre TST-A), and
posting it through the import page the way a browser does."""

from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from registry.models import ImportJob

PATIENTS = (
    "patient_id,center,sex,birth_year,onset_year,diagnosis_date\n"
    "SYN-J1,TST-A,F,1980,2001,2003-05-01\n"
    "SYN-J2,TST-A,M,1975,,\n"
)
VISITS = (
    "patient_id,visit_date,disease_course,edss,msws12,t25fw_s,walking_aid\n"
    "SYN-J1,2021-03-01,RRMS,2.0,20,5.5,none\n"
    "SYN-J2,2022-04-01,SPMS,6.0,70,12.0,bilateral\n"
)
GAIT = (
    "patient_id,visit_date,condition,velocity_m_s,cadence_steps_min,"
    "step_length_m,stride_length_m,swing_pct,stance_pct\n"
    "SYN-J1,2021-03-01,comfortable,1.2,112,0.64,1.29,39,61\n"
    "SYN-J2,2022-04-01,comfortable,0.6,88,0.41,0.82,35,65\n"
)
GOOD = {"patients.csv": PATIENTS, "visits.csv": VISITS, "gait.csv": GAIT}


def as_uploads(files: dict[str, str]) -> list[SimpleUploadedFile]:
    return [
        SimpleUploadedFile(name, text.encode(), content_type="text/csv")
        for name, text in files.items()
    ]


def upload(client, files, capture, *, dry_run=False):
    data = {"files": as_uploads(files), **({"dry_run": "on"} if dry_run else {})}
    with capture(execute=True):
        response = client.post(reverse("import-new"), data)
    return response


def job_page(client, response):
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(response["Location"])
    assert page.status_code == 200
    return ImportJob.objects.get(), page.content.decode()


def files_left(root) -> list[str]:
    return sorted(p.name for p in root.rglob("*") if p.is_file())

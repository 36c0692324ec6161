"""Pages: access by role and centre, constant query counts, honest empty states."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics import services
from analytics.models import ClusteringRun
from registry.demo.seeding import demo_cohort_seed
from registry.models import Patient, Role
from tests.factories import (
    CenterFactory,
    GaitSessionFactory,
    PatientFactory,
    PublishedRunFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinician_a():
    a, b = CenterFactory(code="TST-A"), CenterFactory(code="TST-B")
    GaitSessionFactory(visit__patient__center=a, visit__patient__patient_id="SYN-A1")
    GaitSessionFactory(visit__patient__center=b, visit__patient__patient_id="SYN-B1")
    return UserFactory(role=Role.CLINICIAN, centers=[a])


def test_pages_need_a_login(client):
    for name in ("home", "patient-list", "phenotype-dashboard"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_login_page_signs_a_user_in(client):
    user = UserFactory(username="synthetic-login")
    response = client.post(
        reverse("login"), {"username": "synthetic-login", "password": "synthetic-pass-123"}
    )
    assert response.status_code == 302
    assert client.get(reverse("home")).context["user"] == user


def test_patient_list_shows_only_the_users_centres(client, clinician_a):
    client.force_login(clinician_a)
    response = client.get(reverse("patient-list"))
    assert response.status_code == 200
    assert b"SYN-A1" in response.content and b"SYN-B1" not in response.content


def test_another_centres_patient_page_is_404(client, clinician_a):
    client.force_login(clinician_a)
    assert client.get(reverse("patient-detail", args=["SYN-A1"])).status_code == 200
    assert client.get(reverse("patient-detail", args=["SYN-B1"])).status_code == 404


def test_researcher_reads_patient_pages(client, clinician_a):
    researcher = UserFactory(role=Role.RESEARCHER, centers=list(clinician_a.centers.all()))
    client.force_login(researcher)
    response = client.get(reverse("patient-detail", args=["SYN-A1"]))
    assert response.status_code == 200
    assert b"SYN-A1" in response.content


def test_search_and_filters_narrow_the_list(client, clinician_a):
    client.force_login(clinician_a)
    assert b"SYN-A1" not in client.get(reverse("patient-list"), {"q": "nobody"}).content
    flagged = client.get(reverse("patient-list"), {"flagged": "1"})
    assert b"SYN-A1" not in flagged.content  # the factory walk is consistent
    assert b"SYN-A1" in client.get(reverse("patient-list"), {"edss_min": "1"}).content


def _list_queries(client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("patient-list")).status_code == 200
    return len(ctx.captured_queries)


def test_patient_list_query_count_does_not_grow_with_patients(client):
    center = CenterFactory(code="TST-Q")
    client.force_login(UserFactory(role=Role.RESEARCHER, centers=[center]))
    for _ in range(10):
        GaitSessionFactory(visit__patient__center=center)
    ten = _list_queries(client)
    for _ in range(190):
        GaitSessionFactory(visit__patient__center=center)
    two_hundred = _list_queries(client)
    assert ten == two_hundred


def test_dashboard_without_a_run_says_so(client):
    client.force_login(UserFactory(role=Role.RESEARCHER))
    response = client.get(reverse("phenotype-dashboard"))
    assert response.status_code == 200
    assert b"No reanalysis has succeeded yet" in response.content


def test_dashboard_shows_a_failed_run_with_its_error(client):
    run = ClusteringRun.objects.create(trigger="web", status="failed", error="synthetic error text")
    client.force_login(UserFactory(role=Role.RESEARCHER))
    response = client.get(reverse("phenotype-dashboard"), {"run": run.pk})
    assert b"synthetic error text" in response.content
    assert client.get(reverse("phenotype-dashboard"), {"run": 99999}).status_code == 404


def test_dashboard_shows_four_cards_the_comparison_table_and_csv(client):
    demo_cohort_seed(n_patients=40, seed=7)
    run = PublishedRunFactory()
    client.force_login(UserFactory(role=Role.RESEARCHER))
    response = client.get(reverse("phenotype-dashboard"))
    html = response.content.decode()
    assert html.count('class="card phenotype-card"') == 4
    assert "Kruskal" in html and "edss" in html and "Chi-square" in html
    csv_response = client.get(reverse("comparisons-csv", args=[run.pk]))
    assert csv_response["Content-Type"].startswith("text/csv")
    header = csv_response.content.decode().splitlines()[0]
    assert header.startswith("variable,kind,inferential,test")
    assert "adjusted_family" in header and "posthoc_dunn_holm" in header
    assert 'id="clusterability"' in html and 'id="comparison-scope"' in html
    patient = Patient.objects.order_by("patient_id").first()
    client.force_login(UserFactory(role=Role.RESEARCHER, is_superuser=True))
    page = client.get(reverse("patient-detail", args=[patient.patient_id]))
    assert f"run {run.pk}" in page.content.decode()


def test_patient_with_no_visits_has_an_honest_page(client):
    patient = PatientFactory()
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[patient.center]))
    response = client.get(reverse("patient-detail", args=[patient.patient_id]))
    assert response.status_code == 200


def test_only_admins_may_rerun_from_the_dashboard(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    from analytics import tasks

    queued = []
    monkeypatch.setattr(tasks.recluster_cohort, "delay", lambda **kw: queued.append(kw))
    client.force_login(UserFactory(role=Role.RESEARCHER))
    assert client.post(reverse("rerun")).status_code == 403
    assert b'action="/runs/rerun/"' not in client.get(reverse("phenotype-dashboard")).content
    client.force_login(UserFactory(role=Role.ADMIN))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("rerun"))
    run = ClusteringRun.objects.get()
    assert response.status_code == 302 and f"run={run.pk}" in response["Location"]
    assert (run.trigger, run.status) == ("web", "pending") and queued == [{"run_id": run.pk}]


@pytest.mark.slow
def test_transitions_and_agreement_between_runs(client):
    demo_cohort_seed(n_patients=200, seed=9)
    all_visits = services.clustering_run_request(
        trigger="command", bootstrap=0, visit_choice="all", sync=True
    )
    latest = services.clustering_run_request(trigger="command", bootstrap=0, sync=True)
    client.force_login(UserFactory(role=Role.RESEARCHER, is_superuser=True))
    page = client.get(reverse("phenotype-dashboard"), {"run": all_visits.pk})
    assert page.context["transitions"]["patients"] > 50
    moved = sum(sum(row["cells"]) for row in page.context["transitions"]["matrix"])
    assert moved >= page.context["transitions"]["patients"]
    compared = client.get(reverse("phenotype-dashboard"), {"run": latest.pk, "compare": latest.pk})
    assert compared.context["agreement"]["ari"] == pytest.approx(1.0)
    assert compared.context["agreement"]["shared"] == 200

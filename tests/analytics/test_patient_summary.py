"""The patient list's summary rows follow every door that changes what they show."""

import datetime

import pytest
from django.urls import reverse

from analytics import services
from analytics.models import PatientSummary
from registry.demo.seeding import demo_cohort_seed
from registry.models import Center, Role, Visit
from registry.services import visit_delete, visit_save
from tests.factories import (
    CenterFactory,
    GaitSessionFactory,
    MriScanFactory,
    PatientFactory,
    UserFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


def _codes(client, **params) -> list[str]:
    response = client.get(reverse("patient-list"), params)
    assert response.status_code == 200
    return [row.patient_code for row in response.context["page"]]


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    return client


def test_a_new_patient_is_listed_before_any_visit(superuser_client):
    PatientFactory(patient_id="SYN-NEW01")
    assert _codes(superuser_client) == ["SYN-NEW01"]
    summary = PatientSummary.objects.get(patient_code="SYN-NEW01")
    assert summary.n_visits == 0 and summary.latest_course == ""


def test_course_filter_follows_the_latest_visit_saved_and_deleted(superuser_client):
    patient = PatientFactory(patient_id="SYN-CRS01")
    VisitFactory(patient=patient, visit_date=datetime.date(2020, 1, 1), disease_course="RRMS")
    assert _codes(superuser_client, course="RRMS") == ["SYN-CRS01"]
    later = Visit(
        patient=patient, visit_date=datetime.date(2022, 1, 1), disease_course="SPMS", edss=6.0
    )
    admin_user = UserFactory(role=Role.ADMIN, is_superuser=True)
    visit_save(user=admin_user, visit=later, walks=[], removed=[], scan=None)
    assert _codes(superuser_client, course="RRMS") == []
    assert _codes(superuser_client, course="SPMS", edss_min="6") == ["SYN-CRS01"]
    assert PatientSummary.objects.get(patient=patient).n_visits == 2
    later.delete()
    assert _codes(superuser_client, course="RRMS") == ["SYN-CRS01"]


def test_flag_filter_follows_gait_and_mri_writes(superuser_client):
    walk = GaitSessionFactory(visit__patient__patient_id="SYN-FLG01")
    assert _codes(superuser_client, flagged="1") == []
    walk.stance_pct = 80.0  # swing + stance far from 100 %: a consistency flag
    walk.save()
    assert walk.quality_flags
    assert _codes(superuser_client, flagged="1") == ["SYN-FLG01"]
    walk.delete()
    assert _codes(superuser_client, flagged="1") == []
    scan = MriScanFactory(patient=walk.visit.patient, grey_matter_fraction=0.2)
    assert scan.quality_flags
    assert _codes(superuser_client, flagged="1") == ["SYN-FLG01"]


def test_renaming_a_centre_renames_it_in_the_list(superuser_client):
    PatientFactory(patient_id="SYN-CTR01", center=CenterFactory(code="TST-OLD"))
    center = Center.objects.get(code="TST-OLD")
    center.code = "TST-NEW"
    center.save()
    assert _codes(superuser_client, center="TST-NEW") == ["SYN-CTR01"]


def test_deep_page_and_sorts_use_the_summary(superuser_client):
    center = CenterFactory(code="TST-S")
    for i, edss in enumerate([3.0, 6.5, 1.0]):
        VisitFactory(patient__patient_id=f"SYN-SRT{i}", patient__center=center, edss=edss)
    assert _codes(superuser_client, sort="-edss") == ["SYN-SRT1", "SYN-SRT0", "SYN-SRT2"]
    assert _codes(superuser_client, sort="-patient") == ["SYN-SRT2", "SYN-SRT1", "SYN-SRT0"]
    assert _codes(superuser_client, q="srt2") == ["SYN-SRT2"]


@pytest.mark.slow
def test_seeding_lists_every_patient_and_a_run_sets_the_current_phenotype(superuser_client):
    demo_cohort_seed(n_patients=120, seed=3)
    assert PatientSummary.objects.count() == 120
    assert _codes(superuser_client, phenotype="faster stable") == []
    run = services.clustering_run_request(trigger="command", bootstrap=5, sync=True)
    assert run.status == "succeeded", run.error
    # One current label per patient: their latest analysed visit's (one visit each here).
    latest = run.assignments.filter(latest=True)
    assert latest.count() == run.assignments.count() == run.cohort_size
    name = run.phenotypes.order_by("stable_id").first().name
    expected = sorted(
        latest.filter(phenotype__name=name).values_list("patient__patient_id", flat=True)
    )
    assert expected and _codes(superuser_client, phenotype=name) == expected[:50]
    page = superuser_client.get(reverse("patient-list"), {"phenotype": name}).context["page"]
    assert {row.phenotype_name for row in page} == {name}

    # Deleting the visit of a labelled patient leaves them without a current phenotype.
    first = latest.filter(phenotype__name=name).select_related("visit").first()
    visit_delete(user=UserFactory(is_superuser=True), visit=first.visit, with_walks=True)
    assert first.patient.patient_id not in _codes(superuser_client, phenotype=name)

"""Long lists: every page reachable and in a stable order, counts that say when they
stopped counting, API pages in id order, home counts from the summary rows."""

import itertools

import pytest
from django.urls import reverse

from registry import paging
from registry.models import GaitSession, Role, Visit
from registry.paging import CappedCountPaginator, page_rows
from tests.factories import (
    CenterFactory,
    GaitSessionFactory,
    MriScanFactory,
    PatientFactory,
    PublishedRunFactory,
    UserFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    return client


@pytest.fixture
def cohort():
    """120 patients in one centre; EDSS in three tied groups, so sorting by EDSS needs
    the pseudonym to break ties."""
    center = CenterFactory(code="TST-PAGE")
    codes = []
    for i in range(120):
        patient = PatientFactory(patient_id=f"SYN-P{i:03d}", center=center)
        if i % 4:
            VisitFactory(patient=patient, edss=(1.0, 4.5, 6.0)[i % 3])
        codes.append(patient.patient_id)
    return codes


def _page(client, **params):
    response = client.get(reverse("patient-list"), params)
    assert response.status_code == 200
    return response


def _codes(response) -> list[str]:
    return [row.patient_code for row in response.context["page"]]


def _all_pages(client, **params) -> list[str]:
    seen, number = [], 1
    while True:
        response = _page(client, page=number, **params)
        seen += _codes(response)
        if not response.context["page"].has_next():
            return seen
        number += 1
        assert number < 10, "the list never ended"


def test_every_page_is_reachable_and_the_pages_join_up(superuser_client, cohort):
    assert _all_pages(superuser_client) == sorted(cohort)
    last = _page(superuser_client, page=3)
    assert len(_codes(last)) == 20 and not last.context["page"].has_next()
    assert _codes(_page(superuser_client, page=2)) == sorted(cohort)[50:100]


def test_a_sort_with_ties_keeps_one_order_across_pages(superuser_client, cohort):
    from django.db import connection

    from analytics.models import PatientSummary

    edss = dict(PatientSummary.objects.values_list("patient_code", "latest_edss"))
    known = sorted((c for c in cohort if edss[c] is not None), key=lambda c: (-edss[c], c))
    unknown = sorted(c for c in cohort if edss[c] is None)
    # Highest EDSS first, ties by pseudonym; patients without EDSS first on PostgreSQL
    # (NULLs sort high there), last on SQLite.
    expected = unknown + known if connection.vendor == "postgresql" else known + unknown
    assert _all_pages(superuser_client, sort="-edss") == expected


def test_a_page_past_the_end_shows_the_last_page(superuser_client, cohort):
    response = _page(superuser_client, page=99)
    assert response.context["page"].number == 3
    assert _codes(response) == sorted(cohort)[100:]


def test_a_list_longer_than_the_cap_says_more_than_and_keeps_numbering(
    superuser_client, cohort, monkeypatch
):
    monkeypatch.setattr(paging, "COUNT_CAP", 60)
    first = _page(superuser_client)
    html = first.content.decode()
    assert "(more than 60)" in html
    assert "page 1 of" not in html and "page 1" in html
    assert first.context["page"].paginator.count_is_capped
    # Pages past the cap are reached by number and by the next link.
    assert 'page=2">next' in html.replace("&amp;", "&")
    assert _all_pages(superuser_client) == sorted(cohort)
    assert _codes(_page(superuser_client, page=3)) == sorted(cohort)[100:]


def test_a_list_within_the_cap_is_counted_exactly(superuser_client, cohort, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 120)
    html = _page(superuser_client).content.decode()
    assert "(120)" in html and "page 1 of 3" in html


def test_the_capped_count_is_german_too(superuser_client, cohort, monkeypatch):
    monkeypatch.setattr(paging, "COUNT_CAP", 10)
    response = superuser_client.get(reverse("patient-list"), headers={"accept-language": "de"})
    html = response.content.decode()
    assert "(mehr als 10)" in html and "Seite 1\n" in html and "Seite 1 von" not in html


def test_filtered_counts_are_exact_below_the_cap(superuser_client, cohort):
    response = _page(superuser_client, edss_min="6")
    assert response.context["page"].paginator.count == 30
    assert not response.context["page"].paginator.count_is_capped


def test_page_rows_fetches_what_slicing_fetches():
    for _ in range(7):
        GaitSessionFactory()
    for ordering in (("pk",), ("-pk",), ("visit__visit_date", "condition")):
        rows = GaitSession.objects.select_related("visit__patient").order_by(*ordering)
        for bottom, top in ((0, 3), (3, 6), (5, 50), (6, 6)):
            assert list(page_rows(rows, bottom, top)) == list(rows[bottom:top])


def test_capped_paginator_rejects_what_is_not_a_page_number(cohort):
    from analytics.models import PatientSummary

    pages = CappedCountPaginator(PatientSummary.objects.order_by("patient_code"), 50, cap=10)
    assert pages.count_is_capped
    assert pages.get_page("abc").number == 1
    assert pages.get_page("-3").number == 1
    assert pages.get_page("3").has_next() is False


def test_api_lists_are_in_id_order_and_pages_join_up(client):
    center = CenterFactory(code="TST-API")
    for _ in range(55):
        GaitSessionFactory(visit__patient__center=center)
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    first = client.get("/api/v1/gait-sessions/").json()
    second = client.get(first["next"]).json()
    ids = [r["id"] for r in first["results"]] + [r["id"] for r in second["results"]]
    assert ids == sorted(GaitSession.objects.values_list("pk", flat=True))
    visits = client.get("/api/v1/visits/").json()["results"]
    assert [v["id"] for v in visits] == sorted(Visit.objects.values_list("pk", flat=True))[:50]


def test_home_counts_patients_visits_and_flagged_patients_of_own_centres(client):
    mine, other = CenterFactory(code="TST-HM"), CenterFactory(code="TST-HO")
    walk = GaitSessionFactory(visit__patient__center=mine)
    VisitFactory(patient=walk.visit.patient)
    flagged = PatientFactory(center=mine)
    MriScanFactory(patient=flagged, grey_matter_fraction=0.2)  # an MRI consistency flag
    PatientFactory(center=mine)
    GaitSessionFactory(visit__patient__center=other)
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[mine]))
    response = client.get(reverse("home"))
    assert response.context["counts"] == {"patients": 3, "visits": 2, "flagged": 1}
    assert "Patients with open data-quality flags" in response.content.decode()


def test_assignment_change_list_reads_no_run_results_per_row(client):
    for _ in range(3):
        GaitSessionFactory()
    PublishedRunFactory()
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True))
    response = client.get(reverse("admin:analytics_phenotypeassignment_changelist"))
    rows = list(response.context["cl"].result_list)
    assert len(rows) == 3
    for row in rows:
        assert {"model", "exclusions", "k_selection"} <= row.run.get_deferred_fields()
        assert {"centroid", "profile"} <= row.phenotype.get_deferred_fields()
    # Newest first.
    assert [r.pk for r in rows] == sorted((r.pk for r in rows), reverse=True)


def test_dashboard_transitions_count_every_move_between_consecutive_labels(client):
    from analytics.models import PhenotypeAssignment

    for i in range(6):
        patient = PatientFactory(patient_id=f"SYN-TR{i}")
        for speed in (1.4, 0.6, 1.0)[: 1 + i % 3]:
            GaitSessionFactory(visit__patient=patient, velocity_m_s=speed)
    run = PublishedRunFactory(visit_choice="all")
    labels: dict[int, list[int]] = {}
    for patient_id, stable_id in (
        PhenotypeAssignment.objects.filter(run=run)
        .order_by("patient_id", "visit__visit_date")
        .values_list("patient_id", "phenotype__stable_id")
    ):
        labels.setdefault(patient_id, []).append(stable_id)
    expected: dict[tuple[int, int], int] = {}
    for sequence in labels.values():
        for pair in itertools.pairwise(sequence):
            expected[pair] = expected.get(pair, 0) + 1
    assert sum(expected.values()) == 6  # patients with 2 and 3 visits: 1 + 2 moves each
    client.force_login(UserFactory(role=Role.RESEARCHER, is_superuser=True))
    shown = client.get(reverse("phenotype-dashboard")).context["transitions"]
    ids = [i for i, _ in shown["ids"]]
    counted = {
        (ids[r], ids[c]): n
        for r, row in enumerate(shown["matrix"])
        for c, n in enumerate(row["cells"])
        if n
    }
    assert counted == expected
    assert shown["patients"] == sum(1 for s in labels.values() if len(s) > 1) == 4


def test_a_page_past_the_end_of_a_capped_list_is_no_error(superuser_client, cohort, monkeypatch):
    """Above the cap the last page is not known: a number past the real end (a typed
    or bookmarked one) shows the first page instead of a server error."""
    monkeypatch.setattr(paging, "COUNT_CAP", 60)
    response = _page(superuser_client, page=999999)
    assert response.context["page"].number == 1
    assert _codes(response) == sorted(cohort)[:50]

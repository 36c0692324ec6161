"""Admin change lists at any table size: estimated page counts on large tables, no
full-table count, the centre filter read from the centre table, constant queries."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from registry import admin_paging
from registry.admin_paging import EstimatedCountPaginator
from registry.models import GaitSession, Role
from tests.factories import (
    CenterFactory,
    GaitSessionFactory,
    MriScanFactory,
    UserFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db

LISTS = ("patient", "visit", "gaitsession", "mriscan")


def _queries(client, model: str) -> int:
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(reverse(f"admin:registry_{model}_changelist"))
    assert response.status_code == 200
    return len(ctx.captured_queries)


def test_change_lists_cost_the_same_queries_for_more_rows(client):
    center = CenterFactory(code="TST-ADM")
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True))
    for _ in range(3):
        GaitSessionFactory(visit__patient__center=center)
    few = {model: _queries(client, model) for model in LISTS}
    for _ in range(30):
        GaitSessionFactory(visit__patient__center=center)
    assert {model: _queries(client, model) for model in LISTS} == few


def test_patient_list_counts_each_patients_visits(client):
    visit = VisitFactory(patient__patient_id="SYN-ADMV")
    VisitFactory(patient=visit.patient)
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True))
    response = client.get(reverse("admin:registry_patient_changelist"))
    row = next(r for r in response.context["cl"].result_list if r.patient_id == "SYN-ADMV")
    assert row.n_visits == 2
    assert response.context["cl"].show_full_result_count is False


def test_centre_filter_lists_only_the_users_centres(client):
    mine = [CenterFactory(code="TST-MINE1"), CenterFactory(code="TST-MINE2")]
    other = CenterFactory(code="TST-OTHER")
    GaitSessionFactory(visit__patient__center=other)
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=mine, is_staff=True))
    html = client.get(reverse("admin:registry_gaitsession_changelist")).content.decode()
    assert "TST-MINE1" in html and "TST-MINE2" in html and "TST-OTHER" not in html


def test_large_tables_are_counted_by_the_planner_estimate(on_postgres, monkeypatch):
    for _ in range(12):
        GaitSessionFactory()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_gaitsession")
        cursor.execute("SELECT reltuples FROM pg_class WHERE relname = 'registry_gaitsession'")
        reltuples = cursor.fetchone()[0]
    queryset = GaitSession.objects.order_by("pk")
    assert EstimatedCountPaginator(queryset, 50).count == 12  # small: exact
    monkeypatch.setattr(admin_paging, "EXACT_BELOW", 0)
    assert EstimatedCountPaginator(queryset, 50).count == round(reltuples)


def test_api_lists_say_whether_their_count_is_estimated(client, on_postgres, monkeypatch):
    for _ in range(3):
        GaitSessionFactory()
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    exact = client.get("/api/v1/gait-sessions/").json()
    assert (exact["count"], exact["count_is_estimate"]) == (3, False)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE registry_gaitsession")
    monkeypatch.setattr(admin_paging, "EXACT_BELOW", 0)
    estimated = client.get("/api/v1/gait-sessions/").json()
    assert estimated["count_is_estimate"] is True and len(estimated["results"]) == 3


def test_a_list_that_can_match_nothing_counts_zero(client, on_postgres):
    assert EstimatedCountPaginator(GaitSession.objects.none(), 50).count == 0
    # A signed-in user without centres reads empty lists, not a server error.
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[]))
    response = client.get("/api/v1/patients/")
    assert response.status_code == 200 and response.json()["count"] == 0


def _filter_values(response, parameter: str) -> list:
    spec = next(s for s in response.context["cl"].filter_specs if s.lookup_kwarg == parameter)
    return list(spec.lookup_choices)


def test_value_filters_list_every_value_for_all_centres_and_own_ones_otherwise(client):
    mine, other = CenterFactory(code="TST-VMINE"), CenterFactory(code="TST-VOTHER")
    GaitSessionFactory(visit__patient__center=mine, device="SYN-DEVICE-A")
    GaitSessionFactory(visit__patient__center=mine, device="SYN-DEVICE-A")
    GaitSessionFactory(visit__patient__center=other, device="SYN-DEVICE-B")
    MriScanFactory(patient__center=mine, field_strength_t=None)
    MriScanFactory(patient__center=other, field_strength_t=1.5)
    gait = reverse("admin:registry_gaitsession_changelist")
    mri = reverse("admin:registry_mriscan_changelist")

    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True))
    assert _filter_values(client.get(gait), "device") == ["SYN-DEVICE-A", "SYN-DEVICE-B"]
    # A column with empty values offers them too (Django's "-" choice).
    assert set(_filter_values(client.get(mri), "field_strength_t")) == {1.5, None}
    narrowed = client.get(gait, {"device": "SYN-DEVICE-B"})
    assert [w.visit.patient.center_id for w in narrowed.context["cl"].result_list] == [other.pk]

    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[mine], is_staff=True))
    assert _filter_values(client.get(gait), "device") == ["SYN-DEVICE-A"]
    assert _filter_values(client.get(mri), "field_strength_t") == [None]


def test_centre_list_counts_each_centres_patients(client):
    busy, empty = CenterFactory(code="TST-BUSY"), CenterFactory(code="TST-EMPTY")
    for _ in range(3):
        VisitFactory(patient__center=busy)
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True))
    response = client.get(reverse("admin:registry_center_changelist"))
    counts = {c.code: c.n_patients or 0 for c in response.context["cl"].result_list}
    assert counts["TST-BUSY"] == 3 and counts["TST-EMPTY"] == 0 and empty.pk


def test_large_change_lists_show_the_newest_entries_first(client):
    walks = [GaitSessionFactory() for _ in range(3)]
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True))
    response = client.get(reverse("admin:registry_gaitsession_changelist"))
    assert [w.pk for w in response.context["cl"].result_list] == [w.pk for w in walks[::-1]]


@pytest.mark.parametrize("estimate", [1, 500])
def test_api_clients_following_next_read_every_row_whatever_the_estimate(
    client, on_postgres, monkeypatch, estimate
):
    """An estimate too low once ended the walk early (rows never read) and one too high
    left empty pages: `next` now comes from the rows themselves."""
    walks = [GaitSessionFactory().pk for _ in range(7)]
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    monkeypatch.setattr(admin_paging, "EXACT_BELOW", 0)
    monkeypatch.setattr(
        admin_paging.EstimatedCountPaginator,
        "count",
        property(lambda self: setattr(self, "count_is_estimate", True) or estimate),
    )
    seen, url = [], "/api/v1/gait-sessions/?page_size=3"
    while url:
        page = client.get(url).json()
        assert page["count_is_estimate"] is True and page["results"]
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == walks


class _Row:
    """Anything a change list shows: a key and a text that needs escaping."""

    pk = 17

    def __str__(self) -> str:
        return 'SYN-<b>"R&D"</b>'


@pytest.mark.parametrize("language", ["en", "de"])
def test_row_checkbox_is_what_djangos_widget_renders(language):
    from django.contrib import admin
    from django.utils import translation

    from registry.models import Patient

    model_admin = admin.site._registry[Patient]
    with translation.override(language):
        ours = model_admin.action_checkbox(_Row())
        djangos = admin.ModelAdmin.action_checkbox(model_admin, _Row())
    assert ours == djangos
    assert "&lt;b&gt;&quot;R&amp;D&quot;" in ours


def test_sign_in_logs_are_paged_like_the_record_tables(client):
    from axes.models import AccessLog

    AccessLog.objects.bulk_create(
        AccessLog(username=f"syn-user-{i}", ip_address="127.0.0.1", path_info="/accounts/login/")
        for i in range(60)
    )
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True, is_staff=True))
    response = client.get(reverse("admin:axes_accesslog_changelist"))
    assert response.status_code == 200
    changelist = response.context["cl"]
    assert len(changelist.result_list) == 50 and changelist.result_count >= 60
    assert isinstance(changelist.paginator, EstimatedCountPaginator)
    assert not changelist.show_full_result_count

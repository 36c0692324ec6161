"""Centre and role scoping, through the queryset methods and through the admin."""

import pytest
from django.contrib import admin
from django.urls import reverse

from registry.models import GaitSession, MriScan, Patient, Role, Visit
from tests.factories import (
    CenterFactory,
    GaitSessionFactory,
    MriScanFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def two_centres():
    a, b = CenterFactory(code="TST-A"), CenterFactory(code="TST-B")
    gait_a = GaitSessionFactory(visit__patient__center=a, visit__patient__patient_id="SYN-A1")
    gait_b = GaitSessionFactory(visit__patient__center=b, visit__patient__patient_id="SYN-B1")
    MriScanFactory(patient=gait_a.visit.patient)
    MriScanFactory(patient=gait_b.visit.patient)
    return a, b


def test_clinician_of_centre_a_sees_only_centre_a(two_centres):
    a, _ = two_centres
    clinician = UserFactory(role=Role.CLINICIAN, centers=[a])
    for model in (Patient, Visit, GaitSession, MriScan):
        rows = model.objects.for_user(clinician)
        assert rows.count() == 1, model.__name__
    assert list(Patient.objects.for_user(clinician).values_list("patient_id", flat=True)) == [
        "SYN-A1"
    ]


def test_researcher_reads_but_cannot_edit(two_centres):
    a, _ = two_centres
    researcher = UserFactory(role=Role.RESEARCHER, centers=[a])
    assert Patient.objects.for_user(researcher).count() == 1
    assert Patient.objects.editable_by(researcher).count() == 0


def test_superuser_is_admin_of_every_centre(two_centres):
    root = UserFactory(role=Role.RESEARCHER, is_superuser=True)
    assert Patient.objects.editable_by(root).count() == 2


def test_anonymous_and_inactive_users_see_nothing(two_centres):
    from django.contrib.auth.models import AnonymousUser

    a, _ = two_centres
    inactive = UserFactory(role=Role.ADMIN, centers=[a], is_active=False)
    assert Patient.objects.for_user(AnonymousUser()).count() == 0
    assert Patient.objects.for_user(inactive).count() == 0


def test_admin_changelist_hides_other_centres(client, two_centres):
    a, _ = two_centres
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[a]))
    response = client.get(reverse("admin:registry_patient_changelist"))
    assert response.status_code == 200
    assert b"SYN-A1" in response.content
    assert b"SYN-B1" not in response.content


def test_admin_change_page_of_another_centre_is_not_reachable(client, two_centres):
    a, _ = two_centres
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[a]))
    other = Patient.objects.get(patient_id="SYN-B1")
    response = client.get(reverse("admin:registry_patient_change", args=[other.pk]))
    # The admin answers a missing object with a redirect to its index, never the record.
    assert response.status_code == 302
    assert b"SYN-B1" not in response.content


def test_researcher_cannot_edit_through_the_admin(client, two_centres):
    a, _ = two_centres
    client.force_login(UserFactory(role=Role.RESEARCHER, centers=[a]))
    patient = Patient.objects.get(patient_id="SYN-A1")
    url = reverse("admin:registry_patient_change", args=[patient.pk])
    assert client.get(url).status_code == 200  # may read
    response = client.post(url, {"patient_id": "SYN-A1-EDIT", "center": a.pk, "sex": "M"})
    assert response.status_code == 403
    patient.refresh_from_db()
    assert patient.patient_id == "SYN-A1"
    assert client.get(reverse("admin:registry_visit_add")).status_code == 403


def test_clinician_edits_own_centre_through_the_admin_with_history(client, two_centres):
    a, _ = two_centres
    clinician = UserFactory(role=Role.CLINICIAN, centers=[a])
    client.force_login(clinician)
    visit = Visit.objects.get(patient__patient_id="SYN-A1")
    url = reverse("admin:registry_visit_change", args=[visit.pk])
    data = {
        "patient": visit.patient.pk,
        "visit_date": visit.visit_date.isoformat(),
        "disease_course": "SPMS",
        "edss": "4.5",
        "msws12": "40",
        "t25fw_s": "7.2",
        "walking_aid": "unilateral",
        "gait_sessions-TOTAL_FORMS": "0",
        "gait_sessions-INITIAL_FORMS": "0",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    visit.refresh_from_db()
    assert (visit.disease_course, visit.edss) == ("SPMS", 4.5)
    assert visit.history.latest().history_user == clinician


def test_every_admin_changelist_and_add_page_renders_for_an_admin(client):
    GaitSessionFactory()
    MriScanFactory()
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    checked = 0
    for model, model_admin in admin.site._registry.items():
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        if model_admin.has_add_permission(_request_for(client)):
            add = reverse(f"admin:{meta.app_label}_{meta.model_name}_add")
            assert client.get(add).status_code == 200, add
        checked += 1
    assert checked >= 6


def test_registry_change_pages_render_for_an_admin(client):
    gait = GaitSessionFactory()
    scan = MriScanFactory(patient=gait.visit.patient)
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    for name, obj in [
        ("patient", gait.visit.patient),
        ("visit", gait.visit),
        ("gaitsession", gait),
        ("mriscan", scan),
    ]:
        for view in ("change", "history"):
            url = reverse(f"admin:registry_{name}_{view}", args=[obj.pk])
            assert client.get(url).status_code == 200, url


def _request_for(client):
    from django.test import RequestFactory

    from registry.models import User

    request = RequestFactory().get("/")
    request.user = User.objects.get(pk=client.session["_auth_user_id"])
    return request


@pytest.mark.parametrize(
    ("role", "shown"), [(Role.CLINICIAN, True), (Role.ADMIN, True), (Role.RESEARCHER, False)]
)
def test_the_import_menu_entry_follows_the_import_decision(client, two_centres, role, shown):
    a, _ = two_centres
    client.force_login(UserFactory(role=role, centers=[a]))
    page = client.get(reverse("home")).content.decode()
    assert (reverse("import-list") in page) is shown


def test_the_import_menu_entry_asks_access_and_nothing_else(client, two_centres, monkeypatch):
    from registry import access

    a, _ = two_centres
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[a]))
    monkeypatch.setattr(access, "can_import", lambda user: False)
    assert reverse("import-list") not in client.get(reverse("home")).content.decode()

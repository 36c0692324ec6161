"""REST API by role and centre, for every writable resource: a clinician writes in their
own centre and meets another centre's records as if they did not exist, a researcher
reads their centre and writes nothing, a superuser sees and edits both centres. Also
deletes of records with children, filters, pagination and the analytics reads."""

from dataclasses import dataclass
from typing import Any

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from analytics.models import ClusteringRun, Phenotype, PhenotypeAssignment
from registry.models import GaitSession, MriScan, Patient, Role, Visit
from tests.factories import (
    CenterFactory,
    PatientFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


def _api(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}")
    return client


def clinician_of(code: str):
    return _api(UserFactory(role=Role.CLINICIAN, centers=[CenterFactory(code=f"TST-{code}")]))


def researcher_of(code: str):
    return _api(UserFactory(role=Role.RESEARCHER, centers=[CenterFactory(code=f"TST-{code}")]))


def superuser():
    return _api(UserFactory(role=Role.RESEARCHER, is_superuser=True))


# --- One description per writable resource ----------------------------------------------


@dataclass
class Resource:
    name: str
    url: str
    model: type
    record: str  # attribute of a `world` centre holding this resource's record
    lookup: str  # field in the URL
    change: dict  # a valid PATCH, checked afterwards in the database

    def new(self, centre) -> dict[str, Any]:
        """A valid new record belonging to the given centre."""
        return {
            "patients": {
                "patient_id": f"SYN-{centre.code[-1]}NEW",
                "center": centre.code,
                "sex": "X",
                "birth_year": 1985,
            },
            "visits": {
                "patient": centre.patient.patient_id,
                "visit_date": "2024-06-03",
                "disease_course": "RRMS",
                "edss": 2.5,
            },
            "gait-sessions": {
                "visit": centre.visit.pk,
                "condition": "fast",
                "velocity_m_s": 1.6,
                "cadence_steps_min": 125.0,
                "step_length_m": 0.77,
                "stride_length_m": 1.54,
            },
            "mri-scans": {
                "patient": centre.patient.patient_id,
                "scan_date": "2024-06-03",
                "field_strength_t": 3.0,
                "t2_lesion_count": 12,
            },
        }[self.name]

    def detail(self, centre) -> str:
        return f"{self.url}{getattr(getattr(centre, self.record), self.lookup)}/"


RESOURCES = [
    Resource("patients", "/api/v1/patients/", Patient, "patient", "patient_id", {"sex": "M"}),
    Resource("visits", "/api/v1/visits/", Visit, "visit", "pk", {"edss": 4.0}),
    Resource(
        "gait-sessions", "/api/v1/gait-sessions/", GaitSession, "walk", "pk", {"device": "Zeno"}
    ),
    Resource("mri-scans", "/api/v1/mri-scans/", MriScan, "scan", "pk", {"software": "seg 2.0"}),
]
each_resource = pytest.mark.parametrize("resource", RESOURCES, ids=lambda r: r.name)


def _snapshot(model) -> list[tuple]:
    return sorted(model.objects.values_list())


# --- Clinician --------------------------------------------------------------------------


@each_resource
def test_a_clinician_creates_reads_updates_and_deletes_in_their_centre(world, resource):
    api = clinician_of("A")
    created = api.post(resource.url, resource.new(world["A"]), format="json")
    assert created.status_code == 201, created.json()
    key = created.json()["patient_id" if resource.name == "patients" else "id"]
    url = f"{resource.url}{key}/"
    assert api.get(url).json() == created.json()

    patched = api.patch(url, resource.change, format="json")
    assert patched.status_code == 200, patched.json()
    record = resource.model.objects.get(pk=created.json()["id"])
    assert {k: getattr(record, k) for k in resource.change} == resource.change

    assert api.delete(url).status_code == 204
    assert not resource.model.objects.filter(pk=created.json()["id"]).exists()


@each_resource
def test_a_clinician_meets_another_centres_record_as_404(world, resource):
    api = clinician_of("A")
    before = _snapshot(resource.model)
    url = resource.detail(world["B"])
    assert api.get(url).status_code == 404
    assert api.patch(url, resource.change, format="json").status_code == 404
    assert api.put(url, resource.new(world["B"]), format="json").status_code == 404
    assert api.delete(url).status_code == 404
    assert _snapshot(resource.model) == before
    listed = api.get(resource.url).json()["results"]
    assert [r["id"] for r in listed] == [getattr(world["A"], resource.record).pk]


def test_a_clinician_cannot_create_a_patient_in_another_centre(world):
    """Another centre's code gets the answer an unknown code gets (it used to be a 403
    naming the centre, which told that the code exists)."""
    api = clinician_of("A")
    theirs = api.post("/api/v1/patients/", RESOURCES[0].new(world["B"]), format="json")
    unknown = api.post(
        "/api/v1/patients/", {**RESOURCES[0].new(world["B"]), "center": "TST-ZZ"}, format="json"
    )
    assert theirs.status_code == unknown.status_code == 400
    assert theirs.json() == {"center": ["center = 'TST-B' is not one of your centres."]}
    assert unknown.json() == {"center": ["center = 'TST-ZZ' is not one of your centres."]}
    assert not Patient.objects.filter(patient_id="SYN-BNEW").exists()


@pytest.mark.parametrize(
    ("resource", "field", "unknown"),
    [
        (RESOURCES[1], "patient", "SYN-NOBODY"),
        (RESOURCES[3], "patient", "SYN-NOBODY"),
        (RESOURCES[2], "visit", 987654),
    ],
    ids=["visits", "mri-scans", "gait-sessions"],
)
def test_a_clinician_naming_another_centres_record_gets_what_an_unknown_one_gets(
    world, resource, field, unknown
):
    """A 400 on the field, worded exactly as for a record that does not exist: no
    answer tells a clinician which pseudonyms or ids another centre holds."""
    api = clinician_of("A")
    before = _snapshot(resource.model)
    theirs = api.post(resource.url, resource.new(world["B"]), format="json")
    nobody = api.post(resource.url, {**resource.new(world["B"]), field: unknown}, format="json")
    assert theirs.status_code == nobody.status_code == 400
    other = world["B"].patient.patient_id if field == "patient" else world["B"].visit.pk
    assert theirs.json()[field] == [
        m.replace(str(unknown), str(other)) for m in nobody.json()[field]
    ]
    assert "is not a" in theirs.json()[field][0] and "of your centres" in theirs.json()[field][0]
    assert _snapshot(resource.model) == before


def test_a_clinician_cannot_move_records_into_another_centre(world):
    api = clinician_of("A")
    moved = api.patch("/api/v1/patients/SYN-A1/", {"center": "TST-B"}, format="json")
    assert moved.status_code == 400
    assert moved.json() == {"center": ["center = 'TST-B' is not one of your centres."]}
    visit_url = RESOURCES[1].detail(world["A"])
    assert api.patch(visit_url, {"patient": "SYN-B1"}, format="json").status_code == 400
    walk_url = RESOURCES[2].detail(world["A"])
    assert api.patch(walk_url, {"visit": world["B"].visit.pk}, format="json").status_code == 400
    assert Patient.objects.get(patient_id="SYN-A1").center.code == "TST-A"
    assert Visit.objects.get(pk=world["A"].visit.pk).patient.patient_id == "SYN-A1"
    assert GaitSession.objects.get(pk=world["A"].walk.pk).visit == world["A"].visit


def test_api_writes_are_recorded_in_the_history_under_the_token_user(world):
    user = UserFactory(role=Role.CLINICIAN, centers=[CenterFactory(code="TST-A")])
    api = _api(user)
    url = RESOURCES[1].detail(world["A"])
    assert api.patch(url, {"edss": 3.5}, format="json").status_code == 200
    latest = Visit.objects.get(pk=world["A"].visit.pk).history.latest()
    assert latest.history_user == user and latest.edss == 3.5


# --- Researcher -------------------------------------------------------------------------


@each_resource
def test_a_researcher_reads_their_centre_and_is_refused_every_write(world, resource):
    api = researcher_of("A")
    listed = api.get(resource.url).json()["results"]
    assert [r["id"] for r in listed] == [getattr(world["A"], resource.record).pk]
    assert api.get(resource.detail(world["A"])).status_code == 200
    assert api.get(resource.detail(world["B"])).status_code == 404

    before = _snapshot(resource.model)
    ours = resource.detail(world["A"])
    refused = [
        api.post(resource.url, resource.new(world["A"]), format="json"),
        api.put(ours, resource.new(world["A"]), format="json"),
        api.patch(ours, resource.change, format="json"),
        api.delete(ours),
    ]
    assert [r.status_code for r in refused] == [403] * 4
    assert all("may read these records but not change them" in r.json()["detail"] for r in refused)
    assert _snapshot(resource.model) == before


# --- Superuser and anonymous ------------------------------------------------------------


@each_resource
def test_a_superuser_sees_and_edits_both_centres(world, resource):
    api = superuser()
    listed = api.get(resource.url).json()
    assert listed["count"] == 2
    url = resource.detail(world["B"])
    assert api.get(url).status_code == 200
    assert api.patch(url, resource.change, format="json").status_code == 200
    created = api.post(resource.url, resource.new(world["B"]), format="json")
    assert created.status_code == 201, created.json()


@pytest.mark.parametrize(
    "url",
    [r.url for r in RESOURCES]
    + ["/api/v1/runs/", "/api/v1/phenotypes/", "/api/v1/assignments/", "/api/v1/comparisons/"],
)
def test_anonymous_requests_are_401_with_an_authentication_challenge(world, url):
    response = _api().get(url)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert _api().post(url, {}, format="json").status_code == 401


def test_an_unknown_token_is_401(world):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token 0123456789abcdef0123456789abcdef01234567")
    assert client.get("/api/v1/patients/").status_code == 401


# --- Deletes, validation, unknown ids ----------------------------------------------------


def test_deleting_a_patient_with_records_is_409_naming_them(world):
    api = clinician_of("A")
    response = api.delete("/api/v1/patients/SYN-A1/")
    assert response.status_code == 409
    assert response.json()["detail"] == (
        "Patient SYN-A1 cannot be deleted: it still has 1 MRI scan and 1 visit. Delete those first."
    )
    assert Patient.objects.filter(patient_id="SYN-A1").exists()


def test_deleting_a_visit_with_walks_is_409_and_deleting_a_patient_without_records_works(world):
    api = clinician_of("A")
    response = api.delete(RESOURCES[1].detail(world["A"]))
    assert response.status_code == 409
    assert "still has 1 gait session." in response.json()["detail"]
    assert Visit.objects.filter(pk=world["A"].visit.pk).exists()
    PatientFactory(patient_id="SYN-A9", center=world["A"].patient.center)
    assert api.delete("/api/v1/patients/SYN-A9/").status_code == 204


def test_out_of_range_measurements_are_400_naming_field_value_and_range(world):
    api = clinician_of("A")
    walk = {**RESOURCES[2].new(world["A"]), "velocity_m_s": 5.0, "swing_pct": 2}
    errors = api.post("/api/v1/gait-sessions/", walk, format="json").json()
    assert errors["velocity_m_s"] == ["velocity_m_s = 5 is outside the allowed range 0.05 … 3 m/s."]
    assert errors["swing_pct"] == [
        "swing_pct = 2 is outside the allowed range 5 … 60 % of gait cycle."
    ]
    again = api.post("/api/v1/visits/", RESOURCES[1].new(world["A"]), format="json")
    assert again.status_code == 201
    twice = api.post("/api/v1/visits/", RESOURCES[1].new(world["A"]), format="json")
    assert twice.status_code == 400 and "non_field_errors" in twice.json()


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/patients/SYN-NOBODY/",
        "/api/v1/visits/987654/",
        "/api/v1/visits/not-a-number/",
        "/api/v1/gait-sessions/1.5/",
        "/api/v1/runs/987654/",
    ],
)
def test_unknown_ids_are_404_in_json(world, url):
    response = superuser().get(url)
    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert "detail" in response.json()


# --- Filters and pagination -------------------------------------------------------------


def test_filters_narrow_every_list(world):
    api = superuser()
    api.post("/api/v1/visits/", RESOURCES[1].new(world["A"]), format="json")

    def ids(url, **query):
        response = api.get(url, query)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert len(ids("/api/v1/patients/", center="TST-B")) == 1
    assert len(ids("/api/v1/patients/", center="TST-A", sex="F")) == 1
    assert len(ids("/api/v1/visits/", patient="SYN-A1")) == 2
    assert len(ids("/api/v1/visits/", patient="SYN-A1", date_from="2024-01-01")) == 1
    assert ids("/api/v1/visits/", center="TST-A", date_to="2023-01-01") == [world["A"].visit.pk]
    assert len(ids("/api/v1/visits/", disease_course="PPMS")) == 0
    assert ids("/api/v1/gait-sessions/", condition="comfortable", center="TST-B") == [
        world["B"].walk.pk
    ]
    assert ids("/api/v1/gait-sessions/", condition="fast") == []
    assert ids("/api/v1/gait-sessions/", visit=world["A"].visit.pk) == [world["A"].walk.pk]
    assert ids("/api/v1/mri-scans/", patient="SYN-B1", date_from="2022-05-09") == [
        world["B"].scan.pk
    ]
    # An empty value is "not filtered", as the browsable API's filter form sends it.
    assert len(ids("/api/v1/patients/", sex="")) == 2


@pytest.mark.parametrize(
    ("url", "query", "field"),
    [
        ("/api/v1/visits/", {"date_from": "03/04/2024"}, "date_from"),
        ("/api/v1/gait-sessions/", {"condition": "sprint"}, "condition"),
        ("/api/v1/gait-sessions/", {"visit": "1.5"}, "visit"),
        ("/api/v1/assignments/", {"provisional": "maybe"}, "provisional"),
        ("/api/v1/phenotypes/", {"stable_id": "0.5"}, "stable_id"),
    ],
)
def test_a_filter_value_that_cannot_be_understood_is_400_naming_it(world, url, query, field):
    response = superuser().get(url, query)
    assert response.status_code == 400
    assert field in response.json()


def test_lists_are_paginated(world):
    PatientFactory.create_batch(50, center=world["A"].patient.center)
    api = clinician_of("A")
    first = api.get("/api/v1/patients/").json()
    assert set(first) == {"count", "count_is_estimate", "next", "previous", "results"}
    assert first["count"] == 51 and len(first["results"]) == 50 and first["previous"] is None
    second = api.get(first["next"]).json()
    assert len(second["results"]) == 1 and second["next"] is None
    assert api.get("/api/v1/patients/", {"page": 3}).status_code == 404


# --- Analytics --------------------------------------------------------------------------


@pytest.fixture
def published(world):
    run = ClusteringRun.objects.create(status="succeeded", trigger="command", k=1)
    phenotype = Phenotype.objects.create(run=run, stable_id=1, name="Synthetic", size=2, share=1)
    return {
        code: PhenotypeAssignment.objects.create(
            run=run, phenotype=phenotype, patient=c.patient, visit=c.visit, distance=0.4
        )
        for code, c in world.items()
    }


@pytest.mark.parametrize("role", [clinician_of, researcher_of], ids=["clinician", "researcher"])
def test_assignments_of_another_centre_are_invisible(published, role):
    api = role("A")
    listed = api.get("/api/v1/assignments/").json()
    assert [a["patient"] for a in listed["results"]] == ["SYN-A1"]
    assert api.get("/api/v1/assignments/", {"patient": "SYN-B1"}).json()["count"] == 0
    assert api.get("/api/v1/assignments/", {"center": "TST-B"}).json()["count"] == 0
    assert api.get(f"/api/v1/assignments/{published['B'].pk}/").status_code == 404
    assert api.get(f"/api/v1/assignments/{published['A'].pk}/").status_code == 200


def test_a_superuser_sees_every_assignment_and_filters_them(published):
    api = superuser()
    assert api.get("/api/v1/assignments/").json()["count"] == 2
    only_b = api.get("/api/v1/assignments/", {"center": "TST-B", "phenotype": 1}).json()
    assert [a["patient"] for a in only_b["results"]] == ["SYN-B1"]


def test_cohort_results_are_readable_by_every_role_and_writable_by_none(published):
    run = ClusteringRun.objects.get()
    for api in (clinician_of("A"), researcher_of("B")):
        assert api.get("/api/v1/runs/").json()["results"][0]["id"] == run.pk
        assert api.get("/api/v1/phenotypes/", {"run": run.pk}).json()["count"] == 1
        assert api.get("/api/v1/comparisons/").status_code == 200
        assert api.post("/api/v1/runs/", {}, format="json").status_code == 405
        assert api.delete(f"/api/v1/runs/{run.pk}/").status_code == 405


def test_the_browsable_api_form_offers_only_the_users_own_patients(world):
    api = clinician_of("A")
    page = api.get("/api/v1/visits/", HTTP_ACCEPT="text/html")
    assert page.status_code == 200
    assert b"SYN-A1" in page.content and b"SYN-B1" not in page.content

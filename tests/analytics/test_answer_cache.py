"""Answers kept in a shared cache: the dashboard scatter's JSON (one per run, reader's
scope and language, revalidated by the browser with its ETag) and the start page's
counts (one per scope); never another scope's, and a new answer once the records behind
it change."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from analytics import services
from analytics.models import PatientSummary
from registry.demo.seeding import demo_cohort_seed
from registry.models import Center, Patient, Role
from tests.factories import CenterFactory, PatientFactory, UserFactory, VisitFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def shared_cache(settings):
    settings.CACHE_SHARED = True
    cache.clear()
    yield
    cache.clear()


def _codes(response) -> set[str]:
    assert response.status_code == 200
    return {code for s in response.json()["series"] for code in s["text"]}


@pytest.mark.slow
def test_each_scope_gets_its_own_answer_and_a_change_of_centre_is_seen(
    client, shared_cache, django_capture_on_commit_callbacks
):
    demo_cohort_seed(n_patients=60, seed=3)
    run = services.clustering_run_request(trigger="command", bootstrap=5, sync=True)
    assert run.status == "succeeded", run.error
    url = reverse("pca-data", args=[run.pk])
    a, b = Center.objects.get(code="DEMO-A"), Center.objects.get(code="DEMO-B")
    codes = {
        c.pk: set(PatientSummary.objects.filter(center=c).values_list("patient_code", flat=True))
        for c in (a, b)
    }
    reader_a = UserFactory(role=Role.RESEARCHER, centers=[a])
    reader_b = UserFactory(role=Role.RESEARCHER, centers=[b])

    client.force_login(reader_a)
    first = client.get(url)
    shown_a = _codes(first)
    assert shown_a and shown_a <= codes[a.pk]
    assert "private" in first["Cache-Control"] and first["ETag"]
    with CaptureQueriesContext(connection) as ctx:
        again = client.get(url)
    assert again.content == first.content and again["ETag"] == first["ETag"]
    assert not any("analytics_phenotypeassignment" in q["sql"] for q in ctx.captured_queries)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 304

    # The other centre's reader, after A's answer was cached: B's patients only, and A's
    # ETag is not B's.
    client.force_login(reader_b)
    shown_b = _codes(client.get(url))
    assert shown_b and shown_b <= codes[b.pk] and not shown_b & shown_a
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200

    # A patient of A moves to B: A's reader no longer sees it, B's reader does.
    moved = Patient.objects.get(patient_id=sorted(shown_a)[0])
    with django_capture_on_commit_callbacks(execute=True):
        moved.center = b
        moved.save()
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    assert moved.patient_id in _codes(client.get(url))
    client.force_login(reader_a)
    assert client.get(url, HTTP_IF_NONE_MATCH=first["ETag"]).status_code == 200
    assert moved.patient_id not in _codes(client.get(url))

    # The labels are in the reader's language, so is the answer kept.
    english = client.get(url).json()["labels"]
    german = client.get(url, HTTP_ACCEPT_LANGUAGE="de").json()["labels"]
    assert english != german


def test_start_page_counts_are_kept_per_scope_and_follow_every_write(
    client, shared_cache, django_capture_on_commit_callbacks
):
    mine, other = CenterFactory(code="TST-KA"), CenterFactory(code="TST-KB")
    with django_capture_on_commit_callbacks(execute=True):
        VisitFactory(patient__center=mine)
        PatientFactory(center=other)
        PatientFactory(center=other)
    reader = UserFactory(role=Role.CLINICIAN, centers=[mine])
    client.force_login(reader)
    assert client.get(reverse("home")).context["counts"]["patients"] == 1
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(reverse("home")).context["counts"]["patients"] == 1
    assert not any("analytics_patientsummary" in q["sql"] for q in ctx.captured_queries)

    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[other]))
    assert client.get(reverse("home")).context["counts"]["patients"] == 2

    with django_capture_on_commit_callbacks(execute=True):
        VisitFactory(patient__center=mine)
    client.force_login(reader)
    assert client.get(reverse("home")).context["counts"] == {
        "patients": 2,
        "visits": 2,
        "flagged": 0,
    }


def test_a_write_succeeds_when_the_cache_cannot_take_the_new_generation(
    shared_cache, django_capture_on_commit_callbacks, monkeypatch
):
    from analytics import answer_cache

    def unreachable(*args, **kwargs):
        raise ConnectionError("cache down")

    monkeypatch.setattr(answer_cache.cache, "set", unreachable)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        patient = PatientFactory()
    assert callbacks and Patient.objects.filter(pk=patient.pk).exists()

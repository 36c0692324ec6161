"""Schema-driven fuzzing of the REST API: every operation of /api/schema/ is called
in-process (WSGI) with generated input, as an administrator who sees every centre, and
each answer must be no server error and match the documented status codes, content
types, headers and bodies.

Two passes: one with valid and invalid input everywhere (ids, filters, bodies), and one
aimed at records that exist, so that successful reads, writes and deletes are checked
against the schema too, not only the error answers."""

import datetime

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import override_settings
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from rest_framework.authtoken.models import Token

from analytics.models import ClusteringRun, ComparisonResult, Phenotype, PhenotypeAssignment
from registry.models import Role
from tests.factories import (
    CenterFactory,
    GaitSessionFactory,
    MriScanFactory,
    PatientFactory,
    UserFactory,
)

# Requests run through the whole WSGI stack in this process, each in its own
# transaction as in production, so a database error inside one request cannot poison
# a test transaction that wraps the others.
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

CHECKS = {
    # "Valid by the schema" is not "acceptable": a visit dated before the patient's
    # birth year, a pseudonym nobody has, or a second visit on the same day are
    # schema-valid and rightly refused with 400. Those rules span fields and rows,
    # which OpenAPI cannot state.
    "positive_data_acceptance": {"enabled": False},
}
GENERATION = {"max-examples": 15, "deterministic": True, "database": "none"}


def _load_schema(**config):
    # Loaded while the tests are collected, before pytest-django has prepared the test
    # environment; the schema view needs no database, only an allowed host (and to be
    # open to an anonymous reader, which the default is not).
    with override_settings(ALLOWED_HOSTS=["localhost"], API_DOCS_PUBLIC=True):
        return schemathesis.openapi.from_wsgi(
            "/api/schema/?format=json",
            get_wsgi_application(),
            config=schemathesis.Config.from_dict({"seed": 20240601, **config}),
        )


fuzzed = _load_schema(generation=GENERATION, checks=CHECKS)
# Valid input only, on operations that name a record or create one: the ids and the
# references in the bodies are replaced by those of seeded records. The coverage
# phase's boundary and type-confusion cases already ran in the first pass.
existing = _load_schema(
    generation={**GENERATION, "mode": "positive"},
    phases={"coverage": {"enabled": False}},
    checks=CHECKS,
).include(func=lambda ctx: "{" in ctx.operation.path or ctx.operation.method.upper() == "POST")


@pytest.fixture
def seeded(transactional_db) -> dict:
    """Two centres with two patients each, every kind of record, a published run, and
    the token of an administrator."""
    a, b = CenterFactory(code="TST-A"), CenterFactory(code="TST-B")
    walks = [
        GaitSessionFactory(visit__patient=PatientFactory(patient_id=f"SYN-{code}{i}", center=c))
        for c, code in ((a, "A"), (b, "B"))
        for i in (1, 2)
    ]
    scan = None
    for walk in walks:
        scan = MriScanFactory(patient=walk.visit.patient, scan_date=datetime.date(2020, 3, 1))
    run, phenotype, assignment, comparison = _published_run(walks)
    admin = UserFactory(role=Role.ADMIN, is_superuser=True)
    return {
        "token": Token.objects.create(user=admin).key,
        "paths": {
            "/api/v1/patients/{patient_id}/": "SYN-B2",
            "/api/v1/visits/{id}/": walks[-1].visit.pk,
            "/api/v1/gait-sessions/{id}/": walks[-1].pk,
            "/api/v1/mri-scans/{id}/": scan.pk,
            "/api/v1/runs/{id}/": run.pk,
            "/api/v1/phenotypes/{id}/": phenotype.pk,
            "/api/v1/assignments/{id}/": assignment.pk,
            "/api/v1/comparisons/{id}/": comparison.pk,
        },
        "references": {"center": "TST-A", "patient": "SYN-A1", "visit": walks[0].visit.pk},
    }


def _published_run(walks):
    now = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)
    run = ClusteringRun.objects.create(
        status="succeeded", trigger="command", started_at=now, finished_at=now, k=2
    )
    phenotypes = [
        Phenotype.objects.create(run=run, stable_id=i, name=f"Synthetic {i}", size=2, share=0.5)
        for i in (1, 2)
    ]
    assignments = [
        PhenotypeAssignment.objects.create(
            run=run,
            phenotype=phenotypes[i % 2],
            patient=walk.visit.patient,
            visit=walk.visit,
            distance=0.5,
        )
        for i, walk in enumerate(walks)
    ]
    comparison = ComparisonResult.objects.create(
        run=run, variable="edss", kind="continuous", test="Kruskal-Wallis", p_value=0.2
    )
    return run, phenotypes[0], assignments[0], comparison


# The seeded records (and the token) are shared by the examples of one operation on
# purpose; each operation starts again from a fresh database.
shared_records = hypothesis_settings(suppress_health_check=[HealthCheck.function_scoped_fixture])


@fuzzed.parametrize()
@shared_records
def test_every_operation_answers_as_documented(case, seeded):
    case.call_and_validate(headers={"Authorization": f"Token {seeded['token']}"})


@existing.parametrize()
@shared_records
def test_existing_records_answer_as_documented(case, seeded):
    if case.path in seeded["paths"]:
        name = next(iter(case.path_parameters))
        case.path_parameters = {name: seeded["paths"][case.path]}
    if isinstance(case.body, dict):
        for field, value in seeded["references"].items():
            if field in case.body:
                case.body[field] = value
    case.call_and_validate(headers={"Authorization": f"Token {seeded['token']}"})

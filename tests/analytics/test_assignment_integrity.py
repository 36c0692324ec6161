"""What the database itself guarantees about an assignment on PostgreSQL: its patient is
its visit's patient (and follows the visit to another patient), and its phenotype is one
of its run's."""

import pytest
from django.db import IntegrityError, connection, transaction

from analytics.models import ClusteringRun, Phenotype, PhenotypeAssignment
from registry.models import Visit
from tests.factories import PatientFactory, VisitFactory

pytestmark = pytest.mark.django_db


def _run():
    run = ClusteringRun.objects.create(trigger="command", status="succeeded", k=1)
    return run, Phenotype.objects.create(run=run, stable_id=1, name="one", size=1, share=1.0)


def _assign(run, phenotype, visit, patient=None):
    return PhenotypeAssignment.objects.create(
        run=run,
        phenotype=phenotype,
        patient=patient or visit.patient,
        visit=visit,
        distance=0.5,
    )


def _checked(write) -> None:
    with transaction.atomic():
        write()
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_patient_must_be_the_visits_patient(on_postgres):
    run, phenotype = _run()
    visit = VisitFactory()
    _checked(lambda: _assign(run, phenotype, visit))
    with pytest.raises(IntegrityError):
        _checked(lambda: _assign(run, phenotype, VisitFactory(), patient=PatientFactory()))


def test_the_phenotype_must_be_one_of_the_runs(on_postgres):
    run, _ = _run()
    _, foreign = _run()
    with pytest.raises(IntegrityError):
        _checked(lambda: _assign(run, foreign, VisitFactory()))


def test_an_assignment_follows_its_visit_to_another_patient(on_postgres):
    run, phenotype = _run()
    visit = VisitFactory()
    assignment = _assign(run, phenotype, visit)
    other = PatientFactory(center=visit.patient.center)
    _checked(lambda: Visit.objects.filter(pk=visit.pk).update(patient=other))
    assignment.refresh_from_db()
    assert assignment.patient_id == other.pk


def test_a_visit_moved_by_a_save_takes_its_current_label_along_on_every_backend(
    django_capture_on_commit_callbacks,
):
    """Moving a visit to another patient (the API allows it): the label goes with it,
    the new patient's current phenotype is that label and the old patient has none
    left marked current, on SQLite too (no composite key there)."""
    import datetime

    run, phenotype = _run()
    older = VisitFactory(visit_date=datetime.date(2020, 1, 1))
    newer = VisitFactory(patient=older.patient, visit_date=datetime.date(2022, 1, 1))
    first = _assign(run, phenotype, older)
    moving = _assign(run, phenotype, newer)
    PhenotypeAssignment.objects.filter(pk=moving.pk).update(latest=True)
    other = PatientFactory(center=older.patient.center)
    with django_capture_on_commit_callbacks(execute=True):
        newer.patient = other
        newer.save()
    moving.refresh_from_db()
    first.refresh_from_db()
    assert moving.patient_id == other.pk and moving.latest
    assert first.latest  # the old patient's latest visit is now the older one

"""What the database itself guarantees about an assignment on PostgreSQL: its patient is
its visit's patient (and follows the visit to another patient), its phenotype is one of
its run's, and it goes when its visit goes (checked per statement, migration 0017)."""

import datetime

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
    left marked current, on SQLite too (no database check there)."""

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


def test_a_bulk_write_with_one_wrong_patient_is_refused_whole(on_postgres):
    """Above 1000 rows a statement is checked with the visit table locked instead of
    each visit row: one wrong pair among 1001 still refuses the statement."""
    from registry.models import Visit

    run, phenotype = _run()
    patient = PatientFactory()
    visits = Visit.objects.bulk_create(
        VisitFactory.build(
            patient=patient, visit_date=datetime.date(2000, 1, 1) + datetime.timedelta(days=i)
        )
        for i in range(1001)
    )
    rows = [
        PhenotypeAssignment(
            run=run, phenotype=phenotype, patient=patient, visit=visit, distance=0.1
        )
        for visit in visits
    ]
    rows[500].patient = PatientFactory()
    with pytest.raises(IntegrityError):
        _checked(lambda: PhenotypeAssignment.objects.bulk_create(rows, batch_size=2000))
    rows[500].patient = patient
    _checked(lambda: PhenotypeAssignment.objects.bulk_create(rows, batch_size=2000))
    assert PhenotypeAssignment.objects.filter(run=run).count() == 1001


def test_deleting_visits_in_the_database_deletes_their_labels(on_postgres):
    """The database cascades by itself, whatever deletes the visit (here plain SQL)."""
    run, phenotype = _run()
    kept, deleted = VisitFactory(), VisitFactory()
    _assign(run, phenotype, kept)
    _assign(run, phenotype, deleted)
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM registry_gaitsession WHERE visit_id = %s", [deleted.pk])
        cursor.execute("DELETE FROM registry_visit WHERE id = %s", [deleted.pk])
    assert list(PhenotypeAssignment.objects.values_list("visit_id", flat=True)) == [kept.pk]

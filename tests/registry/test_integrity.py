import datetime

import pytest
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from simple_history.utils import bulk_create_with_history

from registry.models import GaitSession, Patient, Visit
from tests.factories import (
    CenterFactory,
    GaitSessionFactory,
    MriScanFactory,
    PatientFactory,
    UserFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


def test_patient_pseudonym_is_unique():
    PatientFactory(patient_id="SYN-DUP")
    with pytest.raises(IntegrityError), transaction.atomic():
        PatientFactory(patient_id="SYN-DUP")


def test_one_visit_per_patient_and_day():
    visit = VisitFactory()
    with pytest.raises(IntegrityError) as excinfo, transaction.atomic():
        VisitFactory(patient=visit.patient, visit_date=visit.visit_date)
    message = str(excinfo.value)
    assert "registry_visit_natural_key" in message or "unique" in message.lower()


def test_one_gait_session_per_visit_and_condition():
    gait = GaitSessionFactory()
    GaitSessionFactory(visit=gait.visit, condition="fast", velocity_m_s=1.6)
    with pytest.raises(IntegrityError), transaction.atomic():
        GaitSessionFactory(visit=gait.visit, condition="comfortable")


def test_one_mri_scan_per_patient_and_day():
    scan = MriScanFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        MriScanFactory(patient=scan.patient, scan_date=scan.scan_date)


def test_clinical_children_protect_their_parents():
    gait = GaitSessionFactory()
    scan = MriScanFactory(patient=gait.visit.patient)
    with pytest.raises(ProtectedError):
        gait.visit.delete()
    with pytest.raises(ProtectedError):
        scan.patient.delete()
    with pytest.raises(ProtectedError):
        scan.patient.center.delete()
    assert GaitSession.objects.filter(pk=gait.pk).exists()


def test_inconsistent_gait_saves_and_raises_a_flag():
    gait = GaitSessionFactory(swing_pct=45.0, stance_pct=62.0)
    gait.refresh_from_db()
    assert [flag["rule"] for flag in gait.quality_flags] == ["swing_stance_sum"]
    assert "107.0" in gait.quality_flags[0]["message"]


def test_consistent_gait_has_no_flags_and_fixing_clears_them():
    gait = GaitSessionFactory(swing_pct=45.0, stance_pct=62.0)
    gait.swing_pct = 38.0
    gait.save()
    gait.refresh_from_db()
    assert gait.quality_flags == []


def test_velocity_far_from_stride_times_cadence_is_flagged():
    gait = GaitSessionFactory(velocity_m_s=1.8, stride_length_m=1.29, step_length_m=0.64)
    rules = {flag["rule"] for flag in gait.quality_flags}
    assert "velocity_stride_cadence" in rules


def test_tissue_fractions_that_do_not_add_up_are_flagged():
    scan = MriScanFactory(
        brain_parenchymal_fraction=0.80, grey_matter_fraction=0.50, white_matter_fraction=0.40
    )
    assert [flag["rule"] for flag in scan.quality_flags] == ["tissue_fractions_sum"]
    assert MriScanFactory().quality_flags == []


def test_derived_values_come_from_the_visit_and_the_patient():
    patient = PatientFactory(birth_year=1980, onset_year=2001)
    visit = VisitFactory(
        patient=patient, visit_date=datetime.date(2021, 6, 1), disease_course="SPMS"
    )
    assert (visit.age_years, visit.disease_duration_years, visit.is_progressive) == (41, 20, True)
    visit.disease_course = "RRMS"
    assert visit.is_progressive is False


def test_single_writes_keep_who_when_and_what():
    user = UserFactory()
    visit = VisitFactory(edss=2.0)
    visit._history_user = user
    visit.edss = 3.5
    visit.save()
    history = list(visit.history.order_by("history_date"))
    assert [h.history_type for h in history] == ["+", "~"]
    assert history[-1].history_user == user
    delta = history[-1].diff_against(history[0])
    assert [(c.field, c.old, c.new) for c in delta.changes] == [("edss", 2.0, 3.5)]


def test_deleting_a_record_keeps_its_history():
    visit = VisitFactory()
    pk = visit.pk
    visit.delete()
    assert list(
        Visit.history.filter(id=pk).values_list("history_type", flat=True).order_by("history_date")
    ) == ["+", "-"]


def test_bulk_writes_keep_history_too():
    center = CenterFactory()
    patients = [
        Patient(patient_id=f"SYN-BULK-{i}", center=center, sex="M", birth_year=1970)
        for i in range(25)
    ]
    bulk_create_with_history(patients, Patient, default_change_reason="bulk test")
    assert Patient.history.filter(patient_id__startswith="SYN-BULK-").count() == 25
    reasons = set(Patient.history.values_list("history_change_reason", flat=True))
    assert reasons == {"bulk test"}

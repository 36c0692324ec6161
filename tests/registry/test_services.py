"""The write services: access, rules, history under the acting user, the analysis hook,
for every door (pages, API and admin call them)."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from registry import services
from registry.models import FlagAcknowledgement, GaitSession, Patient, Role, Visit
from registry.signals import visits_changed
from tests.factories import (
    MriScanFactory,
    PatientFactory,
    UserFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def changed_visits():
    seen = []

    def receiver(sender, visit_ids, **kwargs):
        seen.extend(visit_ids)

    visits_changed.connect(receiver, dispatch_uid="test_changed_visits")
    yield seen
    visits_changed.disconnect(dispatch_uid="test_changed_visits")


def test_visit_update_writes_history_under_the_user_and_fires_the_hook(world, changed_visits):
    clinician = UserFactory(role=Role.CLINICIAN, centers=[world["A"].center])
    visit = world["A"].walk.visit
    services.visit_update(user=clinician, visit=visit, data={"edss": 3.5})
    visit.refresh_from_db()
    assert visit.edss == 3.5
    assert visit.history.latest().history_user == clinician
    assert changed_visits == [visit.pk]


def test_a_service_refuses_another_centres_record(world):
    clinician = UserFactory(role=Role.CLINICIAN, centers=[world["A"].center])
    with pytest.raises(PermissionDenied):
        services.visit_update(user=clinician, visit=world["B"].walk.visit, data={"edss": 3.5})
    with pytest.raises(PermissionDenied):
        services.gait_session_delete(user=clinician, session=world["B"].walk)
    assert GaitSession.objects.filter(pk=world["B"].walk.pk).exists()


def test_a_service_refuses_to_move_a_record_out_of_reach(world):
    clinician = UserFactory(role=Role.CLINICIAN, centers=[world["A"].center])
    patient = Patient.objects.get(patient_id="SYN-A1")
    with pytest.raises(PermissionDenied):
        services.patient_update(user=clinician, patient=patient, data={"center": world["B"].center})
    assert Patient.objects.get(patient_id="SYN-A1").center == world["A"].center


def test_a_researcher_writes_nothing(world):
    researcher = UserFactory(role=Role.RESEARCHER, centers=[world["A"].center])
    new = Visit(patient=world["A"].walk.visit.patient, visit_date=datetime.date(2024, 1, 1))
    new.disease_course = "RRMS"
    with pytest.raises(PermissionDenied):
        services.visit_create(user=researcher, visit=new)
    assert not Visit.objects.filter(visit_date=datetime.date(2024, 1, 1)).exists()


def test_a_service_runs_the_records_rules(world):
    clinician = UserFactory(role=Role.CLINICIAN, centers=[world["A"].center])
    patient = Patient.objects.get(patient_id="SYN-A1")
    early = Visit(patient=patient, visit_date=datetime.date(1970, 1, 1), disease_course="RRMS")
    with pytest.raises(ValidationError) as raised:
        services.visit_create(user=clinician, visit=early)
    assert "before the patient's birth year 1980" in str(raised.value)
    assert not Visit.objects.filter(visit_date=datetime.date(1970, 1, 1)).exists()


def test_deleting_a_visit_with_walks_is_refused_unless_they_go_with_it(world):
    clinician = UserFactory(role=Role.CLINICIAN, centers=[world["A"].center])
    visit = world["A"].walk.visit
    with pytest.raises(services.RecordProtected, match="still has 1 gait session"):
        services.visit_delete(user=clinician, visit=visit)
    assert GaitSession.objects.filter(pk=world["A"].walk.pk).exists()
    pk = visit.pk
    services.visit_delete(user=clinician, visit=visit, with_walks=True)
    assert not GaitSession.objects.filter(visit_id=pk).exists()
    assert not Visit.objects.filter(pk=pk).exists()
    deleted = Visit.history.filter(id=pk, history_type="-").get()
    assert deleted.history_user == clinician


def test_a_new_scan_fires_the_hook_for_the_patients_visits(world, changed_visits):
    clinician = UserFactory(role=Role.CLINICIAN, centers=[world["A"].center])
    patient = world["A"].walk.visit.patient
    scan = MriScanFactory.build(patient=patient)
    services.mri_scan_create(user=clinician, scan=scan)
    assert changed_visits == [world["A"].walk.visit.pk]
    assert scan.history.latest().history_user == clinician


def test_a_flag_is_acknowledged_once_with_a_note_and_history(world):
    clinician = UserFactory(role=Role.CLINICIAN, centers=[world["A"].center])
    walk = world["A"].walk
    services.gait_session_update(
        user=clinician, session=walk, data={"swing_pct": 30.0, "stance_pct": 60.0}
    )
    assert [f["rule"] for f in walk.quality_flags] == ["swing_stance_sum"]
    first = services.flag_acknowledge(
        user=clinician, record=walk, rule="swing_stance_sum", note="checked"
    )
    again = services.flag_acknowledge(
        user=clinician, record=walk, rule="swing_stance_sum", note="checked twice"
    )
    assert first.pk == again.pk and FlagAcknowledgement.objects.count() == 1
    assert again.note == "checked twice" and again.acknowledged_by == clinician
    assert again.history.latest().history_user == clinician
    researcher = UserFactory(role=Role.RESEARCHER, centers=[world["A"].center])
    with pytest.raises(PermissionDenied):
        services.flag_acknowledgement_withdraw(user=researcher, acknowledgement=again)
    services.flag_acknowledgement_withdraw(user=clinician, acknowledgement=again)
    assert FlagAcknowledgement.objects.count() == 0
    assert FlagAcknowledgement.history.filter(history_type="-").get().history_user == clinician


def test_only_a_flag_the_record_has_can_be_acknowledged(world):
    clinician = UserFactory(role=Role.CLINICIAN, centers=[world["A"].center])
    with pytest.raises(ValidationError) as raised:
        services.flag_acknowledge(
            user=clinician, record=world["A"].walk, rule="made_up", note="checked"
        )
    assert "rule = 'made_up' is not a flag of this record now." in str(raised.value)


def test_another_centres_flag_cannot_be_acknowledged(world):
    clinician = UserFactory(role=Role.CLINICIAN, centers=[world["A"].center])
    with pytest.raises(PermissionDenied):
        services.flag_acknowledge(user=clinician, record=world["B"].walk, rule="x", note="y")
    assert FlagAcknowledgement.objects.count() == 0


def test_record_save_dispatches_to_the_entitys_service(world, changed_visits):
    admin_user = UserFactory(role=Role.ADMIN, centers=[world["A"].center])
    patient = PatientFactory.build(center=world["A"].center, patient_id="SYN-A2")
    services.record_save(user=admin_user, record=patient)
    visit = VisitFactory.build(patient=patient)
    services.record_save(user=admin_user, record=visit)
    assert Patient.objects.get(patient_id="SYN-A2").history.latest().history_user == admin_user
    assert changed_visits == [visit.pk]

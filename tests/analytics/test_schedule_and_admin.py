import pytest
from django.urls import reverse
from django_celery_beat.models import PeriodicTask

from analytics.models import ClusteringRun, Trigger
from analytics.schedule import NIGHTLY_NAME
from registry.models import Role
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def test_the_nightly_reanalysis_is_scheduled_at_0215_and_expires_before_the_next():
    from django.core.management import call_command

    call_command("ensure_schedule")  # idempotent: the migration may already have made it
    call_command("ensure_schedule")
    task = PeriodicTask.objects.get(name=NIGHTLY_NAME)
    assert task.task == "analytics.recluster_cohort"
    assert (task.crontab.hour, task.crontab.minute) == ("2", "15")
    assert 0 < task.expire_seconds < 24 * 3600
    assert PeriodicTask.objects.filter(name=NIGHTLY_NAME).count() == 1


def test_an_admin_can_rerun_from_the_admin_and_the_run_is_queued(
    client, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    from analytics import tasks

    monkeypatch.setattr(tasks.recluster_cohort, "delay", lambda **kw: queued.append(kw))
    old = ClusteringRun.objects.create(
        trigger=Trigger.SCHEDULE, status="succeeded", k_requested=3, k_scan="skip"
    )
    client.force_login(UserFactory(role=Role.ADMIN, is_superuser=True))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("admin:analytics_clusteringrun_changelist"),
            {"action": "rerun", "_selected_action": [old.pk]},
            follow=True,
        )
    assert response.status_code == 200
    new = ClusteringRun.objects.exclude(pk=old.pk).get()
    assert (new.trigger, new.k_requested, new.status) == ("admin", 3, "pending")
    assert new.k_scan == "skip"  # the same parameters, the k scan included
    assert queued == [{"run_id": new.pk}]
    assert f"Run {new.pk} queued" in response.content.decode()


def test_a_researcher_sees_run_history_but_has_no_rerun_action(client):
    ClusteringRun.objects.create(trigger=Trigger.SCHEDULE, status="succeeded")
    client.force_login(UserFactory(role=Role.RESEARCHER))
    response = client.get(reverse("admin:analytics_clusteringrun_changelist"))
    assert response.status_code == 200
    assert b"Rerun now" not in response.content


def test_assignments_in_the_admin_are_scoped_to_the_users_centres(client):
    from analytics.models import Phenotype, PhenotypeAssignment
    from tests.factories import CenterFactory, VisitFactory

    run = ClusteringRun.objects.create(trigger=Trigger.SCHEDULE, status="succeeded")
    phenotype = Phenotype.objects.create(
        run=run, stable_id=1, name="faster stable", size=2, share=1
    )
    a, b = CenterFactory(code="TST-A"), CenterFactory(code="TST-B")
    for center, pid in ((a, "SYN-A9"), (b, "SYN-B9")):
        visit = VisitFactory(patient__center=center, patient__patient_id=pid)
        PhenotypeAssignment.objects.create(
            run=run, phenotype=phenotype, patient=visit.patient, visit=visit, distance=0.5
        )
    client.force_login(UserFactory(role=Role.CLINICIAN, centers=[a]))
    response = client.get(reverse("admin:analytics_phenotypeassignment_changelist"))
    assert response.status_code == 200
    assert b"SYN-A9" in response.content and b"SYN-B9" not in response.content

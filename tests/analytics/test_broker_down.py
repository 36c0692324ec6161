"""A rerun while the broker is down says so and records the run as failed, instead of a
500 and a run left pending forever."""

import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from analytics.models import ClusteringRun, RunStatus
from registry.models import Role
from tests.factories import UserFactory

# transaction=True: outside a test transaction the queueing runs at once, as in production.
pytestmark = pytest.mark.django_db(transaction=True)
UNREACHABLE = "The worker queue is unreachable, nothing was queued."


def test_rerun_from_the_dashboard_with_the_broker_down_says_nothing_was_queued(client, broker_down):
    client.force_login(UserFactory(role=Role.ADMIN))
    response = client.post(reverse("rerun"), follow=True)
    assert response.status_code == 200
    assert UNREACHABLE in response.content.decode()
    run = ClusteringRun.objects.get()
    assert (run.status, run.error) == (RunStatus.FAILED, UNREACHABLE)
    assert run.finished_at is not None


def test_recluster_with_the_broker_down_fails_the_run_with_a_clear_message(broker_down):
    with pytest.raises(CommandError, match="worker queue is unreachable"):
        call_command("recluster")
    assert ClusteringRun.objects.get().status == RunStatus.FAILED


def test_rerun_from_the_admin_with_the_broker_down_says_nothing_was_queued(client, broker_down):
    old = ClusteringRun.objects.create(trigger="schedule", status="succeeded")
    client.force_login(UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True))
    response = client.post(
        reverse("admin:analytics_clusteringrun_changelist"),
        {"action": "rerun", "_selected_action": [old.pk]},
        follow=True,
    )
    assert response.status_code == 200
    assert UNREACHABLE in response.content.decode()
    new = ClusteringRun.objects.exclude(pk=old.pk).get()
    assert (new.status, new.error) == (RunStatus.FAILED, UNREACHABLE)

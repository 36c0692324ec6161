"""Who may see and change what is itself audited: a superuser's change of a user's role
or centres in the admin is kept in the history with who made it; a login is not."""

import datetime

import pytest
from django.urls import reverse

from registry.models import Role, User
from tests.factories import CenterFactory, UserFactory

pytestmark = pytest.mark.django_db
PASSWORD = "synthetic-pass-123"


def _change_form(user, **changes) -> dict:
    joined = user.date_joined.astimezone(datetime.UTC)
    data = {
        "username": user.username,
        "first_name": "",
        "last_name": "",
        "email": "",
        "is_active": "on",
        "date_joined_0": joined.strftime("%Y-%m-%d"),
        "date_joined_1": joined.strftime("%H:%M:%S"),
        "role": user.role,
        "centers": [c.pk for c in user.centers.all()],
    }
    data.update(changes)
    return data


def test_a_role_and_centre_change_in_the_admin_is_kept_with_who_made_it(client):
    a, b = CenterFactory(code="TST-A"), CenterFactory(code="TST-B")
    user = UserFactory(role=Role.RESEARCHER, centers=[a])
    boss = UserFactory(role=Role.ADMIN, is_staff=True, is_superuser=True)
    client.force_login(boss)
    response = client.post(
        reverse("admin:registry_user_change", args=[user.pk]),
        _change_form(user, role=Role.CLINICIAN, centers=[a.pk, b.pk]),
    )
    assert response.status_code == 302, response.content.decode()[:3000]

    records = list(user.history.order_by("history_date", "history_id"))
    edits = [r for r in records if r.history_user == boss]
    first = records[len(records) - len(edits) - 1]  # the state before the admin's edit
    assert first.role == Role.RESEARCHER
    assert [c.center.code for c in first.centers.all()] == ["TST-A"]
    assert edits and records[-len(edits) :] == edits
    latest = edits[-1]
    assert latest.role == Role.CLINICIAN
    assert sorted(c.center.code for c in latest.centers.all()) == ["TST-A", "TST-B"]
    assert "role" in {change.field for change in latest.diff_against(first).changes}
    assert not hasattr(latest, "password")


def test_signing_in_adds_no_history_row(client):
    user = UserFactory(role=Role.CLINICIAN)
    rows = user.history.count()
    response = client.post(reverse("login"), {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert User.objects.get(pk=user.pk).last_login is not None
    assert user.history.count() == rows

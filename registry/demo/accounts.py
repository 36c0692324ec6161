"""Demo logins, one per role, for trying the registry on the synthetic cohort."""

from __future__ import annotations

import secrets

from django.db import transaction

from registry.models import Center, Role, User

DEMO_PREFIX = "DEMO-"
DEMO_USERS = {
    "demo-clinician": Role.CLINICIAN,
    "demo-researcher": Role.RESEARCHER,
    "demo-admin": Role.ADMIN,
}


@transaction.atomic
def demo_users_ensure(*, reset: bool = False) -> dict[str, str]:
    """Create missing demo users (or reset their passwords) and return the new
    passwords by username; users that already exist keep theirs unless reset."""
    centers = list(Center.objects.filter(code__startswith=DEMO_PREFIX))
    created: dict[str, str] = {}
    for username, role in DEMO_USERS.items():
        user = User.objects.filter(username=username).first()
        if user is not None and not reset:
            continue
        if user is None:
            user = User(username=username, role=role)
        user.role = role
        # Researchers read through the pages and the API; the admin is for the people
        # who edit records or run the registry.
        user.is_staff = role != Role.RESEARCHER
        # The demo administrator also manages users and schedules, so it is a superuser.
        user.is_superuser = role == Role.ADMIN
        password = secrets.token_urlsafe(9)
        user.set_password(password)
        user.save()
        user.centers.set(centers)
        created[username] = password
    return created

"""Who sees and edits what: the one place that turns a user into a set of centres.

Views, the admin, the API and commands all go through `for_user` / `editable_by`
on the clinical querysets (or the two functions below), never their own filters.
"""

from __future__ import annotations

from django.db import models


def is_global_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.is_superuser)


def can_write(user) -> bool:
    if is_global_admin(user):
        return True
    return bool(
        user and user.is_authenticated and user.is_active and user.role in {"clinician", "admin"}
    )


def visible_center_ids(user) -> set[int] | None:
    """Ids of the centres the user may read, or None for "every centre"."""
    if is_global_admin(user):
        return None
    if not (user and user.is_authenticated and user.is_active):
        return set()
    cached = getattr(user, "_visible_center_ids", None)
    if cached is None:
        cached = set(user.centers.values_list("id", flat=True))
        user._visible_center_ids = cached
    return cached


def can_edit_center(user, center_id: int | None) -> bool:
    if not can_write(user):
        return False
    visible = visible_center_ids(user)
    return visible is None or center_id in visible


class ScopedQuerySet(models.QuerySet):
    """A queryset that knows the path from its model to the owning centre."""

    center_path = "center"

    def for_user(self, user):
        visible = visible_center_ids(user)
        if visible is None:
            return self
        return self.filter(**{f"{self.center_path}__in": visible})

    def editable_by(self, user):
        if not can_write(user):
            return self.none()
        return self.for_user(user)


class PatientQuerySet(ScopedQuerySet):
    center_path = "center"


class VisitQuerySet(ScopedQuerySet):
    center_path = "patient__center"


class GaitSessionQuerySet(ScopedQuerySet):
    center_path = "visit__patient__center"


class MriScanQuerySet(ScopedQuerySet):
    center_path = "patient__center"


def owning_center_id(obj) -> int | None:
    """Follow the model's centre path on an instance (e.g. visit -> patient -> center)."""
    path = obj.__class__._default_manager.get_queryset().center_path.split("__")
    for step in path[:-1]:
        obj = getattr(obj, step, None)
        if obj is None:
            return None
    return getattr(obj, f"{path[-1]}_id", None)

"""Querysets that know the path from their model to the owning centre. Whether a user
may read or edit that centre is decided in `registry.access`, never here."""

from __future__ import annotations

from django.db import models


class ScopedQuerySet(models.QuerySet):
    """`for_user` (what the user may read) and `editable_by` (what they may change)."""

    center_path = "center"

    def for_user(self, user):
        from registry import access

        return access.scoped(self, user, self.center_path)

    def editable_by(self, user):
        from registry import access

        editable = access.editable_center_ids(user)
        if editable is None:
            return self
        field = "pk" if self.center_path == "pk" else self.center_path
        return self.filter(**{f"{field}__in": editable})


class CenterQuerySet(ScopedQuerySet):
    center_path = "pk"


class PatientQuerySet(ScopedQuerySet):
    center_path = "center"


class VisitQuerySet(ScopedQuerySet):
    center_path = "patient__center"


class GaitSessionQuerySet(ScopedQuerySet):
    center_path = "visit__patient__center"


class MriScanQuerySet(ScopedQuerySet):
    center_path = "patient__center"

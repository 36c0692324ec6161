"""Reads of the clinical record that the pages, the API and the admin share. Every one
starts from the user's scope (`registry.access`)."""

from __future__ import annotations

from django.db.models import QuerySet

from registry.models import Center, GaitSession, MriScan, Patient, Visit


def center_list(*, user) -> QuerySet[Center]:
    """Centres whose records the user may read (filters, pickers)."""
    return Center.objects.for_user(user)


def center_choices_for_writing(*, user) -> QuerySet[Center]:
    """Centres the user may add records to (the centre field of a patient form)."""
    return Center.objects.editable_by(user)


def patients_for_user(*, user) -> QuerySet[Patient]:
    return Patient.objects.for_user(user).select_related("center")


def visits_for_user(*, user) -> QuerySet[Visit]:
    return Visit.objects.for_user(user).select_related("patient")


def gait_sessions_for_user(*, user) -> QuerySet[GaitSession]:
    return GaitSession.objects.for_user(user).select_related("visit__patient")


def mri_scans_for_user(*, user) -> QuerySet[MriScan]:
    return MriScan.objects.for_user(user).select_related("patient")

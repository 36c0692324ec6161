"""Reads of the clinical record that the pages, the API and the admin share. Every one
starts from the user's scope (`registry.access`)."""

from __future__ import annotations

from django.db.models import QuerySet

from registry.models import Center, FlagAcknowledgement, GaitSession, MriScan, Patient, Visit


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


def flag_list(*, record: GaitSession | MriScan) -> list[dict]:
    """The record's data-quality flags, each with its acknowledgement (or None)."""
    acknowledged = {
        a.rule: a for a in record.flag_acknowledgements.select_related("acknowledged_by")
    }
    return [
        {**flag, "acknowledgement": acknowledged.get(flag["rule"])}
        for flag in record.quality_flags or []
    ]


def flag_acknowledgements_for_user(*, user) -> QuerySet[FlagAcknowledgement]:
    return FlagAcknowledgement.objects.for_user(user).select_related(
        "gait_session__visit__patient", "mri_scan__patient", "acknowledged_by"
    )

"""Writes of single clinical records from the pages, each in one transaction and
recorded in the audit history under the user who made it."""

from __future__ import annotations

from django.db import transaction

from registry.models import GaitSession, MriScan, Patient, Visit


def _as(user, obj):
    obj._history_user = user
    return obj


@transaction.atomic
def patient_create(*, user, patient: Patient) -> Patient:
    patient.full_clean()
    _as(user, patient).save()
    return patient


@transaction.atomic
def visit_save(
    *,
    user,
    visit: Visit,
    walks: list[GaitSession],
    removed: list[GaitSession],
    scan: MriScan | None,
) -> list[dict]:
    """Save a visit with its walks (and an optional scan); returns the consistency
    flags the saved records carry, for the person to review."""
    _as(user, visit).save()
    for walk in removed:
        _as(user, walk).delete()
    flags = []
    for walk in walks:
        walk.visit = visit
        _as(user, walk).save()
        flags += [{"record": f"gait ({walk.condition})", **f} for f in walk.quality_flags]
    if scan is not None:
        scan.patient = visit.patient
        _as(user, scan).save()
        flags += [{"record": "MRI", **f} for f in scan.quality_flags]
    return flags

"""Writes of single clinical records from the pages, each in one transaction and
recorded in the audit history under the user who made it."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction

from registry.models import FlagAcknowledgement, GaitSession, MriScan, Patient, Visit


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


@transaction.atomic
def patient_update(*, user, patient: Patient) -> Patient:
    """Save changed demographics; the audit history keeps the old values."""
    patient.full_clean()
    _as(user, patient).save()
    return patient


@transaction.atomic
def visit_delete(*, user, visit: Visit) -> None:
    """Delete a visit with its gait sessions, each deletion in the audit history under
    the user. The patient's MRI scans stay: they belong to the patient."""
    for walk in visit.gait_sessions.all():
        _as(user, walk).delete()
    _as(user, visit).delete()


@transaction.atomic
def flag_acknowledge(
    *, user, record: GaitSession | MriScan, rule: str, note: str
) -> FlagAcknowledgement:
    """Record that a person checked a data-quality flag of `record` ("value confirmed").
    Acknowledging again (after the values changed) replaces the earlier note."""
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": "note is required: say what was checked."})
    if len(note) > 500:
        raise ValidationError({"note": f"note has {len(note)} characters; allowed 1 … 500."})
    flag = next((f for f in record.quality_flags if f["rule"] == rule), None)
    if flag is None:
        raise ValidationError({"rule": f"rule = {rule!r} is not a flag of this record now."})
    key = {"gait_session": record} if isinstance(record, GaitSession) else {"mri_scan": record}
    ack = FlagAcknowledgement.objects.filter(rule=rule, **key).first() or FlagAcknowledgement(
        rule=rule, **key
    )
    ack.message, ack.note, ack.acknowledged_by = flag["message"], note, user
    _as(user, ack).save()
    return ack

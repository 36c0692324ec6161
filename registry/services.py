"""Every create, update and delete of a clinical record: patients, visits, gait sessions,
MRI scans and flag acknowledgements. Pages, the API and the admin call these and nothing
else writes a single record.

Each service, in one transaction: asks `registry.access` whether the user may write in
the record's centre (before and after the change, so nothing moves out of reach), runs
the record's rules (field ranges, cross-field rules, constraints: `full_clean`), writes
the audit history under the acting user, and tells the analysis which visits changed
(`registry.signals.visits_changed`, the provisional-phenotype hook).

Files are imported through `records_import`, the one door of the bulk importer (the
upload page's worker and `import_registry` call it): it takes the importer's scope from
`access.import_scope`, and `registry.importing` checks every row with the same rules,
writes the audit history under the importing user and tells the analysis what changed,
one statement per file instead of per row.
"""

from __future__ import annotations

from collections import Counter

from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from registry import access
from registry.models import FlagAcknowledgement, GaitSession, MriScan, Patient, Visit
from registry.signals import visits_changed


class RecordProtected(Exception):
    """The record still has clinical records that depend on it; nothing was deleted."""


def _name(model, n: int) -> str:
    if model is MriScan:  # the model's own name would read "mri scan"
        return _("MRI scan") if n == 1 else _("MRI scans")
    return str(model._meta.verbose_name if n == 1 else model._meta.verbose_name_plural)


def _require_edit_stored(user, obj: models.Model) -> None:
    """The user may write where the record is stored now (a changed instance may already
    point elsewhere: the stored row decides)."""
    if obj.pk is not None:
        stored = type(obj)._default_manager.filter(pk=obj.pk).first()
        if stored is not None:
            access.require_edit(user, access.owning_center_id(stored))


def _changed(visit_ids) -> None:
    ids = sorted({v for v in visit_ids if v is not None})
    if ids:
        visits_changed.send(sender=Visit, visit_ids=ids)


def _save(user, obj: models.Model, data: dict | None = None) -> models.Model:
    _require_edit_stored(user, obj)
    for name, value in (data or {}).items():
        setattr(obj, name, value)
    # ... and where it will be after the change.
    access.require_edit(user, access.owning_center_id(obj))
    obj.full_clean()
    obj._history_user = user
    obj.save()
    return obj


def _delete(user, obj: models.Model) -> None:
    _require_edit_stored(user, obj)
    obj._history_user = user
    try:
        with transaction.atomic():
            obj.delete()
    except ProtectedError as exc:
        counts = Counter(type(o) for o in exc.protected_objects)
        blocking = _(" and ").join(
            f"{n} {_name(model, n)}"
            for model, n in sorted(counts.items(), key=lambda item: _name(*item))
        )
        raise RecordProtected(
            _(
                "%(what)s %(record)s cannot be deleted: it still has %(blocking)s. "
                "Delete those first."
            )
            % {"what": capfirst(_name(type(obj), 1)), "record": obj, "blocking": blocking}
        ) from exc


# --- Patients ----------------------------------------------------------------------------


@transaction.atomic
def patient_create(*, user, patient: Patient) -> Patient:
    return _save(user, patient)


@transaction.atomic
def patient_update(*, user, patient: Patient, data: dict | None = None) -> Patient:
    _save(user, patient, data)
    # Age and disease duration of every visit follow the patient's years.
    _changed(patient.visits.values_list("pk", flat=True))
    return patient


@transaction.atomic
def patient_delete(*, user, patient: Patient) -> None:
    _delete(user, patient)


# --- Visits ------------------------------------------------------------------------------


@transaction.atomic
def visit_create(*, user, visit: Visit) -> Visit:
    _save(user, visit)
    _changed([visit.pk])
    return visit


@transaction.atomic
def visit_update(*, user, visit: Visit, data: dict | None = None) -> Visit:
    _save(user, visit, data)
    _changed([visit.pk])
    return visit


@transaction.atomic
def visit_delete(*, user, visit: Visit, with_walks: bool = False) -> None:
    """Delete a visit. Its gait sessions go with it only when asked (the visit delete
    page, after showing how many): otherwise they stand in the way (RecordProtected).
    The patient's MRI scans stay: they belong to the patient."""
    if with_walks:
        for walk in visit.gait_sessions.all():
            gait_session_delete(user=user, session=walk)
    _delete(user, visit)


@transaction.atomic
def visit_save(
    *,
    user,
    visit: Visit,
    walks: list[GaitSession],
    removed: list[GaitSession],
    scan: MriScan | None,
) -> list[dict]:
    """Save a visit with its walks (and an optional scan) from the visit page; returns the
    consistency flags the saved records carry, for the person to review."""
    (visit_update if visit.pk else visit_create)(user=user, visit=visit)
    for walk in removed:
        gait_session_delete(user=user, session=walk)
    flags = []
    for walk in walks:
        walk.visit = visit
        (gait_session_update if walk.pk else gait_session_create)(user=user, session=walk)
        flags += [{"record": f"gait ({walk.condition})", **f} for f in walk.quality_flags]
    if scan is not None:
        scan.patient = visit.patient
        (mri_scan_update if scan.pk else mri_scan_create)(user=user, scan=scan)
        flags += [{"record": "MRI", **f} for f in scan.quality_flags]
    return flags


# --- Gait sessions -----------------------------------------------------------------------


@transaction.atomic
def gait_session_create(*, user, session: GaitSession) -> GaitSession:
    _save(user, session)
    _changed([session.visit_id])
    return session


@transaction.atomic
def gait_session_update(*, user, session: GaitSession, data: dict | None = None) -> GaitSession:
    before = GaitSession.objects.filter(pk=session.pk).values_list("visit_id", flat=True).first()
    _save(user, session, data)
    _changed([before, session.visit_id])
    return session


@transaction.atomic
def gait_session_delete(*, user, session: GaitSession) -> None:
    visit_id = session.visit_id
    _delete(user, session)
    _changed([visit_id])


# --- MRI scans ---------------------------------------------------------------------------


def _visits_near(scan: MriScan) -> list[int]:
    # A scan joins the analysis through the visits of its patient (nearest scan in a
    # window); the window is the analysis' business, so every visit of the patient.
    return list(Visit.objects.filter(patient_id=scan.patient_id).values_list("pk", flat=True))


@transaction.atomic
def mri_scan_create(*, user, scan: MriScan) -> MriScan:
    _save(user, scan)
    _changed(_visits_near(scan))
    return scan


@transaction.atomic
def mri_scan_update(*, user, scan: MriScan, data: dict | None = None) -> MriScan:
    _save(user, scan, data)
    _changed(_visits_near(scan))
    return scan


@transaction.atomic
def mri_scan_delete(*, user, scan: MriScan) -> None:
    visits = _visits_near(scan)
    _delete(user, scan)
    _changed(visits)


# --- Flag acknowledgements ---------------------------------------------------------------


@transaction.atomic
def flag_acknowledge(
    *, user, record: GaitSession | MriScan, rule: str, note: str
) -> FlagAcknowledgement:
    """Record that a person checked a data-quality flag of `record` ("value confirmed").
    Acknowledging again (after the values changed) replaces the earlier note."""
    access.require_edit(user, access.owning_center_id(record))
    note = (note or "").strip()
    if not note:
        raise ValidationError({"note": _("note is required: say what was checked.")})
    if len(note) > 500:
        raise ValidationError(
            {"note": _("note has %(n)d characters; allowed 1 … 500.") % {"n": len(note)}}
        )
    flag = next((f for f in record.quality_flags or [] if f["rule"] == rule), None)
    if flag is None:
        raise ValidationError(
            {"rule": _("rule = %(rule)r is not a flag of this record now.") % {"rule": rule}}
        )
    key = {"gait_session": record} if isinstance(record, GaitSession) else {"mri_scan": record}
    ack = FlagAcknowledgement.objects.filter(rule=rule, **key).first() or FlagAcknowledgement(
        rule=rule, **key
    )
    ack.message, ack.note, ack.acknowledged_by = flag["message"], note, user
    ack._history_user = user
    ack.save()
    return ack


@transaction.atomic
def flag_acknowledgement_withdraw(*, user, acknowledgement: FlagAcknowledgement) -> None:
    access.require_edit(user, access.owning_center_id(acknowledgement))
    acknowledgement._history_user = user
    acknowledgement.delete()


# --- Bulk import ----------------------------------------------------------------------------


def records_import(*, user, paths, dry_run: bool = False, only_center: str | None = None, **run):
    """Validate and import interchange files (all or nothing) as `user`.

    `user` None is the operator's command without --user: every centre, new ones
    included. Otherwise the scope is `access.import_scope(user)` (PermissionError for a
    read-only role), narrowed to `only_center` if given (PermissionError if that centre
    is outside it). `run` passes progress, error streaming and the job's lease fence on
    to `registry.importing.service.registry_import`; returns its `ImportReport`."""
    from registry.importing.service import registry_import

    allowed = access.import_scope(user) if user is not None else None
    if only_center is not None:
        if allowed is not None and only_center not in allowed:
            raise PermissionError(
                _("%(user)r may not import into centre %(center)r")
                % {"user": user.get_username(), "center": only_center}
            )
        allowed = {only_center}
    return registry_import(paths=paths, dry_run=dry_run, allowed_centers=allowed, user=user, **run)


# --- Any clinical record (the admin's generic save and delete) --------------------------

_SERVICES = {
    Patient: (patient_create, patient_update, patient_delete, "patient"),
    Visit: (visit_create, visit_update, visit_delete, "visit"),
    GaitSession: (gait_session_create, gait_session_update, gait_session_delete, "session"),
    MriScan: (mri_scan_create, mri_scan_update, mri_scan_delete, "scan"),
}


def record_save(*, user, record: models.Model) -> models.Model:
    """Create or update a patient, visit, gait session or MRI scan through its service."""
    create, update, _, argument = _SERVICES[type(record)]
    service = update if record.pk is not None else create
    return service(user=user, **{argument: record})


def record_delete(*, user, record: models.Model) -> None:
    *_services, delete, argument = _SERVICES[type(record)]
    delete(user=user, **{argument: record})

"""Who may do what: the only place that answers "may this user read / edit / rerun /
import / export this". Pages, the API, the admin, imports, exports and commands ask here
and nowhere else.

One deciding function per action:

- read:   `readable_center_ids(user)` (every scoped queryset: `Model.objects.for_user`,
          `Center.objects.for_user`, `PhenotypeAssignment.objects.for_user`, and
          `patient_for_user` for one patient)
- edit:   `can_edit_center(user, center_id)` (`require_edit` raises with it; every write
          service calls it)
- rerun:  `can_rerun(user)`
- import: `import_scope(user)`
- export: `export_scope(user)`

A record the user may not read answers exactly like one that does not exist (404, or the
same message as an unknown key), so no door tells which pseudonyms or visits exist in
other centres.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

# --- Recording which decisions a request asked for (the route-table test reads it) -----

_consulted: contextvars.ContextVar[list[str] | None] = contextvars.ContextVar(
    "access_consulted", default=None
)


@contextlib.contextmanager
def recording() -> Iterator[list[str]]:
    """Collect the names of the deciding functions called inside the block."""
    seen: list[str] = []
    token = _consulted.set(seen)
    try:
        yield seen
    finally:
        _consulted.reset(token)


def _note(name: str) -> None:
    seen = _consulted.get()
    if seen is not None:
        seen.append(name)


# --- Who the user is ---------------------------------------------------------------------


def _active(user) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_active)


def is_global_admin(user) -> bool:
    """A superuser: an administrator of every centre, users and schedules."""
    _note("admin")
    return _active(user) and bool(user.is_superuser)


def has_writing_role(user) -> bool:
    """Clinicians, centre administrators and superusers write; researchers read."""
    _note("edit")
    if is_global_admin(user):
        return True
    from registry.models import Role

    return _active(user) and user.role in {Role.CLINICIAN, Role.ADMIN}


# --- read ------------------------------------------------------------------------------


def readable_center_ids(user) -> set[int] | None:
    """Ids of the centres whose records the user may read, or None for "every centre".

    The deciding function for *read*."""
    _note("read")
    if is_global_admin(user):
        return None
    if not _active(user):
        return set()
    cached = getattr(user, "_readable_center_ids", None)
    if cached is None:
        cached = set(user.centers.values_list("id", flat=True))
        user._readable_center_ids = cached
    return cached


def can_read_analysis(user) -> bool:
    """Cohort-level results (runs, phenotypes, comparisons, as on the dashboard) name no
    patient: every active signed-in user reads them. Assignments name patients and are
    read like the patient (`PhenotypeAssignment.objects.for_user`)."""
    _note("read")
    return _active(user)


def scoped(queryset, user, center_path: str):
    """`queryset` narrowed to the rows whose centre (reached by `center_path`, e.g.
    "patient__center", or "pk" for centres themselves) the user may read."""
    visible = readable_center_ids(user)
    if visible is None:
        return queryset
    field = "pk" if center_path == "pk" else center_path
    return queryset.filter(**{f"{field}__in": visible})


def can_read_center(user, center_id: int | None) -> bool:
    visible = readable_center_ids(user)
    return visible is None or center_id in visible


def owning_center_id(obj) -> int | None:
    """Follow the model's centre path on an instance (visit -> patient -> center)."""
    if hasattr(obj, "record"):  # a flag acknowledgement belongs where its record does
        obj = obj.record
    path = obj.__class__._default_manager.get_queryset().center_path
    if path == "pk":
        return obj.pk
    steps = path.split("__")
    for step in steps[:-1]:
        obj = getattr(obj, step, None)
        if obj is None:
            return None
    return getattr(obj, f"{steps[-1]}_id", None)


def patient_for_user(user, patient_id: str):
    """(patient, can_edit) by pseudonym; Http404 for a patient the user may not read."""
    from registry.models import Patient

    patient = (
        Patient.objects.for_user(user).select_related("center").filter(patient_id=patient_id)
    ).first()
    if patient is None:
        raise Http404(_("No such patient."))
    return patient, can_edit_center(user, patient.center_id)


# --- edit ------------------------------------------------------------------------------


def can_edit_center(user, center_id: int | None) -> bool:
    """May the user create, change or delete clinical records of this centre?

    The deciding function for *edit*."""
    _note("edit")
    if not has_writing_role(user):
        return False
    visible = readable_center_ids(user)
    return visible is None or center_id in visible


def editable_center_ids(user) -> set[int] | None:
    """Ids of the centres the user may write in (None: all); empty for read-only roles."""
    if not has_writing_role(user):
        _note("edit")
        return set()
    return readable_center_ids(user)


def require_edit(user, center_id: int | None) -> None:
    if not can_edit_center(user, center_id):
        raise PermissionDenied(_("Your role may read these records but not change them."))


def can_manage_centers(user) -> bool:
    """Centres are created, renamed and deleted by the people who run the whole registry."""
    _note("edit")
    return is_global_admin(user)


# --- rerun -----------------------------------------------------------------------------


def can_rerun(user) -> bool:
    """May the user start a reanalysis of the cohort (page, admin action, API)?

    The deciding function for *rerun*: administrators and superusers."""
    _note("rerun")
    from registry.models import Role

    return is_global_admin(user) or (_active(user) and user.role == Role.ADMIN)


# --- import ----------------------------------------------------------------------------


def import_scope(user) -> set[str] | None:
    """Centre codes the user may import into (None: every centre, new ones included).

    The deciding function for *import*; PermissionError for read-only roles."""
    if not can_import(user):
        raise PermissionError(
            _("%(user)r may not import data") % {"user": getattr(user, "username", user)}
        )
    visible = readable_center_ids(user)
    if visible is None:
        return None
    from registry.models import Center

    return set(Center.objects.filter(id__in=visible).values_list("code", flat=True))


def can_import(user) -> bool:
    """May the user import at all (the navigation's Import entry; `import_scope` refuses
    the same users): every writing role."""
    _note("import")
    return has_writing_role(user)


def import_jobs_for_user(queryset, user):
    """A user sees their own import jobs; a superuser sees everyone's."""
    _note("import")
    if is_global_admin(user):
        return queryset
    if not _active(user):
        return queryset.none()
    return queryset.filter(user=user)


# --- export ----------------------------------------------------------------------------


def export_scope(user):
    """The patients whose records an export for this user may contain (None: a command
    run without a user exports every centre).

    The deciding function for *export*: whatever the user may read, nothing more."""
    _note("export")
    from registry.models import Patient

    if user is None:
        return Patient.objects.all()
    return Patient.objects.for_user(user)

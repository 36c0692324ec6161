"""Data entry for clinicians (and admins) of a centre. Researchers get 403 on these
URLs; another centre's patient is 404, as if it did not exist."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from registry import access, rules
from registry.forms import FlagAcknowledgeForm, GaitFormSet, MriForm, PatientForm, VisitForm
from registry.models import GaitSession, MriScan, Patient, Visit
from registry.services import (
    flag_acknowledge,
    patient_create,
    patient_update,
    visit_delete,
    visit_save,
)


def _editable_patient(request, patient_id: str) -> Patient:
    patient, can_edit = access.patient_for_user(request.user, patient_id)
    if not can_edit:
        raise PermissionDenied(_("Your role may read this patient but not edit it."))
    return patient


@login_required
def patient_new(request):
    if not access.has_writing_role(request.user):
        raise PermissionDenied(_("Your role may read the registry but not add patients."))
    # The form offers only the centres the user writes in; the service decides again.
    form = PatientForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        patient = patient_create(user=request.user, patient=form.save(commit=False))
        messages.success(request, _("Patient %(id)s added.") % {"id": patient.patient_id})
        return redirect("visit-new", patient_id=patient.patient_id)
    return render(
        request, "registry/patient_form.html", {"form": form, "forms": [form], "nav": "patients"}
    )


@login_required
def patient_edit(request, patient_id: str):
    patient = _editable_patient(request, patient_id)
    form = PatientForm(request.POST or None, instance=patient, user=request.user)
    if request.method == "POST" and form.is_valid():
        patient = patient_update(user=request.user, patient=form.save(commit=False))
        messages.success(request, _("Patient %(id)s saved.") % {"id": patient.patient_id})
        return redirect("patient-detail", patient_id=patient.patient_id)
    return render(
        request,
        "registry/patient_form.html",
        {"form": form, "forms": [form], "patient": patient, "nav": "patients"},
    )


def _scan_of(patient: Patient, visit: Visit) -> MriScan:
    """The scan shown with a visit: the patient's scan nearest to it within 180 days
    (the one the analysis pairs with it), or a new one."""
    if visit.pk:
        near = [
            s
            for s in patient.mri_scans.all()
            if abs((s.scan_date - visit.visit_date).days) <= rules.MRI_WINDOW_DAYS
        ]
        if near:
            return min(near, key=lambda s: abs((s.scan_date - visit.visit_date).days))
    return MriScan(patient=patient)


@login_required
def visit_edit(request, patient_id: str, visit_id: int | None = None):
    patient = _editable_patient(request, patient_id)
    visit = (
        get_object_or_404(Visit, pk=visit_id, patient=patient)
        if visit_id
        else Visit(patient=patient)
    )
    data = request.POST or None
    form = VisitForm(data, instance=visit)
    walks = GaitFormSet(data, instance=visit, prefix="gait")
    scan = MriForm(data, instance=_scan_of(patient, visit), prefix="mri")
    # All three validated, so that the error summary lists every mistake at once.
    valid = all([form.is_valid(), walks.is_valid(), scan.is_valid()]) if data else False
    if request.method == "POST" and valid:
        try:
            flags = visit_save(
                user=request.user,
                visit=form.save(commit=False),
                walks=[w.save(commit=False) for w in walks.forms if _kept(w)],
                removed=[w.instance for w in walks.deleted_forms if w.instance.pk],
                scan=scan.save(commit=False) if scan.has_scan() and scan.has_changed() else None,
            )
        except ValidationError as exc:
            # The service's own validation found what the forms could not (e.g. a date
            # someone saved after the form's check); nothing was saved.
            for message in exc.messages:
                form.add_error(None, message)
        except IntegrityError:
            form.add_error(
                None,
                _(
                    "Another visit or MRI scan of this patient with the same date was saved "
                    "just now; nothing was saved. Reload the patient page and check."
                ),
            )
        else:
            messages.success(
                request, _("Visit of %(day)s saved.") % {"day": f"{visit.visit_date:%Y-%m-%d}"}
            )
            for flag in flags:
                messages.warning(
                    request,
                    _("Data-quality flag on %(record)s: %(message)s")
                    % {"record": flag["record"], "message": flag["message"]},
                )
            return redirect("visit-detail", patient_id=patient.patient_id, visit_id=visit.pk)
    return render(
        request,
        "registry/visit_form.html",
        {
            "patient": patient,
            "form": form,
            "walks": walks,
            "scan": scan,
            "forms": [form, *walks.forms, scan],
            "has_errors": bool(form.errors or scan.errors or walks.total_error_count()),
            "nav": "patients",
        },
    )


def _kept(form) -> bool:
    return form.has_changed() and not form.cleaned_data.get("DELETE", False)


@login_required
def visit_delete_confirm(request, patient_id: str, visit_id: int):
    patient = _editable_patient(request, patient_id)
    visit = get_object_or_404(Visit, pk=visit_id, patient=patient)
    if request.method == "POST":
        day = visit.visit_date
        visit_delete(user=request.user, visit=visit, with_walks=True)
        messages.success(
            request, _("Visit of %(day)s deleted (kept in the audit history).") % {"day": day}
        )
        return redirect("patient-detail", patient_id=patient.patient_id)
    return render(
        request,
        "registry/visit_delete.html",
        {
            "patient": patient,
            "visit": visit,
            "walks": visit.gait_sessions.count(),
            "nav": "patients",
        },
    )


@login_required
@require_POST
def flag_acknowledge_view(request, patient_id: str, kind: str, record_id: int):
    patient = _editable_patient(request, patient_id)
    if kind == "gait":
        record = get_object_or_404(GaitSession, pk=record_id, visit__patient=patient)
    else:
        record = get_object_or_404(MriScan, pk=record_id, patient=patient)
    form = FlagAcknowledgeForm(request.POST)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
        back = reverse("patient-detail", args=[patient.patient_id])
    if form.is_valid():
        try:
            flag_acknowledge(
                user=request.user,
                record=record,
                rule=form.cleaned_data["rule"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(request, _("Flag acknowledged."))
    else:
        messages.error(
            request,
            " ".join(str(e) for errors in form.errors.values() for e in errors),
        )
    return redirect(back)

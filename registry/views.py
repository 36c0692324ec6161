"""Data entry for clinicians (and admins) of a centre. Researchers get 403 on these
URLs; another centre's patient is 404, as if it did not exist."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render

from registry.forms import GaitFormSet, MriForm, PatientForm, VisitForm
from registry.models import MriScan, Patient, Visit
from registry.models.scoping import can_edit_center, can_write
from registry.services import patient_create, visit_save


def _editable_patient(request, patient_id: str) -> Patient:
    patient = get_object_or_404(Patient.objects.for_user(request.user), patient_id=patient_id)
    if not can_edit_center(request.user, patient.center_id):
        raise PermissionDenied("Your role may read this patient but not edit it.")
    return patient


@login_required
def patient_new(request):
    if not can_write(request.user):
        raise PermissionDenied("Your role may read the registry but not add patients.")
    form = PatientForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if not can_edit_center(request.user, form.cleaned_data["center"].id):
            raise PermissionDenied("You may not add patients to this centre.")
        patient = patient_create(user=request.user, patient=form.save(commit=False))
        messages.success(request, f"Patient {patient.patient_id} added.")
        return redirect("visit-new", patient_id=patient.patient_id)
    return render(request, "registry/patient_form.html", {"form": form, "nav": "patients"})


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
    scan = MriForm(data, instance=MriScan(patient=patient), prefix="mri")
    if request.method == "POST" and form.is_valid() and walks.is_valid() and scan.is_valid():
        flags = visit_save(
            user=request.user,
            visit=form.save(commit=False),
            walks=[w.save(commit=False) for w in walks.forms if _kept(w)],
            removed=[w.instance for w in walks.deleted_forms if w.instance.pk],
            scan=scan.save(commit=False) if scan.has_scan() else None,
        )
        messages.success(request, f"Visit of {visit.visit_date:%Y-%m-%d} saved.")
        for flag in flags:
            messages.warning(request, f"Data-quality flag on {flag['record']}: {flag['message']}")
        return redirect("patient-detail", patient_id=patient.patient_id)
    return render(
        request,
        "registry/visit_form.html",
        {"patient": patient, "form": form, "walks": walks, "scan": scan, "nav": "patients"},
    )


def _kept(form) -> bool:
    return form.has_changed() and not form.cleaned_data.get("DELETE", False)

"""The whole record of one patient: a visit's page and the printable mobility report
(HTML to print, and the same page as a PDF). Everyone who may read the patient may
read these; editing stays on the registry's pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import date_format, get_format
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, pgettext

from analytics import selectors, selectors_record
from analytics.charts import line_chart
from registry import access
from registry.models import Patient, Visit


def _readable_patient(request, patient_id: str) -> tuple[Patient, bool]:
    return access.patient_for_user(request.user, patient_id)


@login_required
def visit_detail(request, patient_id: str, visit_id: int):
    patient, can_edit = _readable_patient(request, patient_id)
    visit = get_object_or_404(Visit, pk=visit_id, patient=patient)
    return render(
        request,
        "analytics/visit_detail.html",
        {
            "patient": patient,
            "can_edit": can_edit,
            "nav": "patients",
            **selectors_record.visit_record(patient=patient, visit=visit),
        },
    )


def _report_context(request, patient_id: str) -> dict:
    patient, _ = _readable_patient(request, patient_id)
    timeline = selectors.patient_timeline(patient=patient)
    series = selectors.patient_series(patient=patient, timeline=timeline)
    charts = {
        name: mark_safe(
            line_chart(
                title=str(selectors.SERIES_LABELS.get(name, name)),
                points=[(_day(p["date"]), p["value"]) for p in s["points"]],
                y_range=s["y_range"],
                empty=gettext("no values"),
                decimal=get_format("DECIMAL_SEPARATOR"),
                day_text=lambda day: date_format(day, "SHORT_DATE_FORMAT"),
                # Month ticks: 2024-01 in English, 01.2024 in German (Django date format).
                month_text=lambda day: date_format(day, pgettext("chart month", "Y-m")),
            )
        )
        for name, s in series.items()
    }
    return {
        "patient": patient,
        "timeline": timeline,
        "charts": charts,
        "printed": timezone.localtime(),
        "printed_by": request.user,
        **selectors_record.patient_report(patient=patient, timeline=timeline),
    }


def _day(iso: str):
    import datetime as dt

    return dt.date.fromisoformat(iso)


@login_required
def patient_report(request, patient_id: str):
    return render(request, "analytics/patient_report.html", _report_context(request, patient_id))


@login_required
def patient_report_pdf(request, patient_id: str):
    from weasyprint import HTML

    context = {**_report_context(request, patient_id), "for_pdf": True}
    html = render_to_string("analytics/patient_report.html", context, request=request)
    # Everything is inline (styles, SVG charts): nothing is fetched while rendering.
    pdf = HTML(string=html).write_pdf()
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"mobility-report-{context['patient'].patient_id}.pdf"
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response

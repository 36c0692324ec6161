"""Reads for one patient's whole record: the visit page and the printable report."""

from __future__ import annotations

from django.utils.text import capfirst

from analytics.models import ClusteringRun, PhenotypeAssignment, RunStatus
from analytics.selectors import analysis_state, nearest_scan
from registry.flags import flags_shown
from registry.models import GAIT_FIELDS, MRI_FIELDS, GaitSession, MriScan, Patient, Visit


def _label(model, name: str) -> str:
    return str(capfirst(model._meta.get_field(name).verbose_name))


def _entered(record) -> dict | None:
    """Who last wrote the record and when, from its audit history."""
    last = record.history.select_related("history_user").order_by("-history_date").first()
    if last is None:
        return None
    return {"user": last.history_user, "date": last.history_date}


def visit_record(*, patient: Patient, visit: Visit) -> dict:
    walks = list(visit.gait_sessions.order_by("condition"))
    scans = list(patient.mri_scans.order_by("scan_date"))
    scan = nearest_scan(scans, visit.visit_date)
    labels = list(
        PhenotypeAssignment.objects.filter(visit=visit, run__status=RunStatus.SUCCEEDED)
        .select_related("phenotype", "run")
        .order_by("-run__finished_at")
    )
    run = ClusteringRun.objects.current()
    scores = [
        (_label(Visit, "disease_course"), visit.get_disease_course_display()),
        (_label(Visit, "edss"), visit.edss),
        (_label(Visit, "msws12"), visit.msws12),
        (_label(Visit, "t25fw_s"), visit.t25fw_s),
        (
            _label(Visit, "walking_aid"),
            visit.get_walking_aid_display() if visit.walking_aid else None,
        ),
    ]
    gait_rows = [
        {"label": _label(GaitSession, name), "values": [getattr(w, name) for w in walks]}
        for name in GAIT_FIELDS
    ]
    mri_rows = (
        [{"label": _label(MriScan, name), "value": getattr(scan, name)} for name in MRI_FIELDS]
        if scan
        else []
    )
    return {
        "visit": visit,
        "scores": scores,
        "walks": walks,
        "gait_rows": gait_rows,
        "walk_entered": [_entered(w) for w in walks],
        "scan": scan,
        "scan_days": (scan.scan_date - visit.visit_date).days if scan else None,
        "scan_entered": _entered(scan) if scan else None,
        "mri_rows": mri_rows,
        "flags": flags_shown(walks=walks, scans=[scan] if scan else []),
        "phenotype_row": {
            "phenotype": labels[0] if labels else None,
            "history": labels,
            "state": analysis_state(visit=visit, walks=walks, labels=labels, run=run),
        },
    }


REPORT_VISITS = 12
REPORT_FLAGS = 8


def patient_report(*, patient: Patient, timeline: list[dict]) -> dict:
    """What the one- or two-page report prints: phenotype now and at each visit with
    the run it came from, the latest MRI metrics and the open and acknowledged flags."""
    latest = next((row for row in reversed(timeline) if row["phenotype"]), None)
    scan = patient.mri_scans.order_by("-scan_date").first()
    flags = patient_flags(
        timeline=timeline, scans=patient_scans(patient=patient, timeline=timeline)
    )
    shown = timeline[-REPORT_VISITS:]
    return {
        # The report stays within two A4 pages: the latest visits in the table (the trend
        # plots show every visit) and the first flags, each with how many more there are.
        "report_timeline": shown,
        "earlier_visits": len(timeline) - len(shown),
        "report_flags": flags[:REPORT_FLAGS],
        "more_flags": max(len(flags) - REPORT_FLAGS, 0),
        "now": latest["phenotype"] if latest else None,
        "now_visit": latest["visit"] if latest else None,
        "scan": scan,
        "mri_rows": [
            {"label": _label(MriScan, name), "value": getattr(scan, name)} for name in MRI_FIELDS
        ]
        if scan
        else [],
        "flags": flags,
        "run": ClusteringRun.objects.current(),
    }


def patient_scans(*, patient: Patient, timeline: list[dict]) -> list[dict]:
    """Every scan of the patient with the days to its nearest visit (a scan far from
    every visit is listed too, marked as outside the analysis window)."""
    days = [row["visit"].visit_date for row in timeline]
    return [
        {"scan": scan, "days": min((abs((scan.scan_date - d).days) for d in days), default=None)}
        for scan in patient.mri_scans.order_by("scan_date")
    ]


def patient_flags(*, timeline: list[dict], scans: list[dict]) -> list:
    """Every flag of the patient's walks and scans once (a scan may be nearest to two
    visits), the open ones first."""
    seen, out = set(), []
    walks = [w for row in timeline for w in row["walks"]]
    for flag in flags_shown(walks=walks, scans=[s["scan"] for s in scans]):
        key = (flag.kind, flag.record.pk, flag.rule)
        if key not in seen:
            seen.add(key)
            out.append(flag)
    return sorted(out, key=lambda f: not f.is_open)

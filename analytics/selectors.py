"""Reads for the pages: every queryset starts from the centre/role scoping."""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db.models import Count, F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.formats import get_format
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy

from analytics.models import (
    ClusteringRun,
    ComparisonKind,
    PatientSummary,
    Phenotype,
    PhenotypeAssignment,
    RunStatus,
)
from analytics.phenotype_labels import phenotype_name
from registry.flags import flags_shown
from registry.models import Condition, GaitSession, MriScan, Patient, Sex, Visit, WalkingAid
from registry.rules import MRI_WINDOW_DAYS

SORTS = {
    "patient": ("patient_code",),
    "-patient": ("-patient_code",),
    "center": ("center_code", "patient_code"),
    "last_visit": ("latest_visit_date", "patient_code"),
    "-last_visit": ("-latest_visit_date", "patient_code"),
    "edss": ("latest_edss", "patient_code"),
    "-edss": ("-latest_edss", "patient_code"),
}


def patient_list(
    *,
    user,
    q: str = "",
    center: str = "",
    course: str = "",
    phenotype: str = "",
    edss_min: float | None = None,
    edss_max: float | None = None,
    flagged: bool = False,
    sort: str = "patient",
):
    """Summary rows (`PatientSummary`: latest visit, current phenotype, flags) of the
    patients the user may see; every filter and sort is an indexed column, so a page
    costs the same at any cohort size. The patients themselves are fetched for the page
    only (a prefetch), never joined before the LIMIT."""
    rows = PatientSummary.objects.for_user(user).prefetch_related("patient")
    if q:
        rows = rows.filter(patient_code__icontains=q.strip())
    if center:
        rows = rows.filter(center_code=center)
    if course:
        rows = rows.filter(latest_course=course)
    if phenotype:
        # The phenotype's id first (with the current run's in the same query), so that
        # its patients are read from the assignment index in patient order and merged
        # with the summary rows, not hashed from a join on the name.
        current = ClusteringRun.objects.succeeded_newest_first()
        chosen = list(
            Phenotype.objects.filter(run__in=current.values("pk")[:1], name=phenotype).values_list(
                "run_id", "pk"
            )
        )
        assigned = PhenotypeAssignment.objects.filter(
            run_id__in={run for run, _ in chosen},
            phenotype_id__in=[pk for _, pk in chosen],
            latest=True,
        )
        rows = rows.filter(patient_id__in=assigned.values("patient_id"))
    if edss_min is not None:
        rows = rows.filter(latest_edss__gte=edss_min)
    if edss_max is not None:
        rows = rows.filter(latest_edss__lte=edss_max)
    if flagged:
        rows = rows.filter(has_flags=True)
    return rows.order_by(*SORTS.get(sort, SORTS["patient"]))


def with_current_phenotypes(rows, *, run_id: int | None) -> list:
    """The page's summary rows, each with `phenotype_name` and `phenotype_provisional`
    from the current run's (`run_id`'s) latest label of the patient (one query for the
    page)."""
    rows = list(rows)
    labels = dict.fromkeys([r.patient_id for r in rows], ("", False))
    current = PhenotypeAssignment.objects.filter(
        run_id=run_id, latest=True, patient_id__in=list(labels)
    )
    for patient_id, name, provisional in current.values_list(
        "patient_id", "phenotype__name", "provisional"
    ):
        labels[patient_id] = (name, provisional)
    for row in rows:
        row.phenotype_name, row.phenotype_provisional = labels[row.patient_id]
    return rows


def nearest_scan(scans: list, day, window_days: int = MRI_WINDOW_DAYS):
    near = [s for s in scans if abs((s.scan_date - day).days) <= window_days]
    return min(near, key=lambda s: abs((s.scan_date - day).days), default=None)


def analysis_state(*, visit: Visit, walks: list, labels: list, run) -> str:
    """ "analysed", "pending" (saved since the current run, its provisional phenotype not
    yet computed), "no walk" (no comfortable-speed walk) or "not analysed" (left out by
    the run, or no run has succeeded yet, so no provisional phenotype can come)."""
    if labels:
        return "analysed"
    comfortable = [w for w in walks if w.condition == Condition.COMFORTABLE]
    if not comfortable:
        return "no walk"
    if run is None or run.started_at is None:
        return "not analysed"
    saved = max(w.updated_at for w in comfortable)
    return "pending" if saved >= run.started_at else "not analysed"


def patient_timeline(*, patient: Patient) -> list[dict]:
    """Each visit with its walks, the nearest scan within 180 days, its flags, and its
    phenotype in every succeeded run (provisional ones marked)."""
    visits = list(patient.visits.prefetch_related("gait_sessions").order_by("visit_date"))
    scans = list(patient.mri_scans.order_by("scan_date"))
    run = ClusteringRun.objects.current()
    assignments: dict[int, list] = {}
    for a in (
        PhenotypeAssignment.objects.filter(patient=patient, run__status=RunStatus.SUCCEEDED)
        .select_related("phenotype", "run")
        .order_by("-run__finished_at")
    ):
        assignments.setdefault(a.visit_id, []).append(a)
    walks_of = {visit.pk: list(visit.gait_sessions.all()) for visit in visits}
    flags = flags_shown(walks=[w for ws in walks_of.values() for w in ws], scans=scans)
    timeline, previous = [], None
    for visit in visits:
        walks = walks_of[visit.pk]
        comfortable = next((g for g in walks if g.condition == Condition.COMFORTABLE), None)
        scan = nearest_scan(scans, visit.visit_date)
        labels = assignments.get(visit.pk, [])
        current = labels[0] if labels else None
        name = current.phenotype.name if current else None
        timeline.append(
            {
                "visit": visit,
                "gait": comfortable,
                "walks": walks,
                "scan": scan,
                "phenotype": current,
                "history": labels,
                "state": analysis_state(visit=visit, walks=walks, labels=labels, run=run),
                "transition": previous is not None and name is not None and name != previous,
                "flags": [
                    f
                    for f in flags
                    if (f.kind == "gait" and f.record.visit_id == visit.pk)
                    or (f.kind == "mri" and scan is not None and f.record.pk == scan.pk)
                ],
            }
        )
        if name is not None:
            previous = name
    return timeline


def run_for_dashboard(run_id: str | None):
    if run_id:
        return ClusteringRun.objects.filter(pk=run_id).first()
    return ClusteringRun.objects.current()


# Comparison variables that are not a model field of their own.
VARIABLE_LABELS = {
    "age_years": gettext_lazy("Age (years)"),
    "disease_duration_years": gettext_lazy("Disease duration (years)"),
    "progressive": gettext_lazy("Progressive course"),
}


def variable_label(name: str) -> str:
    """The label people read for a comparison variable (its model field's, with unit)."""
    if name in VARIABLE_LABELS:
        return str(VARIABLE_LABELS[name])
    for model in (GaitSession, Visit, MriScan, Patient):
        try:
            return str(capfirst(model._meta.get_field(name).verbose_name))
        except FieldDoesNotExist:
            continue
    return name


# Levels of the categorical comparison variables as people read them (course codes such
# as RRMS are read as they are).
LEVEL_LABELS = {
    "sex": dict(Sex.choices),
    "walking_aid": dict(WalkingAid.choices),
    "progressive": {"true": gettext_lazy("yes"), "false": gettext_lazy("no")},
}


def level_label(variable: str, level: str) -> str:
    return str(LEVEL_LABELS.get(variable, {}).get(level, level))


def comparison_table(*, run: ClusteringRun) -> tuple[list, list[dict]]:
    phenotypes = list(run.phenotypes.order_by("stable_id"))
    mark = get_format("DECIMAL_SEPARATOR")

    def num(value: float) -> str:
        return f"{value:.3g}".replace(".", mark)

    # "[1,2; 1,4]" where the decimal mark is a comma, "[1.2, 1.4]" otherwise.
    gap = ";\u00a0" if mark == "," else ",\u00a0"
    rows = []
    for c in run.comparisons.order_by("order"):
        cells = []
        for p in phenotypes:
            s = c.summaries.get(str(p.stable_id), {})
            # No-break spaces keep "[Q1, Q3]" and "RRMS 34 (58 %)" whole when a cell wraps.
            if c.kind == ComparisonKind.CONTINUOUS:
                cells.append(
                    f"{num(s['median'])} [{num(s['q1'])}{gap}{num(s['q3'])}]"
                    if s.get("median") is not None
                    else "—"
                )
            else:
                counts, pct = s.get("counts", {}), s.get("percent", {})
                cells.append(
                    "\n".join(
                        f"{level_label(c.variable, k)}\u00a0{n}\u00a0({pct.get(k, 0):.0f}\u00a0%)"
                        for k, n in counts.items()
                    )
                )
        rows.append({"row": c, "label": variable_label(c.variable), "cells": cells})
    return phenotypes, rows


def recent_runs(limit: int = 20):
    return ClusteringRun.objects.select_related("triggered_by").annotate(
        n_phenotypes=Count("phenotypes")
    )[:limit]


def visible_counts(*, user) -> dict:
    """Patients, visits and patients with open data-quality flags that the user may
    see, in one pass over the summary rows (one narrow row per patient), not over
    every visit and gait session."""
    return PatientSummary.objects.for_user(user).aggregate(
        patients=Count("pk"),
        visits=Coalesce(Sum("n_visits"), 0),
        flagged=Count("pk", filter=Q(has_flags=True)),
    )


PCA_POINT_LIMIT = 3000
LABELLED_LOADINGS = 5


def pca_points(*, run: ClusteringRun, user, limit: int | None = None) -> dict:
    """PC1 x PC2 of the run's analysed visits that the user may see, coloured by
    phenotype, from the scores stored at publish. Above `limit` points an evenly spread
    sample (every n-th assignment) is returned, and the answer says so. Loadings come
    with the factor that scales the longest arrow to 80 % of the points' reach, and the
    names of the longest ones to label in the plot (the rest are listed beside it)."""
    limit = limit or PCA_POINT_LIMIT
    rows = run.assignments.for_user(user).filter(provisional=False, pc1__isnull=False)
    total = rows.count()
    step = max(1, -(-total // limit))
    if step > 1:
        rows = rows.annotate(bucket=F("id") % step).filter(bucket=0)
    points = list(rows.values_list("phenotype_id", "pc1", "pc2", "patient__patient_id"))
    stable = dict(run.phenotypes.values_list("pk", "stable_id"))
    names = dict(run.phenotypes.values_list("stable_id", "name"))
    series: dict[int, dict] = {}
    reach = 0.0
    for phenotype_id, x, y, code in points:
        s = series.setdefault(stable[phenotype_id], {"x": [], "y": [], "text": []})
        y = y if y is not None else 0.0
        s["x"].append(round(x, 4))
        s["y"].append(round(y, 4))
        s["text"].append(code)
        reach = max(reach, (x * x + y * y) ** 0.5)
    loadings = {
        f: [v[0], v[1] if len(v) > 1 else 0.0]
        for f, v in (run.pca.get("loadings") or {}).items()
        if v
    }
    lengths = {f: (a * a + b * b) ** 0.5 for f, (a, b) in loadings.items()}
    longest = max(lengths.values(), default=0.0)
    return {
        "series": [
            {"id": k, "name": f"{k} {phenotype_name(names.get(k, ''))}", **v}
            for k, v in sorted(series.items())
        ],
        "total": total,
        "shown": len(points),
        "step": step,
        "loadings": loadings,
        "loading_scale": round(0.8 * reach / longest, 4) if longest and reach else 1.0,
        "labelled": sorted(lengths, key=lambda f: -lengths[f])[:LABELLED_LOADINGS],
        "labels": {f: variable_label(f) for f in loadings},
        "explained": (run.pca.get("explained_variance") or [])[:2],
    }


def pca_loadings(*, run: ClusteringRun) -> list[dict]:
    """The loadings table shown beside the scatter, longest arrows first."""
    rows = []
    for feature, values in (run.pca.get("loadings") or {}).items():
        pc1 = values[0] if values else None
        pc2 = values[1] if len(values) > 1 else None
        rows.append({"feature": variable_label(feature), "pc1": pc1, "pc2": pc2})
    return sorted(rows, key=lambda r: -((r["pc1"] or 0) ** 2 + (r["pc2"] or 0) ** 2))


def phenotype_profiles(*, run: ClusteringRun) -> dict:
    phenotypes = list(run.phenotypes.order_by("stable_id"))
    features = list(phenotypes[0].profile) if phenotypes else []
    return {
        "features": features,
        "labels": {f: variable_label(f) for f in features},
        "series": [
            {
                "name": f"{p.stable_id} {phenotype_name(p.name)}",
                "z": [p.profile[f] for f in features],
            }
            for p in phenotypes
        ],
    }


def profile_rows(*, profiles: dict) -> list[dict]:
    """The profile plot's numbers as table rows (one per feature), its text alternative."""
    return [
        {"feature": profiles["labels"][feature], "values": [s["z"][i] for s in profiles["series"]]}
        for i, feature in enumerate(profiles["features"])
    ]


# What a person reads for each measure (the keys stay the same in every language).
SERIES_LABELS = {
    "gait speed (m/s)": gettext_lazy("Gait speed (m/s)"),
    "EDSS": gettext_lazy("EDSS"),
    "BPF": gettext_lazy("BPF"),
    "T2 lesion volume (ml)": gettext_lazy("T2 lesion volume (ml)"),
}
# Per measure: bounds of its scale and the narrowest y span worth showing.
SERIES_SCALES = {
    "gait speed (m/s)": {"floor": 0.0, "ceiling": 3.0, "min_span": 0.4},
    "EDSS": {"floor": 0.0, "ceiling": 10.0, "min_span": 2.0},
    "BPF": {"floor": 0.5, "ceiling": 1.0, "min_span": 0.04},
    "T2 lesion volume (ml)": {"floor": 0.0, "ceiling": 300.0, "min_span": 5.0},
}


def patient_series(*, patient: Patient, timeline: list[dict]) -> dict:
    """Values over time: gait and EDSS at visits, MRI measures at their own scan dates;
    each with a y range that suits its scale and an x range of at least a year."""
    from analytics.charts import date_range, value_range

    def at_visits(pick):
        return [(row["visit"].visit_date, pick(row)) for row in timeline if pick(row) is not None]

    scans = list(
        patient.mri_scans.order_by("scan_date").values_list(
            "scan_date", "brain_parenchymal_fraction", "t2_lesion_volume_ml"
        )
    )

    def at_scans(index):
        return [(s[0], s[index]) for s in scans if s[index] is not None]

    raw = {
        "gait speed (m/s)": at_visits(lambda r: r["gait"].velocity_m_s if r["gait"] else None),
        "EDSS": at_visits(lambda r: r["visit"].edss),
        "BPF": at_scans(1),
        "T2 lesion volume (ml)": at_scans(2),
    }
    series = {}
    for name, points in raw.items():
        days = date_range([d for d, _ in points]) if points else None
        series[name] = {
            "label": str(SERIES_LABELS[name]),
            "points": [{"date": d.isoformat(), "value": v} for d, v in points],
            "y_range": value_range([v for _, v in points], **SERIES_SCALES[name]),
            "x_range": [days[0].isoformat(), days[1].isoformat()] if days else None,
        }
    return series


def transitions(*, run: ClusteringRun, user) -> dict:
    """How many patients moved from phenotype i to j between consecutive analysed
    visits of this run (its own labels and provisional ones), for visible patients.
    Only patients with two or more labels in the run are read (none, for a run of one
    visit per patient without provisional labels), not every assignment: exactly the
    patients with a label not marked `latest` (each labelled patient has one that is),
    found by a partial index on those labels."""
    several = run.assignments.filter(latest=False).order_by().values("patient_id")
    rows = (
        run.assignments.for_user(user)
        .filter(patient_id__in=several)
        .order_by("patient_id", "visit__visit_date")
        .values_list("patient_id", "phenotype__stable_id")
    )
    counts: dict[tuple[int, int], int] = {}
    patients_with_pairs, previous = set(), (None, None)
    for patient, stable_id in rows:
        if patient == previous[0]:
            counts[(previous[1], stable_id)] = counts.get((previous[1], stable_id), 0) + 1
            patients_with_pairs.add(patient)
        previous = (patient, stable_id)
    ids = list(run.phenotypes.order_by("stable_id").values_list("stable_id", "name"))
    matrix = [
        {"from": f"{i} {phenotype_name(name)}", "cells": [counts.get((i, j), 0) for j, _ in ids]}
        for i, name in ids
    ]
    return {"ids": ids, "matrix": matrix, "patients": len(patients_with_pairs)}


def run_agreement(*, run: ClusteringRun, other: ClusteringRun) -> dict:
    """Adjusted Rand index between two runs on the patients both analysed (each
    patient's latest analysed visit in each run)."""
    from sklearn.metrics import adjusted_rand_score

    def labels(r):
        out = {}
        for patient, stable_id in (
            r.assignments.filter(provisional=False)
            .order_by("visit__visit_date")
            .values_list("patient_id", "phenotype__stable_id")
        ):
            out[patient] = stable_id
        return out

    a, b = labels(run), labels(other)
    shared = sorted(set(a) & set(b))
    if len(shared) < 2:
        return {"shared": len(shared), "ari": None}
    ari = adjusted_rand_score([a[p] for p in shared], [b[p] for p in shared])
    return {"shared": len(shared), "ari": float(ari)}

"""CSV exports of a run: the cohort file of the data dictionary and the comparisons."""

from __future__ import annotations

import csv
from typing import TextIO

from analytics.engine.comparisons import CATEGORICAL, CONTINUOUS
from analytics.features import cohort_frame
from analytics.models import ClusteringRun, ComparisonKind, PhenotypeAssignment, RunStatus
from registry.models import GAIT_FIELDS
from registry.spreadsheets import csv_cell, spreadsheet_safe

# The clustering features and the comparison variables, in the data dictionary's units.
COHORT_EXTRA = [v for v in CONTINUOUS + CATEGORICAL if v not in GAIT_FIELDS]
COHORT_COLUMNS = [
    "patient_id",
    "center",
    "visit_date",
    "phenotype_id",
    "phenotype_name",
    "distance_to_centroid",
    *GAIT_FIELDS,
    *COHORT_EXTRA,
]


def run_for_export(run_id: int | None) -> ClusteringRun:
    if run_id is None:
        run = ClusteringRun.objects.current()
        if run is None:
            raise ClusteringRun.DoesNotExist("no succeeded run yet; run `recluster` first")
        return run
    run = ClusteringRun.objects.filter(pk=run_id).first()
    if run is None:
        raise ClusteringRun.DoesNotExist(f"run {run_id} does not exist")
    if run.status != RunStatus.SUCCEEDED:
        raise ClusteringRun.DoesNotExist(f"run {run_id} has status {run.status}, no results")
    return run


def _cell(value) -> str:
    # Derived statistics to six places; `_exact` keeps a p-value's full precision.
    return csv_cell(value, digits=6)


def cohort_csv_write(*, run: ClusteringRun, out: TextIO, user=None) -> int:
    assignments = PhenotypeAssignment.objects.filter(run=run, provisional=False)
    if user is not None:
        assignments = assignments.for_user(user)
    by_visit = {
        visit_id: (stable_id, name, distance)
        for visit_id, stable_id, name, distance in assignments.values_list(
            "visit_id", "phenotype__stable_id", "phenotype__name", "distance"
        )
    }
    frame = cohort_frame(visit_choice="all", mri_window_days=run.mri_window_days).frame
    frame = frame[frame["visit_id"].isin(by_visit.keys())]
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COHORT_COLUMNS)
    for row in frame.to_dict("records"):
        stable_id, name, distance = by_visit[row["visit_id"]]
        row.update(phenotype_id=stable_id, phenotype_name=name, distance_to_centroid=distance)
        row["visit_date"] = row["visit_date"].isoformat()
        writer.writerow([_cell(row.get(column)) for column in COHORT_COLUMNS])
    return len(frame)


COMPARISON_COLUMNS = [
    "variable",
    "kind",
    "inferential",
    "test",
    "statistic",
    "df",
    "p_value",
    "p_floor",
    "p_method",
    "asymptotic_p",
    "sparse",
    "p_adjusted",
    "adjust_method",
    "effect_size",
    "effect_size_name",
]


def _exact(value) -> str:
    """Full precision: a p-value of 6.47e-159 is written as such, never rounded to 0."""
    return csv_cell(value)


def _pairs_text(posthoc: list[dict]) -> str:
    """Dunn's post-hoc pairs with Holm-adjusted p, full precision; '<' marks a floor."""
    return "; ".join(
        f"{pair['a']} vs {pair['b']}: {'<' if pair.get('p_floor') else ''}"
        f"{_exact(float(pair['p_adjusted']))}"
        for pair in posthoc
    )


def _summary_text(kind: str, summary: dict) -> str:
    if not summary:
        return ""
    if kind == ComparisonKind.CONTINUOUS:
        if summary.get("median") is None:
            return f"n={summary.get('n', 0)}"
        return (
            f"{summary['median']:.3g} [{summary['q1']:.3g}, {summary['q3']:.3g}] (n={summary['n']})"
        )
    counts, percent = summary.get("counts", {}), summary.get("percent", {})
    return "; ".join(f"{level}: {n} ({percent.get(level, 0):.1f} %)" for level, n in counts.items())


def comparisons_csv_write(*, run: ClusteringRun, out: TextIO) -> int:
    phenotypes = list(run.phenotypes.order_by("stable_id").values_list("stable_id", "name"))
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        [
            *COMPARISON_COLUMNS,
            "adjusted_family",
            "posthoc_dunn_holm",
            "note",
            *(spreadsheet_safe(f"phenotype_{sid} {name}") for sid, name in phenotypes),
        ]
    )
    rows = run.comparisons.order_by("order")
    for row in rows:
        writer.writerow(
            [
                *(_exact(getattr(row, column)) for column in COMPARISON_COLUMNS),
                (run.comparison_scope or "all tested variables") if row.inferential else "",
                spreadsheet_safe(_pairs_text(row.posthoc)),
                spreadsheet_safe(row.note),
                *(
                    spreadsheet_safe(_summary_text(row.kind, row.summaries.get(str(sid), {})))
                    for sid, _ in phenotypes
                ),
            ]
        )
    return len(rows)

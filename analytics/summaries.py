"""Keeps `PatientSummary` (one indexed row per patient for the patient list) in step
with the clinical tables; see the model's docstring for when."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection

from analytics import answer_cache
from analytics.models import PatientSummary

COLUMNS = (
    "patient_id",
    "patient_code",
    "center_id",
    "center_code",
    "n_visits",
    "latest_visit_date",
    "latest_course",
    "latest_edss",
    "has_flags",
)

# One statement for any number of patients: a window function picks each patient's
# latest visit, and an upsert writes the rows. Standard SQL that PostgreSQL and SQLite
# (3.25+) both run.
_REFRESH = """
WITH visits AS (
    SELECT v.patient_id, v.visit_date, v.disease_course, v.edss,
           COUNT(*) OVER (PARTITION BY v.patient_id) AS n,
           ROW_NUMBER() OVER (PARTITION BY v.patient_id ORDER BY v.visit_date DESC) AS rn
    FROM registry_visit v WHERE {visit_filter}
), flagged AS (
    SELECT v.patient_id FROM registry_gaitsession g
    JOIN registry_visit v ON v.id = g.visit_id
    WHERE {gait_filter} AND {nonempty_gait}
    UNION
    SELECT m.patient_id FROM registry_mriscan m WHERE {mri_filter} AND {nonempty_mri}
)
INSERT INTO analytics_patientsummary ({columns})
SELECT p.id, p.patient_id, p.center_id, c.code, COALESCE(lv.n, 0), lv.visit_date,
       COALESCE(lv.disease_course, ''), lv.edss,
       CASE WHEN f.patient_id IS NULL THEN {false} ELSE {true} END
FROM registry_patient p
JOIN registry_center c ON c.id = p.center_id
LEFT JOIN visits lv ON lv.patient_id = p.id AND lv.rn = 1
LEFT JOIN (SELECT DISTINCT patient_id FROM flagged) f ON f.patient_id = p.id
WHERE {patient_filter}
ON CONFLICT (patient_id) DO UPDATE SET {updates}
"""


def _open_flags(alias: str, ack_column: str) -> str:
    """SQL: the record `alias` has a flag that no acknowledgement of the same rule and
    the same text (the same numbers) covers; acknowledged flags do not count."""
    if connection.vendor == "postgresql":
        elements, rule, message = (
            f"jsonb_array_elements({alias}.quality_flags) AS e(flag)",
            "e.flag->>'rule'",
            "e.flag->>'message'",
        )
    else:
        elements, rule, message = (
            f"json_each({alias}.quality_flags) AS e",
            "json_extract(e.value, '$.rule')",
            "json_extract(e.value, '$.message')",
        )
    return (
        f"EXISTS (SELECT 1 FROM {elements} WHERE NOT EXISTS ("
        f"SELECT 1 FROM registry_flagacknowledgement k WHERE k.{ack_column} = {alias}.id "
        f"AND k.rule = {rule} AND k.message = {message}))"
    )


def patient_summaries_refresh(*, patient_ids: Iterable[int] | None = None) -> None:
    """Rewrite the summary rows of these patients (all patients when None) from the
    clinical tables."""
    ids = None if patient_ids is None else sorted({int(i) for i in patient_ids})
    if ids == []:
        return
    if ids is None:
        where = dict.fromkeys(("visit", "gait", "mri", "patient"), "1 = 1")
        id_params: list[int] = []
    else:
        marks = ", ".join(["%s"] * len(ids))
        where = {
            "visit": f"v.patient_id IN ({marks})",
            "gait": f"v.patient_id IN ({marks})",
            "mri": f"m.patient_id IN ({marks})",
            "patient": f"p.id IN ({marks})",
        }
        id_params = ids
    truth = ("TRUE", "FALSE") if connection.vendor == "postgresql" else ("1", "0")
    sql = _REFRESH.format(
        visit_filter=where["visit"],
        gait_filter=where["gait"],
        mri_filter=where["mri"],
        patient_filter=where["patient"],
        nonempty_gait=_open_flags("g", "gait_session_id"),
        nonempty_mri=_open_flags("m", "mri_scan_id"),
        true=truth[0],
        false=truth[1],
        columns=", ".join(COLUMNS),
        updates=", ".join(f"{c} = excluded.{c}" for c in COLUMNS[1:]),
    )
    params = id_params * 4
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
    answer_cache.records_changed()


def center_code_refresh(*, center_id: int, code: str) -> None:
    PatientSummary.objects.filter(center_id=center_id).exclude(center_code=code).update(
        center_code=code
    )

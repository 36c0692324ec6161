"""The one bridge from the registry's tables to the engine's DataFrame.

Three SQL queries, however many patients: the comfortable gait sessions joined to their
visit, already reduced to one visit per patient in the database (DISTINCT ON on
PostgreSQL, a window function elsewhere); the patients with their centre; the MRI scans.
On PostgreSQL each query is streamed with COPY ... TO STDOUT as CSV straight into
pandas; no ORM objects and no per-row Python, so a million gait sessions fit in a few
hundred megabytes of columns.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
import pandas as pd
from django.db import connection

from registry.models import GAIT_FIELDS, Condition, Visit
from registry.rules import MRI_WINDOW_DAYS

CHUNK = 20_000
MRI_COLUMNS = [
    "t2_lesion_volume_ml",
    "t2_lesion_count",
    "brain_parenchymal_fraction",
    "grey_matter_fraction",
]
# The walks with their visit's columns, one row per chosen visit; each patient's own
# columns are read by a second, small query and joined in pandas (joining them in the
# database would carry them through the sort that picks one visit per patient).
_GAIT_SELECT = {
    "visit_id": "g.visit_id",
    "patient_pk": "v.patient_id",
    "visit_date": "v.visit_date",
    **{name: f"g.{name}" for name in GAIT_FIELDS},
    "edss": "v.edss",
    "msws12": "v.msws12",
    "t25fw_s": "v.t25fw_s",
    "walking_aid": "v.walking_aid",
    "disease_course": "v.disease_course",
}
_PATIENT_SELECT = {
    "patient_pk": "p.id",
    "patient_id": "p.patient_id",
    "center": "c.code",
    "sex": "p.sex",
    "birth_year": "p.birth_year",
    "onset_year": "p.onset_year",
}
# The frame's column order, as the engine and the exports have always seen it.
_COLUMNS = [
    "visit_id",
    "patient_pk",
    "patient_id",
    "center",
    "visit_date",
    *GAIT_FIELDS,
    "edss",
    "msws12",
    "t25fw_s",
    "walking_aid",
    "disease_course",
    "sex",
    "birth_year",
    "onset_year",
]
_TEXT_COLUMNS = ("patient_id", "center", "walking_aid", "disease_course", "sex")
_GAIT_FROM = (
    "FROM registry_gaitsession g JOIN registry_visit v ON v.id = g.visit_id WHERE g.condition = %s"
)


@dataclass(frozen=True)
class CohortFrame:
    frame: pd.DataFrame
    n_visits_with_gait: int
    n_without_mri: int
    visit_choice: str
    mri_window_days: int


def _ids_clause(column: str, patient_ids) -> tuple[str, list]:
    if patient_ids is None:
        return "", []
    ids = [int(i) for i in patient_ids]
    if not ids:
        return " AND 1 = 0", []
    return f" AND {column} IN ({', '.join(['%s'] * len(ids))})", ids


def read_frame(sql: str, params: list, columns: list[str], text=()) -> pd.DataFrame:
    """Run one SELECT and return its rows as a DataFrame of these column names (COPY on
    PostgreSQL; fetchmany in chunks elsewhere); `text` columns stay strings."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            buffer = io.BytesIO()  # bytes straight to the CSV parser, no decoding in between
            statement = cursor.mogrify(sql, params).decode()
            cursor.copy_expert(f"COPY ({statement}) TO STDOUT WITH (FORMAT csv)", buffer)
            buffer.seek(0)
            if not buffer.getvalue():
                return pd.DataFrame(columns=columns)
            return pd.read_csv(
                buffer,
                header=None,
                names=columns,
                keep_default_na=False,
                na_values=[""],
                dtype=dict.fromkeys(text, str),
            )
        cursor.execute(sql, params)
        chunks = []
        while rows := cursor.fetchmany(CHUNK):
            chunks.append(pd.DataFrame.from_records(rows, columns=columns))
    if not chunks:
        return pd.DataFrame(columns=columns)
    return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]


def _gait_sql(visit_choice: str, patient_ids) -> tuple[str, list]:
    select = ", ".join(f"{expr} AS {name}" for name, expr in _GAIT_SELECT.items())
    ids, params = _ids_clause("v.patient_id", patient_ids)
    where = f"{_GAIT_FROM}{ids}"
    # The count of every comfortable walk rides along as a scalar subquery (evaluated
    # once), so that the cohort's size needs no second query and no window over every
    # row before one visit per patient is kept.
    counted = "registry_gaitsession g"
    if patient_ids is not None:
        counted += " JOIN registry_visit v ON v.id = g.visit_id"
    total = f"(SELECT COUNT(*) FROM {counted} WHERE g.condition = %s{ids}) AS n_all"
    params = [Condition.COMFORTABLE.value, *params, Condition.COMFORTABLE.value, *params]
    if visit_choice == "all":
        return f"SELECT {select}, {total} {where}", params
    direction = "DESC" if visit_choice == "latest" else "ASC"
    if connection.vendor == "postgresql":
        sql = (
            f"SELECT DISTINCT ON (v.patient_id) {select}, {total} {where} "
            f"ORDER BY v.patient_id, v.visit_date {direction}"
        )
    else:
        names = ", ".join(_GAIT_SELECT)
        sql = (
            f"SELECT {names}, n_all FROM (SELECT {select}, {total}, ROW_NUMBER() OVER "
            f"(PARTITION BY v.patient_id ORDER BY v.visit_date {direction}) AS rn {where}) "
            "WHERE rn = 1"
        )
    return sql, params


def patient_rows(*, patient_ids=None) -> pd.DataFrame:
    """Each patient's pseudonym, centre code, sex and years, by patient key."""
    select = ", ".join(f"{expr} AS {name}" for name, expr in _PATIENT_SELECT.items())
    ids, params = _ids_clause("p.id", patient_ids)
    sql = (
        f"SELECT {select} FROM registry_patient p JOIN registry_center c ON c.id = p.center_id "
        f"WHERE 1 = 1{ids}"
    )
    text = [name for name in _TEXT_COLUMNS if name in _PATIENT_SELECT]
    return read_frame(sql, params, list(_PATIENT_SELECT), text=text)


def gait_rows(*, visit_choice: str = "all", patient_ids=None) -> tuple[pd.DataFrame, int]:
    """The comfortable-speed gait sessions of the chosen visits, and how many
    comfortable-speed sessions there are over all visits."""
    sql, params = _gait_sql(visit_choice, patient_ids)
    text = [name for name in _TEXT_COLUMNS if name in _GAIT_SELECT]
    walks = read_frame(sql, params, [*_GAIT_SELECT, "n_all"], text=text)
    n_all = int(walks["n_all"].iloc[0]) if len(walks) else 0
    walks = walks.drop(columns="n_all")
    patients = patient_rows(patient_ids=patient_ids)
    walks["patient_pk"] = walks["patient_pk"].astype("int64")
    patients["patient_pk"] = patients["patient_pk"].astype("int64")
    frame = walks.merge(patients, on="patient_pk", how="inner", sort=False, validate="m:1")
    frame = frame[_COLUMNS]
    frame["visit_date"] = pd.to_datetime(frame["visit_date"]).astype("datetime64[ns]")
    frame["visit_id"] = frame["visit_id"].astype("int64")
    for name in [*GAIT_FIELDS, "edss", "msws12", "t25fw_s"]:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    for name in _TEXT_COLUMNS:
        column = frame[name].astype(object)
        frame[name] = column.where(column.notna(), None)
    return frame, n_all


def mri_rows(*, patient_ids=None) -> pd.DataFrame:
    ids, params = _ids_clause("m.patient_id", patient_ids)
    columns = ["patient_pk", "scan_date", *MRI_COLUMNS]
    select = ", ".join(f"m.{name}" for name in ["patient_id", "scan_date", *MRI_COLUMNS])
    frame = read_frame(f"SELECT {select} FROM registry_mriscan m WHERE 1 = 1{ids}", params, columns)
    frame["scan_date"] = pd.to_datetime(frame["scan_date"]).astype("datetime64[ns]")
    frame["patient_pk"] = frame["patient_pk"].astype("int64")
    for name in MRI_COLUMNS:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return frame


# Days fit in the low bits of one sortable int64 key per (patient, date).
_DAY_BITS = 22
_DAY_OFFSET = 1 << (_DAY_BITS - 1)


def _day_keys(patient_pk: pd.Series, dates: pd.Series) -> np.ndarray:
    days = dates.to_numpy(dtype="datetime64[D]").astype("int64") + _DAY_OFFSET
    return (patient_pk.to_numpy(dtype="int64") << _DAY_BITS) | days


def pair_nearest_mri(visits: pd.DataFrame, scans: pd.DataFrame, window_days: int) -> pd.DataFrame:
    """Attach to each visit the patient's scan nearest in time within ±window_days (of
    two equally near, the earlier one), keeping the visits' order.

    One sorted int64 key per (patient, date) and a binary search per visit: the scans
    just before and just after the visit date are the only candidates."""
    scans = scans.dropna(subset=["scan_date"])
    keys = _day_keys(scans["patient_pk"], scans["scan_date"])
    order = np.argsort(keys, kind="stable")
    keys = keys[order]
    wanted = _day_keys(visits["patient_pk"], visits["visit_date"])
    after = np.searchsorted(keys, wanted, side="right")  # first scan later than the visit
    n = len(keys)
    far = np.iinfo("int64").max
    # A sentinel past the end stands for "no scan on that side"; it belongs to no patient.
    padded = np.append(keys, far)
    before = np.where(after > 0, after - 1, n)  # the last scan on or before the visit date
    patient = wanted >> _DAY_BITS
    gap_before = np.where((padded[before] >> _DAY_BITS) == patient, wanted - padded[before], far)
    gap_after = np.where((padded[after] >> _DAY_BITS) == patient, padded[after] - wanted, far)
    use_before = gap_before <= gap_after
    chosen = np.where(use_before, before, after)
    gap = np.where(use_before, gap_before, gap_after)
    found = gap <= window_days
    rows = order[chosen[found]]
    paired = visits.copy()
    dates = np.full(len(visits), np.datetime64("NaT"), dtype="datetime64[ns]")
    dates[found] = scans["scan_date"].to_numpy(dtype="datetime64[ns]")[rows]
    paired["mri_scan_date"] = dates
    for name in MRI_COLUMNS:
        values = np.full(len(visits), np.nan)
        values[found] = scans[name].to_numpy(dtype="float64")[rows]
        paired[name] = values
    return paired


def cohort_frame(
    *, visit_choice: str = "latest", mri_window_days: int = MRI_WINDOW_DAYS, patient_ids=None
) -> CohortFrame:
    chosen, n_visits = gait_rows(visit_choice=visit_choice, patient_ids=patient_ids)
    scans = mri_rows(patient_ids=patient_ids)
    frame = pair_nearest_mri(chosen, scans, mri_window_days)
    years = frame["visit_date"].dt.year
    frame["age_years"] = (years - frame["birth_year"]).astype("float64")
    frame["disease_duration_years"] = (years - frame["onset_year"].astype("float64")).astype(
        "float64"
    )
    frame["progressive"] = frame["disease_course"].isin([c.value for c in Visit.PROGRESSIVE])
    frame["visit_date"] = frame["visit_date"].dt.date
    frame["mri_scan_date"] = frame["mri_scan_date"].dt.date
    frame = frame.sort_values(["patient_id", "visit_date"], kind="stable").reset_index(drop=True)
    n_without = int(frame["mri_scan_date"].isna().sum())
    return CohortFrame(
        frame=frame,
        n_visits_with_gait=n_visits,
        n_without_mri=n_without,
        visit_choice=visit_choice,
        mri_window_days=mri_window_days,
    )

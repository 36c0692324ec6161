"""The one bridge from the registry's tables to the engine's DataFrame.

One query per table (gait sessions joined to their visit and patient; MRI scans), read
as plain tuples in chunks, never as ORM objects, so a million gait sessions fit in a
few hundred megabytes of columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from registry.models import GAIT_FIELDS, GaitSession, MriScan

CHUNK = 20_000
MRI_COLUMNS = [
    "t2_lesion_volume_ml",
    "t2_lesion_count",
    "brain_parenchymal_fraction",
    "grey_matter_fraction",
]
_GAIT_QUERY = {
    "visit_id": "visit_id",
    "patient_pk": "visit__patient_id",
    "patient_id": "visit__patient__patient_id",
    "center": "visit__patient__center__code",
    "visit_date": "visit__visit_date",
    **{name: name for name in GAIT_FIELDS},
    "edss": "visit__edss",
    "msws12": "visit__msws12",
    "t25fw_s": "visit__t25fw_s",
    "walking_aid": "visit__walking_aid",
    "disease_course": "visit__disease_course",
    "sex": "visit__patient__sex",
    "birth_year": "visit__patient__birth_year",
    "onset_year": "visit__patient__onset_year",
}


@dataclass(frozen=True)
class CohortFrame:
    frame: pd.DataFrame
    n_visits_with_gait: int
    n_without_mri: int
    visit_choice: str
    mri_window_days: int


def _read(queryset, fields: list[str], columns: list[str]) -> pd.DataFrame:
    chunks, buffer = [], []
    for row in queryset.values_list(*fields).iterator(chunk_size=CHUNK):
        buffer.append(row)
        if len(buffer) >= CHUNK:
            chunks.append(pd.DataFrame.from_records(buffer, columns=columns))
            buffer = []
    if buffer or not chunks:
        chunks.append(pd.DataFrame.from_records(buffer, columns=columns))
    return pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]


def gait_rows(*, condition: str = "comfortable", patient_ids=None) -> pd.DataFrame:
    queryset = GaitSession.objects.filter(condition=condition)
    if patient_ids is not None:
        queryset = queryset.filter(visit__patient_id__in=patient_ids)
    queryset = queryset.order_by()
    frame = _read(queryset, list(_GAIT_QUERY.values()), list(_GAIT_QUERY))
    frame["visit_date"] = pd.to_datetime(frame["visit_date"]).astype("datetime64[ns]")
    frame["patient_pk"] = frame["patient_pk"].astype("int64")
    frame["visit_id"] = frame["visit_id"].astype("int64")
    for name in [*GAIT_FIELDS, "edss", "msws12", "t25fw_s"]:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return frame


def mri_rows(*, patient_ids=None) -> pd.DataFrame:
    queryset = MriScan.objects.order_by()
    if patient_ids is not None:
        queryset = queryset.filter(patient_id__in=patient_ids)
    columns = ["patient_pk", "scan_date", *MRI_COLUMNS]
    frame = _read(queryset, ["patient_id", "scan_date", *MRI_COLUMNS], columns)
    frame["scan_date"] = pd.to_datetime(frame["scan_date"]).astype("datetime64[ns]")
    frame["patient_pk"] = frame["patient_pk"].astype("int64")
    for name in MRI_COLUMNS:
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype("float64")
    return frame


def select_visits(frame: pd.DataFrame, visit_choice: str) -> pd.DataFrame:
    if visit_choice == "all":
        return frame
    ordered = frame.sort_values(["patient_pk", "visit_date"], kind="stable")
    keep = "last" if visit_choice == "latest" else "first"
    return ordered.drop_duplicates("patient_pk", keep=keep)


def pair_nearest_mri(visits: pd.DataFrame, scans: pd.DataFrame, window_days: int) -> pd.DataFrame:
    """Attach to each visit the patient's scan nearest in time within ±window_days."""
    left = visits.sort_values("visit_date", kind="stable").reset_index(drop=True)
    right = scans.dropna(subset=["scan_date"]).sort_values("scan_date", kind="stable")
    right = right.rename(columns={"scan_date": "mri_scan_date"})
    paired = pd.merge_asof(
        left,
        right,
        left_on="visit_date",
        right_on="mri_scan_date",
        by="patient_pk",
        direction="nearest",
        tolerance=pd.Timedelta(days=window_days),
    )
    return paired


def cohort_frame(
    *, visit_choice: str = "latest", mri_window_days: int = 180, patient_ids=None
) -> CohortFrame:
    gait = gait_rows(patient_ids=patient_ids)
    n_visits = len(gait)
    chosen = select_visits(gait, visit_choice)
    scans = mri_rows(patient_ids=patient_ids)
    frame = pair_nearest_mri(chosen, scans, mri_window_days)
    years = frame["visit_date"].dt.year
    frame["age_years"] = (years - frame["birth_year"]).astype("float64")
    frame["disease_duration_years"] = (years - frame["onset_year"].astype("float64")).astype(
        "float64"
    )
    frame["progressive"] = frame["disease_course"].isin(["SPMS", "PPMS"])
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

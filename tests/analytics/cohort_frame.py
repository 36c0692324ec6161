"""The engine's input frame built straight from the synthetic demo generator, no database:
the latest visit per patient with its comfortable-speed walk and the nearest MRI scan
within 180 days, plus the derived age, disease duration and progressive course."""

from __future__ import annotations

import pandas as pd

from registry.demo.generator import generate_demo_cohort

MRI_WINDOW_DAYS = 180


def demo_input_frame(
    *, n_patients: int = 1026, seed: int = 42, prefix: str = "DEMO-"
) -> pd.DataFrame:
    """One row per patient in the engine's input columns; `phenotype` is the truth."""
    cohort = generate_demo_cohort(n_patients=n_patients, seed=seed, prefix=prefix)
    gait = cohort.gait[cohort.gait["condition"] == "comfortable"].drop(
        columns=["condition", "device", "software_version"]
    )
    rows = (
        gait.merge(cohort.visits, on=["patient_id", "visit_date"])
        .merge(cohort.truth, on=["patient_id", "visit_date"])
        .merge(cohort.patients[["patient_id", "sex", "birth_year", "onset_year"]])
    )
    rows = rows.sort_values(["patient_id", "visit_date"]).drop_duplicates("patient_id", keep="last")
    rows["visit_date"] = pd.to_datetime(rows["visit_date"]).astype("datetime64[ns]")
    scans = cohort.mri.drop(columns=["field_strength_t", "software"]).copy()
    scans["scan_date"] = pd.to_datetime(scans["scan_date"]).astype("datetime64[ns]")
    rows = pd.merge_asof(
        rows.sort_values("visit_date"),
        scans.sort_values("scan_date"),
        left_on="visit_date",
        right_on="scan_date",
        by="patient_id",
        direction="nearest",
        tolerance=pd.Timedelta(days=MRI_WINDOW_DAYS),
    )
    year = rows["visit_date"].dt.year
    rows["age_years"] = year - rows["birth_year"]
    rows["disease_duration_years"] = year - rows["onset_year"]
    rows["progressive"] = rows["disease_course"].isin(["SPMS", "PPMS"])
    rows["visit_id"] = None  # not stored anywhere yet
    return rows.sort_values("patient_id").reset_index(drop=True)

"""The engine's input frame built straight from the synthetic generator (no database):
latest visit per patient with its comfortable walk and the nearest scan within 180 days."""

import pandas as pd

from registry.demo.generator import generate_demo_cohort


def demo_frame(n_patients: int = 1026, seed: int = 42) -> pd.DataFrame:
    c = generate_demo_cohort(n_patients=n_patients, seed=seed)
    gait = c.gait[c.gait["condition"] == "comfortable"]
    rows = gait.merge(c.visits, on=["patient_id", "visit_date"]).merge(c.truth)
    rows = rows.merge(c.patients, on="patient_id")
    rows = rows.sort_values("visit_date").drop_duplicates("patient_id", keep="last")
    rows["visit_date"] = pd.to_datetime(rows["visit_date"])
    scans = c.mri.copy()
    scans["scan_date"] = pd.to_datetime(scans["scan_date"])
    rows = pd.merge_asof(
        rows.sort_values("visit_date"),
        scans.sort_values("scan_date"),
        left_on="visit_date",
        right_on="scan_date",
        by="patient_id",
        direction="nearest",
        tolerance=pd.Timedelta(days=180),
    )
    years = rows["visit_date"].dt.year
    rows["age_years"] = years - rows["birth_year"]
    rows["disease_duration_years"] = years - rows["onset_year"]
    rows["progressive"] = rows["disease_course"].isin(["SPMS", "PPMS"])
    return rows.sort_values("patient_id").reset_index(drop=True)

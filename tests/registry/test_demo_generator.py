"""The pure synthetic-cohort generator: deterministic, inside every hard range, and
shaped like the archetypes (ranges written here from the data dictionary)."""

import numpy as np
import pandas as pd
import pytest

from registry.demo.generator import PAPER_SHARES, generate_demo_cohort, quota

HARD = {
    "gait": {
        "velocity_m_s": (0.05, 3.0),
        "cadence_steps_min": (20, 250),
        "step_length_m": (0.05, 1.2),
        "stride_length_m": (0.1, 2.4),
        "step_time_s": (0.2, 3.0),
        "stride_time_s": (0.4, 6.0),
        "swing_pct": (5, 60),
        "stance_pct": (40, 95),
        "double_support_pct": (0, 80),
        "base_of_support_m": (0, 0.5),
        "stride_length_cv_pct": (0, 100),
        "stride_time_cv_pct": (0, 100),
    },
    "visits": {"edss": (0, 10), "msws12": (0, 100), "t25fw_s": (1.0, 300.0)},
    "mri": {
        "field_strength_t": (0.5, 7.0),
        "t2_lesion_volume_ml": (0, 300),
        "t2_lesion_count": (0, 1000),
        "gd_enhancing_lesions": (0, 200),
        "brain_parenchymal_fraction": (0.5, 1.0),
        "grey_matter_fraction": (0.2, 0.7),
        "white_matter_fraction": (0.15, 0.6),
    },
}


@pytest.fixture(scope="module")
def cohort():
    return generate_demo_cohort(n_patients=1026, seed=42)


def _latest(cohort) -> pd.DataFrame:
    return cohort.truth.sort_values("visit_date").drop_duplicates("patient_id", keep="last")


def test_same_seed_gives_identical_frames_and_another_seed_differs(cohort):
    again = generate_demo_cohort(n_patients=1026, seed=42)
    for name in ("patients", "visits", "gait", "mri", "truth"):
        pd.testing.assert_frame_equal(getattr(cohort, name), getattr(again, name))
    other = generate_demo_cohort(n_patients=1026, seed=43)
    assert not cohort.gait["velocity_m_s"].equals(other.gait["velocity_m_s"])


def test_quota_rounding_adds_up_and_follows_the_paper():
    assert quota(PAPER_SHARES, 1026) == {1: 490, 2: 331, 3: 129, 4: 76}
    assert sum(quota(PAPER_SHARES, 7).values()) == 7


def test_latest_visit_phenotype_shares_match_the_paper(cohort):
    shares = _latest(cohort)["phenotype"].value_counts(normalize=True)
    for phenotype, share in PAPER_SHARES.items():
        assert abs(shares[phenotype] - share) <= 0.03


@pytest.mark.parametrize("table", ["gait", "visits", "mri"])
def test_every_value_is_inside_its_hard_range(cohort, table):
    frame = getattr(cohort, table)
    for column, (low, high) in HARD[table].items():
        values = frame[column].dropna()
        assert values.between(low, high).all(), column


def test_edss_is_on_the_legal_grid(cohort):
    grid = {0.0} | {x / 2 for x in range(2, 21)}
    assert set(cohort.visits["edss"].dropna()) <= grid
    assert 0.5 not in set(cohort.visits["edss"])


def test_required_values_are_never_missing(cohort):
    required = {
        "patients": ["patient_id", "center", "sex", "birth_year"],
        "visits": ["patient_id", "visit_date", "disease_course"],
        "gait": ["velocity_m_s", "cadence_steps_min", "step_length_m", "stride_length_m"],
        "mri": ["patient_id", "scan_date"],
    }
    for table, columns in required.items():
        assert not getattr(cohort, table)[columns].isna().any().any(), table


def test_natural_keys_are_unique(cohort):
    assert not cohort.visits.duplicated(["patient_id", "visit_date"]).any()
    assert not cohort.gait.duplicated(["patient_id", "visit_date", "condition"]).any()
    assert not cohort.mri.duplicated(["patient_id", "scan_date"]).any()
    assert cohort.patients["patient_id"].str.startswith("DEMO-").all()


def test_dates_are_fixed_and_in_the_past(cohort):
    assert cohort.visits["visit_date"].max().isoformat() <= "2025-06-30"
    assert cohort.mri["scan_date"].max().isoformat() <= "2025-06-30"
    merged = cohort.visits.merge(cohort.patients, on="patient_id")
    years = merged["visit_date"].map(lambda d: d.year)
    assert (years >= merged["birth_year"]).all()
    assert (merged["onset_year"] <= years).all()


def test_consistency_rules_hold_for_nearly_every_row(cohort):
    g = cohort.gait
    ok = (
        ((g["swing_pct"] + g["stance_pct"]) - 100).abs().le(3)
        & (g["stride_length_m"] / g["step_length_m"]).between(1.6, 2.4)
        & (g["velocity_m_s"] - g["stride_length_m"] * g["cadence_steps_min"] / 120)
        .abs()
        .le(0.2 * g["stride_length_m"] * g["cadence_steps_min"] / 120)
        & (g["stride_time_s"] - 120 / g["cadence_steps_min"])
        .abs()
        .le(0.15 * 120 / g["cadence_steps_min"])
    )
    assert ok.mean() > 0.95
    m = cohort.mri
    tissue = (
        m["grey_matter_fraction"] + m["white_matter_fraction"] - m["brain_parenchymal_fraction"]
    )
    assert tissue.abs().le(0.05).mean() > 0.95


def test_patients_only_drift_toward_worse_phenotypes(cohort):
    ordered = cohort.truth.sort_values(["patient_id", "visit_date"])
    steps = ordered.groupby("patient_id")["phenotype"].diff().dropna()
    assert (steps >= 0).all()
    assert (steps > 0).any()


def test_archetypes_differ_as_the_paper_describes(cohort):
    comfortable = cohort.gait[cohort.gait["condition"] == "comfortable"]
    g = comfortable.merge(cohort.truth, on=["patient_id", "visit_date"])
    med = g.groupby("phenotype").median(numeric_only=True)
    assert med.loc[1, "velocity_m_s"] > med.loc[2, "velocity_m_s"] > med.loc[4, "velocity_m_s"]
    assert abs(med.loc[2, "velocity_m_s"] - med.loc[3, "velocity_m_s"]) < 0.1
    assert med.loc[3, "cadence_steps_min"] > med.loc[2, "cadence_steps_min"]
    assert med.loc[3, "stride_length_m"] < med.loc[2, "stride_length_m"]
    assert med["stride_time_cv_pct"].idxmax() == 4
    assert med["stride_length_cv_pct"].idxmax() == 4
    assert np.isclose(g["velocity_m_s"].median(), 1.1, atol=0.2)


@pytest.mark.parametrize("n", [1, 7, 999, 30000])
def test_quota_never_exceeds_the_cohort_size(n):
    assert sum(quota(PAPER_SHARES, n).values()) == n

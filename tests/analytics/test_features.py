"""The registry-to-DataFrame bridge: which visit per patient, which MRI scan, how many
queries."""

import datetime

import pandas as pd
import pytest

from analytics.features import cohort_frame
from tests.factories import GaitSessionFactory, MriScanFactory, PatientFactory, VisitFactory

pytestmark = pytest.mark.django_db

D = datetime.date


@pytest.fixture
def patient_with_history():
    patient = PatientFactory(patient_id="SYN-HIST", birth_year=1970, onset_year=2000)
    for year, speed in [(2019, 1.3), (2021, 1.1), (2023, 0.9)]:
        visit = VisitFactory(patient=patient, visit_date=D(year, 5, 1), edss=2.0)
        GaitSessionFactory(visit=visit, velocity_m_s=speed)
    # A fast-condition walk at the latest visit must not replace the comfortable one.
    GaitSessionFactory(visit=visit, condition="fast", velocity_m_s=1.6)
    # A visit without any gait session is not analysable.
    VisitFactory(patient=patient, visit_date=D(2024, 5, 1))
    MriScanFactory(patient=patient, scan_date=D(2023, 1, 1), brain_parenchymal_fraction=0.81)
    MriScanFactory(patient=patient, scan_date=D(2023, 6, 1), brain_parenchymal_fraction=0.80)
    MriScanFactory(patient=patient, scan_date=D(2019, 1, 1), brain_parenchymal_fraction=0.84)
    return patient


def test_latest_visit_with_a_comfortable_walk_is_the_default(patient_with_history):
    cohort = cohort_frame()
    frame = cohort.frame
    assert len(frame) == 1
    row = frame.iloc[0]
    assert (row["visit_date"], row["velocity_m_s"]) == (D(2023, 5, 1), 0.9)
    assert cohort.n_visits_with_gait == 3


def test_first_and_all_visits_can_be_chosen(patient_with_history):
    assert cohort_frame(visit_choice="first").frame.iloc[0]["velocity_m_s"] == 1.3
    assert list(cohort_frame(visit_choice="all").frame["velocity_m_s"]) == [1.3, 1.1, 0.9]


def test_the_nearest_scan_inside_the_window_is_paired(patient_with_history):
    frame = cohort_frame(visit_choice="all").frame
    by_date = {row["visit_date"]: row for row in frame.to_dict("records")}
    assert by_date[D(2023, 5, 1)]["mri_scan_date"] == D(2023, 6, 1)
    assert by_date[D(2023, 5, 1)]["brain_parenchymal_fraction"] == 0.80
    assert by_date[D(2019, 5, 1)]["mri_scan_date"] == D(2019, 1, 1)


def test_visits_without_a_scan_in_the_window_are_counted(patient_with_history):
    cohort = cohort_frame(visit_choice="all", mri_window_days=100)
    assert cohort.n_without_mri == 2  # 2019 (120 days away) and 2021 (none)
    narrow = cohort.frame.set_index("visit_date")
    for unpaired in (D(2019, 5, 1), D(2021, 5, 1)):
        assert pd.isna(narrow.loc[unpaired, "mri_scan_date"]), unpaired
        assert pd.isna(narrow.loc[unpaired, "brain_parenchymal_fraction"]), unpaired
    # 31 days away: still paired inside the narrower window.
    assert narrow.loc[D(2023, 5, 1), "mri_scan_date"] == D(2023, 6, 1)
    assert narrow.loc[D(2023, 5, 1), "brain_parenchymal_fraction"] == 0.80


def test_derived_values_are_computed(patient_with_history):
    row = cohort_frame().frame.iloc[0]
    assert (row["age_years"], row["disease_duration_years"]) == (53, 23)
    assert row["progressive"] is False or not row["progressive"]
    assert row["center"].startswith("TST-")


def test_three_queries_however_many_patients(django_assert_num_queries):
    """The walks with their visits, the patients with their centres, the MRI scans."""
    for _ in range(30):
        gait = GaitSessionFactory()
        MriScanFactory(patient=gait.visit.patient)
    with django_assert_num_queries(3):
        cohort = cohort_frame()
    assert len(cohort.frame) == 30


def test_pseudonyms_that_look_like_numbers_stay_text_and_missing_values_are_none():
    gait = GaitSessionFactory(visit__patient__patient_id="00042", visit__walking_aid=None)
    row = cohort_frame().frame.iloc[0]
    assert row["patient_id"] == "00042"
    assert row["walking_aid"] is None
    assert row["visit_id"] == gait.visit_id


def test_each_patient_contributes_their_latest_visit_among_many_patients():
    latest = {}
    for n in range(5):
        patient = PatientFactory(patient_id=f"SYN-MANY{n}")
        for year in (2018, 2020 + n):
            walk = GaitSessionFactory(visit__patient=patient, visit__visit_date=D(year, 3, 1))
        latest[patient.patient_id] = walk.visit_id
    cohort = cohort_frame()
    assert dict(zip(cohort.frame["patient_id"], cohort.frame["visit_id"], strict=True)) == latest
    assert cohort.n_visits_with_gait == 10


def test_of_two_equally_near_scans_the_earlier_is_paired_and_the_window_edge_counts():
    patient = PatientFactory(patient_id="SYN-TIE")
    GaitSessionFactory(visit__patient=patient, visit__visit_date=D(2023, 5, 1))
    GaitSessionFactory(visit__patient=patient, visit__visit_date=D(2020, 5, 1))
    MriScanFactory(patient=patient, scan_date=D(2023, 4, 21), brain_parenchymal_fraction=0.81)
    MriScanFactory(patient=patient, scan_date=D(2023, 5, 11), brain_parenchymal_fraction=0.79)
    MriScanFactory(patient=patient, scan_date=D(2020, 5, 1) + datetime.timedelta(days=30))
    # Another patient's scan on the visit day itself is never paired.
    MriScanFactory(scan_date=D(2023, 5, 1))
    frame = cohort_frame(visit_choice="all", mri_window_days=30).frame
    by_date = {row["visit_date"]: row for row in frame.to_dict("records")}
    assert by_date[D(2023, 5, 1)]["mri_scan_date"] == D(2023, 4, 21)
    assert by_date[D(2023, 5, 1)]["brain_parenchymal_fraction"] == 0.81
    assert by_date[D(2020, 5, 1)]["mri_scan_date"] == D(2020, 5, 31)
    narrower = cohort_frame(visit_choice="all", mri_window_days=29).frame
    assert pd.isna(narrower.set_index("visit_date").loc[D(2020, 5, 1), "mri_scan_date"])

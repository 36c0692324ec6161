"""A deterministic, calibrated SYNTHETIC cohort of people with MS for demos and tests.

The four archetypes and their magnitudes are our own calibration (directions from
Inojosa et al. 2025; magnitudes from published MS gait literature), not the paper's
data. Gait variables are drawn coherently (stride = speed x 120 / cadence, and so on)
rather than independently. Every id carries a prefix (DEMO- by default).

Pure numpy/pandas: no Django, no clock, no global random state.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

import numpy as np
import pandas as pd

PAPER_SHARES = {1: 0.478, 2: 0.323, 3: 0.126, 4: 0.074}
PHENOTYPE_NAMES = {
    1: "faster stable",
    2: "slower stable",
    3: "moderately unstable",
    4: "slow severely unstable",
}
FIRST_DAY = datetime.date(2016, 1, 1)
LAST_DAY = datetime.date(2025, 6, 30)

# Per phenotype 1..4 (index 0..3): mean, sd.
CADENCE = ((115, 8), (105, 8), (122, 8), (85, 12))
STRIDE_LENGTH = ((1.40, 0.12), (1.20, 0.10), (0.98, 0.10), (0.78, 0.15))
DOUBLE_SUPPORT = ((20, 3), (24, 3), (26, 3), (35, 5))
BASE_OF_SUPPORT = ((0.09, 0.02), (0.10, 0.02), (0.12, 0.02), (0.15, 0.025))
STRIDE_LENGTH_CV = (2.5, 3.0, 5.5, 10.0)  # log-normal medians
STRIDE_TIME_CV = (2.0, 2.6, 4.5, 8.0)
EDSS = ((2.0, 0, 4), (3.0, 1, 5), (4.0, 2, 6), (6.0, 4, 7.5))  # median, min, max
PROGRESSIVE = (0.08, 0.15, 0.35, 0.60)
DURATION = (7, 10, 13, 18)
BPF = ((0.84, 0.02), (0.83, 0.02), (0.81, 0.02), (0.79, 0.02))
GMF = ((0.46, 0.015), (0.455, 0.015), (0.445, 0.015), (0.43, 0.015))
LESION_ML = (3, 5, 9, 14)  # log-normal medians
MSWS12 = ((10, 10), (25, 12), (45, 15), (75, 12))
WALKING_AID = (
    (0.97, 0.03, 0.0, 0.0),
    (0.85, 0.13, 0.02, 0.0),
    (0.60, 0.30, 0.10, 0.0),
    (0.15, 0.45, 0.35, 0.05),
)
AIDS = ("none", "unilateral", "bilateral", "wheelchair")
CENTERS = (("DEMO-A", 0.45), ("DEMO-B", 0.35), ("DEMO-C", 0.20))
EDSS_GRID = np.array([0.0] + [x / 2 for x in range(2, 21)])


@dataclass(frozen=True)
class DemoCohort:
    centers: pd.DataFrame
    patients: pd.DataFrame
    visits: pd.DataFrame
    gait: pd.DataFrame
    mri: pd.DataFrame
    truth: pd.DataFrame


def quota(shares: dict[int, float], n: int) -> dict[int, int]:
    """Largest-remainder rounding: counts that add up to n and follow the shares."""
    # The paper's published shares add up to 100.1 % (rounding), so normalise first.
    total = sum(shares.values())
    raw = {k: share / total * n for k, share in shares.items()}
    counts = {k: int(np.floor(v)) for k, v in raw.items()}
    by_remainder = sorted(raw, key=lambda k: (counts[k] - raw[k], k))
    for k in by_remainder[: n - sum(counts.values())]:
        counts[k] += 1
    return counts


def _draw(rng, table, phenotypes):
    index = phenotypes - 1
    means = np.array([row[0] for row in table])[index]
    sds = np.array([row[1] for row in table])[index]
    return rng.normal(means, sds)


def _snap_edss(values: np.ndarray) -> np.ndarray:
    nearest = np.abs(values[:, None] - EDSS_GRID[None, :]).argmin(axis=1)
    return EDSS_GRID[nearest]


def _visit_structure(rng, final: np.ndarray):
    """Per patient 1-5 yearly visits; earlier visits sometimes one phenotype milder."""
    n_visits = rng.integers(1, 6, size=len(final))
    span_days = (LAST_DAY - FIRST_DAY).days
    rows = []
    for i, (last_phenotype, count) in enumerate(zip(final, n_visits, strict=True)):
        earliest_last = (count - 1) * 380
        last_offset = int(rng.integers(earliest_last, span_days + 1))
        phenotype = int(last_phenotype)
        steps = []
        for back in range(count):
            if back > 0 and phenotype > 1 and rng.random() < 0.25:
                phenotype -= 1
            jitter = int(rng.integers(-20, 21)) if back > 0 else 0
            offset = max(0, last_offset - back * 365 + jitter)
            steps.append((offset, phenotype))
        for order, (offset, phenotype) in enumerate(reversed(steps)):
            rows.append((i, order, count, FIRST_DAY + datetime.timedelta(days=offset), phenotype))
    frame = pd.DataFrame(rows, columns=["patient", "order", "count", "visit_date", "phenotype"])
    return frame.drop_duplicates(["patient", "visit_date"]).reset_index(drop=True)


def generate_demo_cohort(*, n_patients: int = 1026, seed: int = 42, prefix: str = "DEMO-"):
    rng = np.random.default_rng(seed)
    counts = quota(PAPER_SHARES, n_patients)
    final = rng.permutation(np.repeat(list(counts), list(counts.values())))
    ids = np.array([f"{prefix}{i + 1:05d}" for i in range(n_patients)])

    visits = _visit_structure(rng, final)
    last_year = visits.groupby("patient")["visit_date"].max().map(lambda d: d.year).to_numpy()
    first_date = visits.groupby("patient")["visit_date"].min().to_numpy()

    # Demographics
    sex = rng.choice(["F", "M", "X"], size=n_patients, p=[0.70, 0.28, 0.02])
    age_at_last = np.clip(rng.normal(45, 11, n_patients), 20, 72)
    birth_year = np.clip(np.round(last_year - age_at_last), 1950, 2002).astype(int)
    duration = np.clip(rng.normal(np.array(DURATION)[final - 1], 4.0), 1, 45)
    onset_year = np.round(last_year - duration).astype(int)
    first_year = np.array([d.year for d in first_date])
    onset_year = np.clip(onset_year, birth_year + 12, first_year)
    diagnosis = []
    for onset, first in zip(onset_year, first_date, strict=True):
        start = datetime.date(int(onset), 1, 1)
        latest = first - datetime.timedelta(days=1)
        window = max(0, min((latest - start).days, 900))
        diagnosis.append(start + datetime.timedelta(days=int(rng.integers(0, window + 1))))
    center_codes = [code for code, _ in CENTERS]
    center = rng.choice(center_codes, size=n_patients, p=[share for _, share in CENTERS])
    patients = pd.DataFrame(
        {
            "patient_id": ids,
            "center": center,
            "sex": sex,
            "birth_year": birth_year,
            "onset_year": onset_year,
            "diagnosis_date": diagnosis,
        }
    )

    # Clinical scores per visit, from that visit's phenotype
    ph = visits["phenotype"].to_numpy()
    n = len(visits)
    pid = ids[visits["patient"].to_numpy()]
    edss_median = np.array([row[0] for row in EDSS])[ph - 1]
    edss_low = np.array([row[1] for row in EDSS])[ph - 1]
    edss_high = np.array([row[2] for row in EDSS])[ph - 1]
    edss = _snap_edss(
        np.clip(rng.normal(edss_median, (edss_high - edss_low) / 4), edss_low, edss_high)
    )
    # Cadence and stride length are drawn per the archetype table and speed follows
    # from them (v = stride x cadence / 120): its spread then matches the table too.
    cadence = np.clip(_draw(rng, CADENCE, ph), 50, 160)
    stride = np.clip(_draw(rng, STRIDE_LENGTH, ph), 0.3, 2.2)
    velocity = np.clip(stride * cadence / 120 * (1 + rng.normal(0, 0.02, n)), 0.1, 2.5)
    msws12 = np.clip(_draw(rng, MSWS12, ph), 0, 100)
    t25fw = np.clip(7.62 / velocity * 1.15 * np.exp(rng.normal(0, 0.08, n)), 1.0, 300.0)
    aid_cumulative = np.cumsum(np.array(WALKING_AID), axis=1)[ph - 1]
    aid = np.array(AIDS)[(rng.random(n)[:, None] > aid_cumulative).sum(axis=1).clip(0, 3)]

    # Disease course: PPMS from the start, or RRMS converting to SPMS; never back.
    progressive_patient = rng.random(n_patients) < np.array(PROGRESSIVE)[final - 1]
    primary = rng.random(n_patients) < 0.3
    convert_at = rng.integers(0, 5, size=n_patients)
    order = visits["order"].to_numpy()
    patient_index = visits["patient"].to_numpy()
    count = visits["count"].to_numpy()
    course = np.where(order == 0, np.where(rng.random(n) < 0.1, "CIS", "RRMS"), "RRMS")
    is_prog = progressive_patient[patient_index]
    spms = (
        is_prog
        & ~primary[patient_index]
        & (order >= np.minimum(convert_at[patient_index], count - 1))
    )
    course = np.where(spms, "SPMS", course)
    course = np.where(is_prog & primary[patient_index], "PPMS", course)

    visit_frame = pd.DataFrame(
        {
            "patient_id": pid,
            "visit_date": visits["visit_date"].to_numpy(),
            "disease_course": course,
            "edss": edss,
            "msws12": np.round(msws12, 1),
            "t25fw_s": np.round(t25fw, 1),
            "walking_aid": aid,
        }
    )

    # Gait: comfortable walk at every visit, drawn coherently
    step = np.clip(stride / 2 * (1 + rng.normal(0, 0.015, n)), 0.1, 1.1)
    stride_time = np.clip(120 / cadence * (1 + rng.normal(0, 0.02, n)), 0.5, 5.0)
    step_time = stride_time / 2 * (1 + rng.normal(0, 0.015, n))
    double_support = np.clip(_draw(rng, DOUBLE_SUPPORT, ph), 8, 60)
    swing = np.clip(50 - double_support / 2 + rng.normal(0, 0.6, n), 10, 55)
    stance = 100 - swing
    base = np.clip(_draw(rng, BASE_OF_SUPPORT, ph), 0.02, 0.4)
    sl_cv = np.clip(np.array(STRIDE_LENGTH_CV)[ph - 1] * np.exp(rng.normal(0, 0.2, n)), 0.5, 60)
    st_cv = np.clip(np.array(STRIDE_TIME_CV)[ph - 1] * np.exp(rng.normal(0, 0.2, n)), 0.5, 60)
    software = rng.choice(["4.9", "5.2"], size=n, p=[0.6, 0.4])
    gait = pd.DataFrame(
        {
            "patient_id": pid,
            "visit_date": visit_frame["visit_date"],
            "condition": "comfortable",
            "device": "GAITRite",
            "software_version": software,
            "velocity_m_s": np.round(velocity, 2),
            "cadence_steps_min": np.round(cadence, 1),
            "step_length_m": np.round(step, 3),
            "stride_length_m": np.round(stride, 3),
            "step_time_s": np.round(step_time, 3),
            "stride_time_s": np.round(stride_time, 3),
            "swing_pct": np.round(swing, 1),
            "stance_pct": np.round(stance, 1),
            "double_support_pct": np.round(double_support, 1),
            "base_of_support_m": np.round(base, 3),
            "stride_length_cv_pct": np.round(sl_cv, 1),
            "stride_time_cv_pct": np.round(st_cv, 1),
        }
    )
    # Some visits also record a walk at maximal speed.
    fast = gait[rng.random(n) < 0.15].copy()
    boost = 1.25 + rng.normal(0, 0.05, len(fast))
    fast["condition"] = "fast"
    fast["velocity_m_s"] = np.round(np.clip(fast["velocity_m_s"] * boost, 0.1, 3.0), 2)
    fast["cadence_steps_min"] = np.round(np.clip(fast["cadence_steps_min"] * 1.1, 40, 200), 1)
    fast["stride_length_m"] = np.round(
        fast["velocity_m_s"] * 120 / fast["cadence_steps_min"], 3
    ).clip(0.2, 2.3)
    fast["step_length_m"] = np.round(fast["stride_length_m"] / 2, 3)
    fast["stride_time_s"] = np.round(120 / fast["cadence_steps_min"], 3)
    fast["step_time_s"] = np.round(fast["stride_time_s"] / 2, 3)
    gait = pd.concat([gait, fast], ignore_index=True)

    # MRI near most visits
    has_scan = rng.random(n) < 0.85
    shift = np.clip(np.round(rng.normal(0, 40, n)), -90, 90).astype(int)
    bpf = np.clip(_draw(rng, BPF, ph), 0.6, 0.95)
    gmf = np.clip(_draw(rng, GMF, ph), 0.3, 0.6)
    wmf = np.clip(bpf - gmf + rng.normal(0, 0.01, n), 0.2, 0.55)
    lesion = np.clip(np.array(LESION_ML)[ph - 1] * np.exp(rng.normal(0, 0.6, n)), 0.05, 250)
    count_lesions = np.clip(np.round(lesion * 3 + rng.normal(0, 3, n)), 0, 1000).astype(int)
    gd = rng.poisson(np.array([0.1, 0.15, 0.25, 0.3])[ph - 1]).clip(0, 200)
    scan_dates = [
        min(d + datetime.timedelta(days=int(s)), LAST_DAY)
        for d, s in zip(visit_frame["visit_date"], shift, strict=True)
    ]
    mri = pd.DataFrame(
        {
            "patient_id": pid,
            "scan_date": scan_dates,
            "field_strength_t": rng.choice([1.5, 3.0], size=n, p=[0.3, 0.7]),
            "software": "SIENAX 2.6 + LST 3.0",
            "t2_lesion_volume_ml": np.round(lesion, 2),
            "t2_lesion_count": count_lesions,
            "gd_enhancing_lesions": gd,
            "brain_parenchymal_fraction": np.round(bpf, 3),
            "grey_matter_fraction": np.round(gmf, 3),
            "white_matter_fraction": np.round(wmf, 3),
        }
    )[has_scan]
    mri = mri.drop_duplicates(["patient_id", "scan_date"]).reset_index(drop=True)

    # A few transcription slips, as a real registry has, so the data-quality flags show:
    # on about 5 % of fast walks the stance was typed 8 points high, on about 1.5 % of
    # scans the white-matter fraction 0.08 high. Comfortable walks (the analysed ones)
    # stay coherent, and a stream of its own leaves every other value unchanged.
    slips = np.random.default_rng([seed, 13])
    fast_rows = gait.index[gait["condition"] == "fast"]
    typed = fast_rows[slips.random(len(fast_rows)) < 0.05]
    gait.loc[typed, "stance_pct"] = np.round((gait.loc[typed, "stance_pct"] + 8).clip(40, 95), 1)
    typed = slips.random(len(mri)) < 0.015
    mri.loc[typed, "white_matter_fraction"] = np.round(
        (mri.loc[typed, "white_matter_fraction"] + 0.08).clip(0.15, 0.6), 3
    )

    centers = pd.DataFrame(
        {
            "center": center_codes,
            "name": [f"Synthetic demo centre {code[-1]}" for code in center_codes],
        }
    )
    truth = pd.DataFrame(
        {"patient_id": pid, "visit_date": visit_frame["visit_date"], "phenotype": ph}
    )
    return DemoCohort(
        centers=centers,
        patients=patients,
        visits=visit_frame,
        gait=gait,
        mri=mri,
        truth=truth,
    )

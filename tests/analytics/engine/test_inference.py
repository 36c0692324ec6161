"""Whether the numbers may claim what they say: clusterability against a no-cluster null,
patient-level tests for repeated patients, descriptive clustering variables."""

from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.engine import PipelineConfig, run_pipeline
from analytics.engine.clusterability import clusterability
from analytics.engine.comparisons import chi_square, compare_phenotypes, kruskal_wallis
from analytics.engine.compute import Compute
from analytics.engine.permutation import PatientShuffler
from analytics.engine.preprocess import GAIT_CORE_FEATURES, collinearity
from tests.analytics.engine.blobs import gait_blobs


def _gaussian(n=300, seed=0):
    return np.random.default_rng(seed).normal(size=(n, 2)) * [2.0, 1.0]


def _blobs(n=100, seed=0):
    rng = np.random.default_rng(seed)
    centres = np.array([[0, 0], [5, 0], [0, 5]])
    return np.vstack([c + rng.normal(size=(n, 2)) for c in centres])


def test_one_gaussian_cohort_does_not_reject_the_no_cluster_null():
    result = clusterability(_gaussian(), k=3, seed=1, n_null=40)
    assert not result.rejected and result.p_value > 0.05
    assert result.null_quantiles["q05"] < result.statistic


def test_separated_groups_reject_it_and_the_p_value_is_a_floor():
    result = clusterability(_blobs(), k=3, seed=1, n_null=40)
    assert result.rejected and result.p_floor
    assert result.p_value == pytest.approx(1 / 41)  # (0 + 1) / (40 + 1)
    assert result.statistic < result.null_quantiles["q01"]
    stored = result.to_dict()
    assert {"method", "statistic", "p_value", "n_null"} <= set(stored)


@pytest.mark.slow
def test_clusterability_is_the_same_in_one_process_and_in_two():
    points = _blobs(n=1100)  # above the rows for which processes are used
    one = clusterability(points, k=3, seed=2, n_null=8, compute=Compute(jobs=1))
    two = clusterability(points, k=3, seed=2, n_null=8, compute=Compute(jobs=2))
    assert one == two


@pytest.mark.slow
def test_clusterability_false_positive_rate_stays_near_alpha_on_structure_free_data():
    """A fast fixed-seed subset of the benchmark: 30 Gaussian cohorts, 19 null draws each
    (the smallest p is 0.05). The benchmark runs 200 cohorts at n = 1026; here the
    tolerance is wider: at most 4 of 30 rejections (expected 1.5)."""
    rejected = 0
    for draw in range(30):
        points = _gaussian(n=150, seed=100 + draw)
        rejected += clusterability(points, k=3, seed=draw, n_null=19, n_init=2).rejected
    assert rejected <= 4


def _repeated(n_patients=60, seed=0):
    """2-4 visits per patient, one random phenotype per patient, a patient-level value."""
    rng = np.random.default_rng(seed)
    visits = rng.integers(2, 5, size=n_patients)
    patients = np.repeat([f"SYN-{i:03d}" for i in range(n_patients)], visits)
    phenotype = np.repeat(rng.integers(1, 4, size=n_patients), visits)
    age = np.repeat(rng.normal(45, 10, size=n_patients), visits) + rng.normal(0, 0.5, len(patients))
    sex = np.repeat(rng.choice(["F", "M"], size=n_patients), visits)
    return pd.DataFrame({"patient_id": patients, "age_years": age, "sex": sex}), phenotype


def test_label_sequences_move_whole_between_patients_of_the_same_size():
    frame, labels = _repeated()
    shuffled = PatientShuffler(frame["patient_id"].to_numpy(), labels).draw(
        50, np.random.default_rng(0)
    )
    for row in shuffled:
        assert np.bincount(row).tolist() == np.bincount(labels).tolist()  # group sizes kept
        per_patient = pd.Series(row).groupby(frame["patient_id"].to_numpy()).nunique()
        assert (per_patient == 1).all()  # a patient's visits keep one label, as before


def test_repeated_patients_get_patient_level_p_values_not_per_visit_tests():
    frame, labels = _repeated()
    rows = {r.variable: r for r in compare_phenotypes(frame, labels, descriptive=set())}
    for name in ("age_years", "sex"):
        assert "patient-level permutation" in rows[name].p_method
        assert rows[name].asymptotic_p is None
    assert rows["sex"].test == "Chi-square (patient-level permutation)"


def test_patient_level_tests_hold_alpha_where_per_visit_tests_do_not():
    """A fast fixed-seed subset of the benchmark: 40 cohorts of 60 patients with 2-4
    visits each and random phenotypes per patient. Per-visit Kruskal–Wallis on age rejects
    far more than 5 %; the patient-level test at most 5 of 40 (expected 2)."""
    naive = patient_level = 0
    for draw in range(40):
        frame, labels = _repeated(seed=draw)
        groups = pd.Series(labels)
        per_visit = stats.kruskal(*(frame["age_years"][labels == g] for g in (1, 2, 3)))
        naive += per_visit.pvalue < 0.05
        row = kruskal_wallis(
            frame["age_years"].rename("age_years"),
            groups,
            patients=frame["patient_id"],
            seed=draw,
            max_draws=400,
        )
        patient_level += row.p_value < 0.05
    assert patient_level <= 5
    assert naive >= 10


def test_patient_level_p_finds_a_real_difference():
    frame, labels = _repeated(n_patients=80, seed=3)
    frame["age_years"] = frame["age_years"] + 15 * (labels == 3)
    row = kruskal_wallis(
        frame["age_years"].rename("age_years"),
        pd.Series(labels),
        patients=frame["patient_id"],
        max_draws=2000,
    )
    assert row.p_value < 0.01 and row.posthoc and all("p_floor" in p for p in row.posthoc)
    sex = chi_square(frame["sex"].rename("sex"), pd.Series(labels), patients=frame["patient_id"])
    assert sex.p_value > 0.001  # sex was drawn independently of the phenotype


def test_gait_core_drops_the_exact_duplicates_and_collinearity_says_so():
    frame = gait_blobs(seed=3)
    # The blobs draw swing = 50 - double support / 2 exactly; measured swing is noisier.
    frame["swing_pct"] += np.random.default_rng(3).normal(0, 0.5, len(frame))
    frame["stance_pct"] = 100 - frame["swing_pct"]
    assert set(GAIT_CORE_FEATURES).isdisjoint(
        {"stance_pct", "step_length_m", "step_time_s", "stride_time_s"}
    )
    quick = PipelineConfig(k=3, bootstrap=0, n_init=5, k_scan="skip", clusterability_draws=0)
    full = run_pipeline(frame, config=quick)
    core = run_pipeline(frame, config=replace(quick, feature_set="gait-core"))
    exact = set(full.diagnostics["collinearity"]["exact"])  # the paper's twelve: duplicates
    assert {"stance_pct", "swing_pct", "step_length_m", "stride_length_m"} <= exact
    assert full.diagnostics["collinearity"]["condition_number"] is None
    assert core.diagnostics["collinearity"]["exact"] == []
    assert core.model.features == GAIT_CORE_FEATURES
    # Duplicates left out of the features are still described, not tested.
    stance = next(c for c in core.comparisons if c.variable == "stance_pct")
    assert not stance.inferential and stance.p_value is None


def test_vif_matches_one_over_one_minus_r_squared():
    """VIF_j = 1 / (1 - R²_j): here column c = a + b + noise, so its R² is known from
    an ordinary least squares fit computed independently with numpy."""
    rng = np.random.default_rng(0)
    a, b = rng.normal(size=(2, 200))
    c = a + b + rng.normal(scale=0.5, size=200)
    z = np.column_stack([a, b, c])
    design = np.column_stack([np.ones(200), a, b])
    residual = c - design @ np.linalg.lstsq(design, c, rcond=None)[0]
    r2 = 1 - residual @ residual / ((c - c.mean()) @ (c - c.mean()))
    result = collinearity(z, ["a", "b", "c"])
    assert result["vif"]["c"] == pytest.approx(1 / (1 - r2))
    assert result["exact"] == []


def test_final_kmeans_reports_the_within_ss_of_its_labels():
    frame = gait_blobs(seed=5)
    config = PipelineConfig(k=3, bootstrap=0, n_init=5, k_scan="skip", clusterability_draws=0)
    result = run_pipeline(frame, config=config)
    assert result.within_ss > 0 and result.diagnostics["kmeans_converged"]


def test_a_skipped_k_scan_needs_a_fixed_k():
    with pytest.raises(ValueError, match="k_scan"):
        PipelineConfig(k="auto", k_scan="skip")
    with pytest.raises(ValueError, match="clusterability_draws"):
        PipelineConfig(clusterability_draws=-1)


def test_large_cohorts_run_their_diagnostics_on_a_sample_and_say_so():
    frame = gait_blobs(sizes=(120, 90, 60), seed=2)
    config = PipelineConfig(
        k=3, bootstrap=3, n_init=3, k_scan="sample", clusterability_draws=5, diagnostics_sample=150
    )
    result = run_pipeline(frame, config=config)
    assert (
        result.diagnostics["diagnostics_rows"] == 150 and result.diagnostics["diagnostics_sampled"]
    )
    assert result.clusterability.n_rows == 150
    assert len(result.labels) == 270  # the final fit on everyone


def _threads_in_this_process() -> int:
    from threadpoolctl import threadpool_info

    return max(pool["num_threads"] for pool in threadpool_info())


def test_independent_fits_run_with_the_configured_threads_per_process():
    from threadpoolctl import threadpool_limits

    from analytics.engine.compute import map_tasks

    with threadpool_limits(limits=2):
        inside = map_tasks(
            _threads_in_this_process, [()] * 3, compute=Compute(jobs=1, threads=1), rows=10
        )
        assert inside == [1, 1, 1]
        assert _threads_in_this_process() == 2  # restored outside


def test_with_several_visits_per_patient_clusterability_counts_patients():
    one = gait_blobs(seed=6)
    visits = pd.concat(
        [one.assign(visit_date=one["visit_date"] + pd.Timedelta(days=365 * i)) for i in range(3)],
        ignore_index=True,
    )
    visits["visit_id"] = np.arange(1, len(visits) + 1)
    config = PipelineConfig(k=3, bootstrap=0, n_init=3, k_scan="skip", clusterability_draws=5)
    result = run_pipeline(visits, config=config)
    assert len(result.labels) == 3 * len(one)  # every visit gets its label
    assert result.clusterability.n_rows == len(one)
    assert result.clusterability.unit == "patients (latest row each)"


def _compute_in_a_daemonic_process(_):
    compute = Compute(jobs=2)
    return compute.usable_jobs, compute.describe()["jobs_note"]


def test_a_daemonic_worker_process_runs_fits_in_itself_and_says_so():
    import billiard

    assert Compute(jobs=2).usable_jobs == 2
    with billiard.Pool(1) as pool:  # Celery's prefork pool processes are daemonic
        jobs, note = pool.map(_compute_in_a_daemonic_process, [0])[0]
    assert jobs == 1 and "daemonic" in note

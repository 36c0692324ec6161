"""The pipeline on the calibrated synthetic cohort (1026 patients), without a database:
what `phenotypes.md` says a correct pipeline shows."""

import json
from dataclasses import replace

import numpy as np
import pandas as pd
from sklearn.metrics import adjusted_rand_score

from analytics.engine import (
    FittedModel,
    PipelineConfig,
    PreviousModel,
    assign,
    feature_columns,
    result_to_dict,
    run_pipeline,
)
from registry.demo.generator import PHENOTYPE_NAMES
from tests.analytics.cohort_frame import demo_input_frame

PAPER_SHARES = {
    "faster stable": 47.8,
    "slower stable": 32.3,
    "moderately unstable": 12.6,
    "slow severely unstable": 7.4,
}
QUICK = PipelineConfig(bootstrap=0, n_init=10, k_scan="skip", clusterability_draws=0, jobs=1)


def _by_name(result):
    return {p.name: p for p in result.phenotypes}


def _medians(result, variable):
    row = next(c for c in result.comparisons if c.variable == variable)
    return {int(i): s["median"] for i, s in row.summaries.items()}


def test_the_papers_four_phenotypes_come_out_with_their_shares(demo_frame, demo_result):
    names = _by_name(demo_result)
    assert set(names) == set(PAPER_SHARES)
    for name, share in PAPER_SHARES.items():
        assert abs(100 * names[name].share - share) <= 6, name
    truth = demo_frame.loc[demo_result.rows, "phenotype"]
    assert adjusted_rand_score(truth, demo_result.labels) > 0.5


def test_each_name_lands_on_the_cluster_the_generator_drew_it_from(demo_frame, demo_result):
    truth = demo_frame.loc[demo_result.rows, "phenotype"].to_numpy()
    labels = np.array(demo_result.labels)
    for p in demo_result.phenotypes:
        most = pd.Series(truth[labels == p.id]).mode()[0]
        assert PHENOTYPE_NAMES[most] == p.name
        # Numbered by speed with no previous run: the paper's numbering.
        assert p.id == most


def test_moderately_unstable_walks_like_slower_stable_with_quicker_shorter_steps(demo_result):
    names = _by_name(demo_result)
    moderate, slower = names["moderately unstable"].id, names["slower stable"].id
    cadence = _medians(demo_result, "cadence_steps_min")
    stride = _medians(demo_result, "stride_length_m")
    speed = _medians(demo_result, "velocity_m_s")
    assert cadence[moderate] > cadence[slower]
    assert stride[moderate] < stride[slower]
    assert abs(speed[moderate] - speed[slower]) < 0.15  # m/s: "similar velocity"
    assert "high cadence" in names["moderately unstable"].description


def test_slow_severely_unstable_is_the_most_variable(demo_result):
    worst = _by_name(demo_result)["slow severely unstable"].id
    for variable in ("stride_length_cv_pct", "stride_time_cv_pct"):
        medians = _medians(demo_result, variable)
        assert max(medians, key=medians.get) == worst, variable


def test_clinical_and_mri_differences_are_significant(demo_result):
    rows = {c.variable: c for c in demo_result.comparisons}
    for variable in ("edss", "brain_parenchymal_fraction", "t2_lesion_volume_ml"):
        assert rows[variable].test == "Kruskal–Wallis"
        assert rows[variable].p_value < 0.001, variable
    assert rows["progressive"].test == "Chi-square" and not rows["progressive"].sparse
    assert rows["progressive"].p_value < 0.001
    assert rows["t2_lesion_count"].tested  # present in the frame, so compared too
    assert all(c.p_adjusted is not None for c in demo_result.comparisons if c.tested)


def test_k_selection_table_runs_from_k_1_with_the_gap_and_says_when_the_vote_ties(demo_result):
    selection = demo_result.k_selection
    table = selection.table
    assert [row.k for row in table] == list(range(1, 9))
    assert table[0].silhouette is None and np.isfinite(table[0].gap)  # only the gap at k = 1
    for row in table[1:]:
        assert all(
            np.isfinite(v)
            for v in (row.wss, row.silhouette, row.calinski_harabasz, row.davies_bouldin, row.gap)
        )
    assert len(selection.votes) == 5
    # As R's clusGap over k = 1..8 does on this cohort, the gap's 1-SE rule says 1.
    assert selection.votes["gap"] == 1
    stored = selection.to_dict()
    assert stored["agreement"] in {"clear", "weak", "tie"}
    if stored["agreement"] == "tie":
        assert "tie-break" in stored["summary"] and len(stored["tied"]) > 1
    assert demo_result.k == 4  # the paper's setting, whatever the vote


def test_the_demo_cohort_rejects_the_no_cluster_null(demo_result):
    structure = demo_result.clusterability
    assert structure.k == 4 and structure.n_null == 100
    assert structure.rejected and structure.p_value < 0.05
    assert structure.statistic < structure.null_quantiles["q01"]
    assert structure.gap_k == 1  # reported beside it, not hidden


def test_clustering_variables_are_described_not_tested(demo_result):
    rows = {c.variable: c for c in demo_result.comparisons}
    for variable in feature_columns("gait"):
        row = rows[variable]
        assert not row.inferential and row.p_value is None and row.p_adjusted is None
        assert row.effect_size is not None and row.summaries
    family = [c for c in demo_result.comparisons if c.inferential and c.tested]
    assert {c.variable for c in family} >= {"edss", "sex", "age_years", "msws12"}
    assert all(str(len(family)) in c.adjust_method for c in family)


def test_stability_pca_and_timings_are_reported(demo_result):
    for p in demo_result.phenotypes:
        assert 0 <= p.stability_jaccard <= 1
        assert p.stability_flag in {"stable", "doubtful", "unstable"}
    assert demo_result.pca.explained_variance_ratio.sum() >= 0.80
    assert set(demo_result.pca.to_dict()["loadings"]) == set(feature_columns("gait"))
    steps = {step["step"]: step["method"] for step in demo_result.preprocessing}
    assert "100 bootstrap resamples" in steps["stability"]
    assert "centroids" in steps["stability"] and "no label changes" in steps["k-means"]
    assert demo_result.timings["engine_total"] > 0


def test_the_stored_form_of_a_full_run_is_strict_json(demo_result):
    text = json.dumps(result_to_dict(demo_result), allow_nan=False)
    assert len(json.loads(text)["labels"]) == 1026


def test_json_model_round_trip_gives_identical_assignments(demo_frame, demo_result):
    restored = FittedModel.from_json(demo_result.model.to_json())
    ids_a, dist_a = assign(demo_result.model, demo_frame)
    ids_b, dist_b = assign(restored, demo_frame)
    assert ids_a == ids_b and dist_a.tobytes() == dist_b.tobytes()
    assert ids_b == demo_result.labels


def test_same_cohort_and_seed_give_identical_labels(demo_frame):
    first = run_pipeline(demo_frame, config=QUICK)
    second = run_pipeline(demo_frame, config=QUICK)
    assert first.labels == second.labels
    assert first.model.to_json() == second.model.to_json()


def test_gait_plus_mri_uses_the_paired_scans(demo_frame):
    out = run_pipeline(demo_frame, config=replace(QUICK, feature_set="gait+mri"))
    assert out.model.features[-3:] == [
        "t2_lesion_volume_ml",
        "brain_parenchymal_fraction",
        "grey_matter_fraction",
    ]
    assert "t2_lesion_volume_ml" in out.model.log_features
    assert out.n_used == demo_frame[feature_columns("gait+mri")].dropna().shape[0]
    assert out.n_used < out.n_input  # visits without a scan within 180 days are excluded
    assert out.exclusions["missing_by_feature"]["brain_parenchymal_fraction"] > 0


def test_ids_survive_shuffled_rows_and_a_relabelled_previous_run(demo_frame, demo_result):
    relabel = {1: 40, 2: 7, 3: 13, 4: 2}
    previous = PreviousModel({relabel[p.id]: p.centroid for p in demo_result.phenotypes})
    shuffled = demo_frame.sample(frac=1.0, random_state=3)
    again = run_pipeline(shuffled, config=QUICK, previous=previous)
    assert {p.name: p.id for p in again.phenotypes} == {
        p.name: relabel[p.id] for p in demo_result.phenotypes
    }
    before = pd.Series(demo_result.labels, index=demo_frame.loc[demo_result.rows, "patient_id"])
    after = pd.Series(again.labels, index=shuffled.loc[again.rows, "patient_id"])
    assert (before.map(relabel) == after.reindex(before.index)).mean() > 0.99


def test_ids_keep_their_meaning_when_the_cohort_grows_by_ten_percent(demo_frame, demo_result):
    newcomers = demo_input_frame(n_patients=103, seed=7, prefix="DEMO-N")
    grown = pd.concat([demo_frame, newcomers], ignore_index=True)
    previous = PreviousModel({p.id: p.centroid for p in demo_result.phenotypes})
    again = run_pipeline(grown, config=QUICK, previous=previous)
    assert {p.name: p.id for p in again.phenotypes} == {
        p.name: p.id for p in demo_result.phenotypes
    }
    assert again.alignment.fresh == ()
    assert max(again.alignment.distances.values()) < 0.2
    kept = np.array(again.labels[: len(demo_frame)]) == np.array(demo_result.labels)
    assert kept.mean() > 0.97


def test_a_phenotype_missing_from_the_previous_run_gets_a_new_id(demo_frame, demo_result):
    previous = PreviousModel(
        {p.id: p.centroid for p in demo_result.phenotypes if p.name != "moderately unstable"}
    )
    again = run_pipeline(demo_frame, config=QUICK, previous=previous)
    assert _by_name(again)["moderately unstable"].id == 5
    assert {p.name: p.id for p in again.phenotypes if p.id != 5} == {
        p.name: p.id for p in demo_result.phenotypes if p.name != "moderately unstable"
    }

"""The pipeline on the calibrated synthetic cohort, without a database."""

import json

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from analytics.engine import (
    FittedModel,
    PipelineConfig,
    PreviousModel,
    assign,
    feature_columns,
    fingerprint,
    result_to_dict,
    run_pipeline,
)
from analytics.engine.alignment import align
from analytics.engine.naming import name_clusters
from analytics.engine.preprocess import prepare
from tests.analytics.engine.demo_frame import demo_frame

QUICK = PipelineConfig(bootstrap=5, n_init=10)
PAPER = {
    "faster stable": 47.8,
    "slower stable": 32.3,
    "moderately unstable": 12.6,
    "slow severely unstable": 7.4,
}


@pytest.fixture(scope="module")
def frame():
    return demo_frame()


@pytest.fixture(scope="module")
def result(frame):
    return run_pipeline(frame, config=PipelineConfig(bootstrap=20))


def _by_name(result):
    return {p.name: p for p in result.phenotypes}


def test_the_papers_four_phenotypes_come_out_of_the_demo_cohort(frame, result):
    names = _by_name(result)
    assert set(names) == set(PAPER)
    for name, share in PAPER.items():
        assert abs(100 * names[name].share - share) <= 6, name
    truth = frame.loc[result.rows, "phenotype"]
    assert adjusted_rand_score(truth, result.labels) > 0.5


def test_cluster_three_walks_faster_steps_shorter_and_four_is_most_variable(result):
    names = _by_name(result)
    moderate, slower = names["moderately unstable"].centroid, names["slower stable"].centroid
    assert moderate["cadence_steps_min"] > slower["cadence_steps_min"]
    assert moderate["stride_length_m"] < slower["stride_length_m"]
    assert abs(moderate["velocity_m_s"] - slower["velocity_m_s"]) < 0.15
    worst = names["slow severely unstable"].centroid
    for p in result.phenotypes:
        assert worst["stride_time_cv_pct"] >= p.centroid["stride_time_cv_pct"]
    assert "high cadence" in names["moderately unstable"].description or (
        "short strides" in names["moderately unstable"].description
    )


def test_clinical_and_mri_differences_are_significant(result):
    rows = {row["variable"]: row for row in result.comparisons}
    for variable in ("edss", "brain_parenchymal_fraction", "t2_lesion_volume_ml"):
        assert rows[variable]["test"] == "Kruskal–Wallis"
        assert rows[variable]["p_value"] < 0.001
    assert rows["progressive"]["p_value"] < 0.001
    assert all("p_adjusted" in row for row in rows.values() if row.get("p_value") is not None)


def test_k_selection_table_has_every_index_for_k_2_to_8(result):
    table = result.k_selection["table"]
    assert [row["k"] for row in table] == list(range(2, 9))
    for row in table:
        assert {"wss", "silhouette", "calinski_harabasz", "davies_bouldin", "gap"} <= set(row)
    assert set(result.k_selection["votes"]) == {
        "elbow (WSS)",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "gap",
    }
    assert result.k == 4  # the paper's setting, whatever the vote


def test_auto_mode_uses_the_vote(frame):
    auto = run_pipeline(frame, config=PipelineConfig(k="auto", bootstrap=0, n_init=10))
    assert auto.k == auto.k_selection["chosen"]
    assert len(auto.phenotypes) == auto.k


def test_stability_and_pca_are_reported(result):
    for p in result.phenotypes:
        assert 0 <= p.stability_jaccard <= 1
        assert p.stability_flag in {"stable", "doubtful", "unstable"}
    assert sum(result.pca["explained_variance"]) >= 0.80
    assert set(result.pca["loadings"]) == set(feature_columns("gait"))
    assert {"preprocess", "pca", "k_selection", "kmeans", "stability", "comparisons"} <= set(
        result.timings
    )


def test_same_data_and_seed_give_identical_labels(frame):
    first = run_pipeline(frame, config=QUICK)
    second = run_pipeline(frame, config=QUICK)
    assert first.labels == second.labels
    assert first.distances == second.distances
    assert first.model.to_json() == second.model.to_json()


def test_json_model_round_trip_gives_identical_assignments(frame, result):
    text = result.model.to_json()
    assert "pickle" not in text
    restored = FittedModel.from_json(text)
    ids_a, dist_a = assign(result.model, frame)
    ids_b, dist_b = assign(restored, frame)
    assert ids_a == ids_b
    np.testing.assert_array_equal(dist_a, dist_b)
    used = frame.loc[result.rows]
    ids, _ = assign(restored, used)
    assert np.mean(np.array(ids) == np.array(result.labels)) > 0.99
    json.dumps(result_to_dict(result))  # storable as JSON


def test_identities_survive_a_shuffled_row_order(frame, result):
    shuffled = frame.sample(frac=1.0, random_state=3)
    again = run_pipeline(
        shuffled,
        config=QUICK,
        previous=PreviousModel({p.id: p.centroid for p in result.phenotypes}),
    )
    assert {p.name: p.id for p in again.phenotypes} == {p.name: p.id for p in result.phenotypes}


def test_identities_survive_a_grown_cohort(result):
    grown = demo_frame(n_patients=1130, seed=42)
    previous = PreviousModel({p.id: p.centroid for p in result.phenotypes})
    again = run_pipeline(grown, config=QUICK, previous=previous)
    assert {p.name: p.id for p in again.phenotypes} == {p.name: p.id for p in result.phenotypes}


def test_a_cluster_without_a_good_match_gets_a_new_id():
    new = np.array([[0.0, 0.0], [5.0, 5.0], [20.0, 20.0]])
    previous = {7: np.array([5.1, 5.0]), 3: np.array([0.1, 0.0])}
    assert align(new, previous, threshold=1.0) == {0: 3, 1: 7, 2: 8}
    assert align(new, {}) == {0: 1, 1: 2, 2: 3}


def test_missing_values_are_dropped_and_reported_or_imputed(frame):
    holes = frame.copy()
    holes.loc[holes.index[:10], "base_of_support_m"] = np.nan
    complete = prepare(holes, features=feature_columns("gait"))
    assert complete.exclusions["n_dropped_missing"] == 10
    assert complete.exclusions["missing_by_feature"] == {"base_of_support_m": 10}
    imputed = prepare(holes, features=feature_columns("gait"), missing="median")
    assert len(imputed.kept) == len(holes)
    median = holes["base_of_support_m"].median()
    assert imputed.steps[0]["medians"]["base_of_support_m"] == pytest.approx(median)


def test_gait_plus_mri_features_use_the_paired_scans(frame):
    out = run_pipeline(frame, config=PipelineConfig(feature_set="gait+mri", bootstrap=0, n_init=10))
    assert "brain_parenchymal_fraction" in out.model.features
    assert out.n_used == frame[feature_columns("gait+mri")].dropna().shape[0]
    assert out.n_used < out.n_input  # visits without a scan in the window are excluded


def test_fingerprint_ignores_row_order_but_not_values(frame):
    features = feature_columns("gait")
    assert fingerprint(frame, features) == fingerprint(frame.iloc[::-1], features)
    changed = frame.copy()
    changed.loc[changed.index[0], "edss"] = 9.5
    assert fingerprint(changed, features) != fingerprint(frame, features)


def test_names_are_unique_even_for_unusual_profiles():
    flat = {"velocity_m_s": 0.0, "stride_length_cv_pct": 0.0}
    names = [name for name, _ in name_clusters([flat, dict(flat), dict(flat)])]
    assert len(set(names)) == 3

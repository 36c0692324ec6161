"""Stable ids across runs (Hungarian matching) and names from centroids."""

import numpy as np
import pandas as pd
import pytest

from analytics.engine import PipelineConfig, PreviousModel, run_pipeline
from analytics.engine.alignment import align, common_features
from analytics.engine.naming import describe, name_clusters, pace_words
from tests.analytics.engine.blobs import gait_blobs

QUICK = PipelineConfig(k=3, bootstrap=0, n_init=10)


def test_without_a_previous_run_ids_are_one_to_k():
    result = align(np.zeros((3, 2)), {})
    assert result.mapping == {0: 1, 1: 2, 2: 3} and result.fresh == (1, 2, 3)


def test_hungarian_matching_takes_the_cheapest_whole_assignment():
    # Greedy would give new 0 to old 5 (distance 0.1) and leave new 1 with a bad match;
    # the minimum total pairs new 0 with old 9 and new 1 with old 5.
    new = np.array([[0.0, 0.0], [0.3, 0.0]])
    previous = {5: np.array([0.1, 0.0]), 9: np.array([-0.2, 0.0])}
    assert align(new, previous, threshold=1.0).mapping == {0: 9, 1: 5}


def test_a_cluster_without_a_close_previous_centroid_gets_a_fresh_id():
    new = np.array([[0.0, 0.0], [5.0, 5.0], [20.0, 20.0]])
    previous = {7: np.array([5.1, 5.0]), 3: np.array([0.1, 0.0]), 4: np.array([9.0, -9.0])}
    result = align(new, previous, threshold=1.0)
    assert result.mapping == {0: 3, 1: 7, 2: 8}
    assert result.fresh == (8,)
    # RMS over 2 features: sqrt((0.1² + 0²) / 2).
    assert result.distances[0] == pytest.approx(np.sqrt(0.01 / 2))


def test_matching_uses_the_features_every_previous_centroid_has():
    previous = {1: {"a": 1.0, "b": 2.0}, 2: {"a": 0.0, "b": None}}
    assert common_features(["a", "b", "c"], previous) == ["a"]


def _relabelled(result, new_ids):
    return PreviousModel({new_ids[p.id]: p.centroid for p in result.phenotypes})


def test_ids_follow_the_previous_centroids_whatever_their_order_and_the_row_order():
    frame = gait_blobs(seed=3)
    first = run_pipeline(frame, config=QUICK)
    new_ids = {1: 12, 2: 5, 3: 9}
    shuffled = frame.sample(frac=1.0, random_state=4)
    again = run_pipeline(shuffled, config=QUICK, previous=_relabelled(first, new_ids))
    before = dict(zip(frame.loc[first.rows, "patient_id"], first.labels, strict=True))
    after = dict(zip(shuffled.loc[again.rows, "patient_id"], again.labels, strict=True))
    assert {pid: new_ids[i] for pid, i in before.items()} == after
    assert again.alignment.fresh == ()


def test_ids_keep_their_meaning_when_the_cohort_grows_by_ten_percent():
    frame = gait_blobs(seed=3)
    first = run_pipeline(frame, config=QUICK)
    extra = gait_blobs(sizes=(6, 4, 3), seed=99)
    extra["patient_id"] = "NEW-" + extra["patient_id"]
    grown = run_pipeline(
        pd.concat([frame, extra], ignore_index=True),
        config=QUICK,
        previous=_relabelled(first, {1: 1, 2: 2, 3: 3}),
    )
    assert {p.name: p.id for p in grown.phenotypes} == {p.name: p.id for p in first.phenotypes}
    # The newcomers land in the phenotype they were drawn from, under its old id.
    assert grown.labels[-13:] == extra["truth"].tolist()


def test_a_phenotype_new_in_this_run_gets_the_next_free_id():
    frame = gait_blobs(seed=3)
    first = run_pipeline(frame, config=QUICK)
    without_slowest = PreviousModel({p.id * 10: p.centroid for p in first.phenotypes[:2]})
    again = run_pipeline(frame, config=QUICK, previous=without_slowest)
    assert [p.id for p in again.phenotypes] == [10, 20, 21]
    assert again.alignment.fresh == (21,)


PAPER_PROFILES = [
    # z-scored centroids shaped like the demo cohort's (velocity, cadence, stride length,
    # double support, the two CVs).
    {"velocity_m_s": 0.8, "cadence_steps_min": 0.5, "stride_length_m": 0.8,
     "double_support_pct": -0.7, "stride_length_cv_pct": -0.6, "stride_time_cv_pct": -0.6},
    {"velocity_m_s": -0.35, "cadence_steps_min": -0.5, "stride_length_m": -0.1,
     "double_support_pct": 0.15, "stride_length_cv_pct": -0.25, "stride_time_cv_pct": -0.2},
    {"velocity_m_s": -0.5, "cadence_steps_min": 0.9, "stride_length_m": -1.1,
     "double_support_pct": 0.5, "stride_length_cv_pct": 1.0, "stride_time_cv_pct": 1.0},
    {"velocity_m_s": -2.3, "cadence_steps_min": -2.3, "stride_length_m": -2.0,
     "double_support_pct": 2.4, "stride_length_cv_pct": 2.6, "stride_time_cv_pct": 2.6},
]  # fmt: skip


def test_the_naming_rule_gives_the_papers_four_names():
    names = [n.name for n in name_clusters(PAPER_PROFILES)]
    assert names == [
        "faster stable",
        "slower stable",
        "moderately unstable",
        "slow severely unstable",
    ]


def test_an_unstable_cluster_keeps_its_pace_word_when_no_steadier_one_walks_as_fast():
    far_apart = [dict(p) for p in PAPER_PROFILES]
    far_apart[2]["velocity_m_s"] = -1.2  # 0.85 SD slower than "slower stable"
    assert name_clusters(far_apart)[2].name == "slower moderately unstable"


def test_pace_words_work_for_any_k():
    assert pace_words(np.array([0.1, 1.0])) == ["slow", "faster"]
    assert pace_words(np.array([3.0, 1.0, 2.0, -1.0, 0.0])) == [
        "faster",
        "slower",
        "slower",
        "slow",
        "slower",
    ]


def test_names_are_unique_even_for_identical_profiles():
    flat = {"velocity_m_s": 0.0, "stride_length_cv_pct": 0.0}
    names = [n.name for n in name_clusters([flat, dict(flat), dict(flat)])]
    assert len(set(names)) == 3
    twins = [dict(PAPER_PROFILES[1]), dict(PAPER_PROFILES[1], cadence_steps_min=0.9)]
    twins[0]["velocity_m_s"], twins[1]["velocity_m_s"] = -0.3, -0.4
    assert [n.name for n in name_clusters([PAPER_PROFILES[0], *twins, PAPER_PROFILES[3]])] == [
        "faster stable",
        "slower stable (low cadence)",
        "slower stable (high cadence)",
        "slow severely unstable",
    ]


def test_description_names_what_stands_out_most():
    assert describe(PAPER_PROFILES[2]) == "short strides, high stride variability, high cadence"
    assert describe({"velocity_m_s": 0.1}) == "close to the cohort average"

"""The pipeline entry point on small synthetic data: configuration, determinism, the
plain-JSON form of a result."""

import json

import numpy as np
import pytest

from analytics.engine import PipelineConfig, result_to_dict, run_pipeline
from tests.analytics.engine.blobs import gait_blobs

QUICK = PipelineConfig(k=3, bootstrap=10, n_init=10)


@pytest.mark.parametrize(
    "bad",
    [
        {"k": 1},
        {"k": "best"},
        {"feature_set": "mri"},
        {"missing": "drop"},
        {"pca_variance": 0.0},
        {"pca_components": 0},
        {"n_init": 0},
        {"bootstrap": -1},
        {"k_range": (1, 2, 3)},
    ],
)
def test_a_config_outside_the_allowed_values_is_refused(bad):
    with pytest.raises(ValueError):
        PipelineConfig(**bad)


def test_same_data_and_seed_give_identical_labels_bit_for_bit():
    frame = gait_blobs(seed=8)
    first = run_pipeline(frame, config=QUICK)
    second = run_pipeline(frame.copy(), config=QUICK)
    assert np.array(first.labels).tobytes() == np.array(second.labels).tobytes()
    assert np.array(first.distances).tobytes() == np.array(second.distances).tobytes()
    assert first.model.to_json() == second.model.to_json()
    assert [p.stability_jaccard for p in first.phenotypes] == [
        p.stability_jaccard for p in second.phenotypes
    ]


def test_a_different_seed_is_recorded_in_the_model():
    frame = gait_blobs(seed=8)
    result = run_pipeline(frame, config=PipelineConfig(k=3, bootstrap=0, n_init=5, seed=7))
    assert result.model.seed == 7
    assert any("seed 7" in step["method"] for step in result.preprocessing)


def test_the_result_describes_every_stage():
    frame = gait_blobs(seed=8)
    result = run_pipeline(frame, config=QUICK)
    assert [s["step"] for s in result.preprocessing] == [
        "missing values",
        "log transform",
        "z-score",
        "PCA",
        "k scan",
        "k-means",
        "stability",
        "clusterability",
    ]
    assert {
        "preprocess",
        "pca",
        "k_selection",
        "kmeans",
        "stability",
        "clusterability",
        "comparisons",
    } <= set(result.timings)
    assert [p.id for p in result.phenotypes] == [1, 2, 3]
    assert sum(p.size for p in result.phenotypes) == result.n_used == 130
    assert sum(p.share for p in result.phenotypes) == pytest.approx(1.0)
    assert result.id_mapping == {0: 1, 1: 2, 2: 3}
    assert result.visit_ids[:3] == [1, 2, 3] and result.patient_ids[0] == "BLOB-0000"


def test_auto_mode_uses_the_index_vote():
    frame = gait_blobs(seed=8)
    result = run_pipeline(frame, config=PipelineConfig(k="auto", bootstrap=0, n_init=10))
    assert result.k == result.k_selection.chosen == 3
    assert len(result.phenotypes) == 3


def test_the_plain_form_is_strict_json_with_the_stored_shape():
    frame = gait_blobs(seed=8)
    frame.loc[frame.index[:4], "edss"] = np.nan
    data = result_to_dict(run_pipeline(frame, config=QUICK))
    text = json.dumps(data, allow_nan=False)
    assert json.loads(text) == data
    assert {
        "config",
        "n_input",
        "n_used",
        "exclusions",
        "preprocessing",
        "pca",
        "k_selection",
        "k",
        "id_mapping",
        "alignment",
        "model",
        "phenotypes",
        "labels",
        "comparisons",
        "timings",
    } <= set(data)
    assert data["id_mapping"] == {"0": 1, "1": 2, "2": 3}
    assert set(data["labels"][0]) == {"row", "id", "distance", "patient_id", "visit_id"}
    assert {
        "id",
        "name",
        "description",
        "size",
        "share",
        "centroid",
        "profile",
        "stability_jaccard",
        "stability_flag",
    } <= set(data["phenotypes"][0])
    edss = next(c for c in data["comparisons"] if c["variable"] == "edss")
    assert sum(s["n"] for s in edss["summaries"].values()) == 126
    assert {"explained_variance", "cumulative", "loadings", "n_components"} <= set(data["pca"])


def test_too_few_rows_are_refused_with_a_reason():
    with pytest.raises(ValueError, match="too few"):
        run_pipeline(gait_blobs(sizes=(3, 3, 2)), config=QUICK)

"""The fitted model: plain JSON both ways, and placing new rows on it."""

import json

import numpy as np
import pytest

from analytics.engine import FittedModel, PipelineConfig, assign, run_pipeline
from analytics.engine.model import FORMAT, project
from tests.analytics.engine.blobs import gait_blobs


@pytest.fixture(scope="module")
def fitted():
    frame = gait_blobs(seed=5)
    return frame, run_pipeline(frame, config=PipelineConfig(k=3, bootstrap=0, n_init=10))


def test_the_model_carries_everything_needed_to_place_a_row(fitted):
    _, result = fitted
    data = json.loads(result.model.to_json())
    for key in (
        "features",
        "log_features",
        "log_transform",
        "scaler_mean",
        "scaler_scale",
        "medians",
        "pca_mean",
        "pca_components",
        "centroids_pca",
        "centroids_original",
        "stable_ids",
        "names",
        "versions",
        "algorithm_version",
    ):
        assert key in data, key
    assert {"numpy", "scikit-learn"} <= set(data["versions"])
    assert data["format"] == FORMAT
    assert len(data["centroids_original"]) == 3
    assert set(data["centroids_original"][0]) == set(data["features"])


def test_json_round_trip_gives_identical_assignments(fitted):
    frame, result = fitted
    restored = FittedModel.from_json(result.model.to_json())
    assert restored == result.model
    ids_a, dist_a = assign(result.model, frame)
    ids_b, dist_b = assign(restored, frame)
    assert ids_a == ids_b
    assert dist_a.tobytes() == dist_b.tobytes()


def test_assigning_the_clustered_rows_reproduces_their_labels_and_distances(fitted):
    frame, result = fitted
    ids, distances = assign(FittedModel.from_json(result.model.to_json()), frame)
    assert ids == result.labels
    np.testing.assert_allclose(distances, result.distances, rtol=1e-12)


def test_a_row_with_a_missing_feature_is_not_placed_unless_the_model_imputes(fitted):
    frame, result = fitted
    rows = frame.iloc[:3].copy()
    rows.loc[rows.index[1], "swing_pct"] = np.nan
    ids, distances = assign(result.model, rows)
    assert ids[1] is None and np.isnan(distances[1])
    assert ids[0] is not None and ids[2] is not None
    imputing = FittedModel(**{**result.model.to_dict(), "medians": {"swing_pct": 40.0}})
    ids, _ = assign(imputing, rows)
    assert None not in ids


def test_projection_of_no_rows_is_empty(fitted):
    frame, result = fitted
    assert project(result.model, frame.iloc[:0]).shape == (0, result.pca.n_components)
    ids, distances = assign(result.model, frame.iloc[:0])
    assert ids == [] and len(distances) == 0


def test_an_unknown_model_format_is_refused(fitted):
    _, result = fitted
    data = json.loads(result.model.to_json())
    data["format"] = "something-else/9"
    with pytest.raises(ValueError, match="format"):
        FittedModel.from_json(json.dumps(data))


def test_the_model_json_is_never_a_pickle_and_never_nan(fitted):
    _, result = fitted
    text = result.model.to_json()
    assert "NaN" not in text and "Infinity" not in text
    assert text.lstrip().startswith("{")
    broken = FittedModel(**{**result.model.to_dict(), "medians": {"swing_pct": float("nan")}})
    with pytest.raises(ValueError):
        broken.to_json()

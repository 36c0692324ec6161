"""Feature sets, missing values, log transform and z-scores."""

import numpy as np
import pandas as pd
import pytest

from analytics.engine import PipelineConfig, feature_columns, fingerprint, run_pipeline
from analytics.engine.preprocess import GAIT_FEATURES, prepare
from tests.analytics.engine.blobs import gait_blobs


def test_feature_sets_are_gait_and_gait_plus_mri():
    assert feature_columns("gait") == GAIT_FEATURES and len(GAIT_FEATURES) == 12
    assert feature_columns("gait+mri")[12:] == [
        "t2_lesion_volume_ml",
        "brain_parenchymal_fraction",
        "grey_matter_fraction",
    ]
    with pytest.raises(ValueError, match="feature_set"):
        feature_columns("gait+eeg")


def test_skewed_features_are_log1p_transformed_then_z_scored():
    frame = gait_blobs()
    prep = prepare(frame, features=GAIT_FEATURES)
    assert [s["step"] for s in prep.steps] == ["missing values", "log transform", "z-score"]
    assert prep.steps[1]["features"] == ["stride_length_cv_pct", "stride_time_cv_pct"]
    np.testing.assert_allclose(prep.z.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(prep.z.std(axis=0), 1, atol=1e-12)
    cv = np.log1p(frame["stride_length_cv_pct"].to_numpy())
    j = GAIT_FEATURES.index("stride_length_cv_pct")
    np.testing.assert_allclose(prep.z[:, j], (cv - cv.mean()) / cv.std())
    np.testing.assert_allclose(prep.scaling.inverse(prep.z), prep.raw)


def test_complete_cases_drop_rows_and_say_which_feature_was_missing():
    frame = gait_blobs()
    frame.loc[frame.index[:10], "base_of_support_m"] = np.nan
    frame.loc[frame.index[5:8], "swing_pct"] = None
    frame["cadence_steps_min"] = frame["cadence_steps_min"].astype(object)
    frame.loc[frame.index[20], "cadence_steps_min"] = "not measured"
    prep = prepare(frame, features=GAIT_FEATURES)
    assert prep.exclusions["n_dropped_missing"] == 11
    assert prep.exclusions["missing_by_feature"] == {
        "cadence_steps_min": 1,
        "swing_pct": 3,
        "base_of_support_m": 10,
    }
    assert prep.steps[0]["dropped_rows"] == 11
    assert len(prep.kept) == len(frame) - 11 and 20 not in prep.kept


def test_median_imputation_keeps_every_row_and_records_the_medians():
    frame = gait_blobs()
    frame.loc[frame.index[:10], "base_of_support_m"] = np.nan
    prep = prepare(frame, features=GAIT_FEATURES, missing="median")
    assert len(prep.kept) == len(frame)
    median = frame["base_of_support_m"].median()
    assert prep.steps[0]["medians"] == {"base_of_support_m": pytest.approx(median)}
    assert prep.steps[0]["imputed_by_feature"] == {"base_of_support_m": 10}
    j = GAIT_FEATURES.index("base_of_support_m")
    assert (prep.raw[:10, j] == median).all()
    with pytest.raises(ValueError, match="missing"):
        prepare(frame, features=GAIT_FEATURES, missing="mean")


def test_a_run_reports_drops_and_a_median_run_carries_its_medians_into_the_model():
    frame = gait_blobs()
    frame.loc[frame.index[:7], "step_time_s"] = np.nan
    complete = run_pipeline(frame, config=PipelineConfig(k=3, bootstrap=0, n_init=5))
    assert (complete.n_input, complete.n_used) == (130, 123)
    assert complete.exclusions["missing_by_feature"] == {"step_time_s": 7}
    assert complete.model.medians == {}
    imputed = run_pipeline(
        frame, config=PipelineConfig(k=3, bootstrap=0, n_init=5, missing="median")
    )
    assert imputed.n_used == 130
    assert imputed.model.medians == {"step_time_s": frame["step_time_s"].median()}


def test_a_feature_with_no_values_at_all_cannot_be_imputed():
    frame = gait_blobs()
    frame["base_of_support_m"] = np.nan
    with pytest.raises(ValueError, match="base_of_support_m"):
        prepare(frame, features=GAIT_FEATURES, missing="median")


def test_fingerprint_ignores_row_order_and_index_but_not_values():
    frame = gait_blobs()
    features = feature_columns("gait")
    assert fingerprint(frame, features) == fingerprint(
        frame.iloc[::-1].reset_index(drop=True), features
    )
    changed = frame.copy()
    changed.loc[changed.index[0], "edss"] = 9.5
    assert fingerprint(changed, features) != fingerprint(frame, features)
    fewer = frame.iloc[1:]
    assert fingerprint(fewer, features) != fingerprint(frame, features)
    assert len(fingerprint(frame, features)) == 64


def test_fingerprint_counts_duplicated_rows():
    frame = gait_blobs()
    doubled = pd.concat([frame, frame.iloc[[0]]])
    assert fingerprint(doubled, GAIT_FEATURES) != fingerprint(frame, GAIT_FEATURES)

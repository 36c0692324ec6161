"""Feature sets and preprocessing: log of right-skewed variables, missing values, z-scores.

Every step is recorded so a run can say exactly what it did to the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

GAIT_FEATURES = [
    "velocity_m_s",
    "cadence_steps_min",
    "step_length_m",
    "stride_length_m",
    "step_time_s",
    "stride_time_s",
    "swing_pct",
    "stance_pct",
    "double_support_pct",
    "base_of_support_m",
    "stride_length_cv_pct",
    "stride_time_cv_pct",
]
MRI_FEATURES = ["t2_lesion_volume_ml", "brain_parenchymal_fraction", "grey_matter_fraction"]
# Right-skewed and possibly 0, hence log1p rather than log.
LOG_FEATURES = {"stride_length_cv_pct", "stride_time_cv_pct", "t2_lesion_volume_ml"}
FEATURE_SETS = {"gait": GAIT_FEATURES, "gait+mri": GAIT_FEATURES + MRI_FEATURES}


def feature_columns(feature_set: str) -> list[str]:
    try:
        return list(FEATURE_SETS[feature_set])
    except KeyError:
        allowed = ", ".join(FEATURE_SETS)
        raise ValueError(
            f"feature_set = {feature_set!r} is not allowed; use one of {allowed}."
        ) from None


@dataclass(frozen=True)
class Scaling:
    """Everything needed to map raw rows into the standardised feature space."""

    features: list[str]
    log_features: list[str]
    mean: np.ndarray
    scale: np.ndarray
    medians: dict[str, float] = field(default_factory=dict)

    def transform(self, raw: np.ndarray) -> np.ndarray:
        values = raw.astype(float).copy()
        for j, name in enumerate(self.features):
            if name in self.log_features:
                values[:, j] = np.log1p(values[:, j])
        return (values - self.mean) / self.scale

    def inverse(self, z: np.ndarray) -> np.ndarray:
        values = z * self.scale + self.mean
        for j, name in enumerate(self.features):
            if name in self.log_features:
                values[..., j] = np.expm1(values[..., j])
        return values


@dataclass(frozen=True)
class Prepared:
    z: np.ndarray
    raw: np.ndarray
    kept: np.ndarray  # positions (0-based) of the input rows that were used
    scaling: Scaling
    steps: list[dict]
    exclusions: dict


def prepare(frame: pd.DataFrame, *, features: list[str], missing: str = "complete") -> Prepared:
    if missing not in {"complete", "median"}:
        raise ValueError(f"missing = {missing!r} is not allowed; use 'complete' or 'median'.")
    absent = [name for name in features if name not in frame.columns]
    if absent:
        raise ValueError(f"input lacks feature columns: {', '.join(absent)}")
    raw = frame[features].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, copy=True)
    missing_by_feature = {
        name: int(n) for name, n in zip(features, np.isnan(raw).sum(axis=0), strict=True) if n
    }
    steps: list[dict] = []
    medians: dict[str, float] = {}
    if missing == "complete":
        keep = ~np.isnan(raw).any(axis=1)
        steps.append(
            {
                "step": "missing values",
                "method": "complete cases",
                "dropped_rows": int((~keep).sum()),
                "missing_by_feature": missing_by_feature,
            }
        )
    else:
        keep = np.ones(len(raw), dtype=bool)
        column_medians = np.nanmedian(raw, axis=0)
        for j, name in enumerate(features):
            medians[name] = float(column_medians[j])
            raw[np.isnan(raw[:, j]), j] = column_medians[j]
        steps.append(
            {
                "step": "missing values",
                "method": "median imputation",
                "imputed_by_feature": missing_by_feature,
                "medians": medians,
            }
        )
    kept = np.flatnonzero(keep)
    raw = raw[keep]
    logged = [name for name in features if name in LOG_FEATURES]
    steps.append({"step": "log transform", "method": "log1p", "features": logged})
    values = raw.copy()
    for j, name in enumerate(features):
        if name in LOG_FEATURES:
            values[:, j] = np.log1p(values[:, j])
    mean = values.mean(axis=0) if len(values) else np.zeros(len(features))
    scale = values.std(axis=0) if len(values) else np.ones(len(features))
    scale = np.where(scale > 0, scale, 1.0)
    steps.append({"step": "z-score", "method": "mean 0, SD 1 (population SD)"})
    scaling = Scaling(features, logged, mean, scale, medians)
    exclusions = {
        "n_input": len(frame),
        "n_dropped_missing": int(len(frame) - len(kept)),
        "missing_by_feature": missing_by_feature,
    }
    return Prepared((values - mean) / scale, raw, kept, scaling, steps, exclusions)

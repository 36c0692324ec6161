"""Feature sets and preprocessing: missing values, log of right-skewed variables, z-scores.

Every step is recorded as a plain dict so a run can say exactly what it did to the data.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.engine import defaults

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
# The twelve parameters hold exact duplicates: stance = 100 - swing, step length =
# stride length / 2, step time = stride time / 2 and stride time = 120 / cadence, so pace
# enters the PCA several times (the last component explains ~1e-31 of the variance).
# `gait-core` drops the duplicates and keeps one measure of each aspect of walking;
# `gait` stays the paper's set.
GAIT_DUPLICATES = {
    "stance_pct": "100 - swing_pct",
    "step_length_m": "stride_length_m / 2",
    "step_time_s": "stride_time_s / 2",
    "stride_time_s": "120 / cadence_steps_min",
}
GAIT_CORE_FEATURES = [name for name in GAIT_FEATURES if name not in GAIT_DUPLICATES]
MRI_FEATURES = ["t2_lesion_volume_ml", "brain_parenchymal_fraction", "grey_matter_fraction"]
FEATURE_SETS = {
    "gait": GAIT_FEATURES,
    "gait-core": GAIT_CORE_FEATURES,
    "gait+mri": GAIT_FEATURES + MRI_FEATURES,
}
# Right-skewed (coefficients of variation, lesion volume) and legitimately 0, hence
# log1p = log(x + 1): the offset of 1 keeps 0 finite and barely moves values >> 1.
LOG_FEATURES = ("stride_length_cv_pct", "stride_time_cv_pct", "t2_lesion_volume_ml")
LOG_TRANSFORM = "log1p"
MISSING_MODES = defaults.MISSING_MODES


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
    """Everything needed to map raw rows into the standardised feature space and back."""

    features: list[str]
    log_features: list[str]
    mean: np.ndarray
    scale: np.ndarray
    medians: dict[str, float] = field(default_factory=dict)

    def _logged(self) -> list[int]:
        return [j for j, name in enumerate(self.features) if name in self.log_features]

    def transform(self, raw: np.ndarray) -> np.ndarray:
        values = np.array(raw, dtype=float)  # a copy: callers' arrays may be read-only
        logged = self._logged()
        values[..., logged] = np.log1p(values[..., logged])
        return (values - self.mean) / self.scale

    def inverse(self, z: np.ndarray) -> np.ndarray:
        values = np.asarray(z, dtype=float) * self.scale + self.mean
        logged = self._logged()
        values[..., logged] = np.expm1(values[..., logged])
        return values


@dataclass(frozen=True)
class Prepared:
    z: np.ndarray
    raw: np.ndarray  # after imputation, before log and scaling
    kept: np.ndarray  # positions (0-based) of the input rows that were used
    scaling: Scaling
    steps: list[dict]
    exclusions: dict


def numeric_matrix(frame: pd.DataFrame, features: list[str]) -> np.ndarray:
    """The feature columns as a float matrix; anything that is not a number is missing."""
    absent = [name for name in features if name not in frame.columns]
    if absent:
        raise ValueError(f"input lacks feature columns: {', '.join(absent)}")
    columns = [pd.to_numeric(frame[name], errors="coerce") for name in features]
    if not columns:
        return np.empty((len(frame), 0))
    return np.column_stack([c.to_numpy(dtype=float, na_value=np.nan) for c in columns])


def prepare(frame: pd.DataFrame, *, features: list[str], missing: str = "complete") -> Prepared:
    """Missing values (complete cases or median imputation), then log1p of the skewed
    features, then z-scores with the population SD of the rows used."""
    if missing not in MISSING_MODES:
        raise ValueError(f"missing = {missing!r} is not allowed; use 'complete' or 'median'.")
    raw = numeric_matrix(frame, features)
    holes = np.isnan(raw)
    missing_by_feature = {
        name: int(n) for name, n in zip(features, holes.sum(axis=0), strict=True) if n
    }
    steps: list[dict] = []
    medians: dict[str, float] = {}
    if missing == "complete":
        keep = ~holes.any(axis=1)
        steps.append(
            {
                "step": "missing values",
                "method": "complete cases: rows with any missing feature are dropped",
                "dropped_rows": int((~keep).sum()),
                "missing_by_feature": missing_by_feature,
            }
        )
    else:
        empty = [name for name, n in missing_by_feature.items() if n == len(raw)]
        if empty:
            raise ValueError(f"no values at all to impute from for: {', '.join(empty)}")
        keep = np.ones(len(raw), dtype=bool)
        for j, name in enumerate(features):
            if name in missing_by_feature:
                # Medians on the raw scale; log1p is monotone, so the imputed value
                # sits at the median of the logged column too.
                medians[name] = float(np.nanmedian(raw[:, j]))
                raw[holes[:, j], j] = medians[name]
        steps.append(
            {
                "step": "missing values",
                "method": "median imputation of each missing feature",
                "imputed_by_feature": missing_by_feature,
                "medians": medians,
            }
        )
    kept = np.flatnonzero(keep)
    raw = raw[keep]
    logged = [name for name in features if name in LOG_FEATURES]
    steps.append(
        {
            "step": "log transform",
            "method": f"{LOG_TRANSFORM}: log(x + 1), for right-skewed variables",
            "features": logged,
        }
    )
    values = raw.copy()
    positions = [features.index(name) for name in logged]
    values[:, positions] = np.log1p(values[:, positions])
    if len(values):
        mean, scale = values.mean(axis=0), values.std(axis=0)
    else:
        mean, scale = np.zeros(len(features)), np.ones(len(features))
    constant = [name for name, s in zip(features, scale, strict=True) if not s > 0]
    # A constant feature carries no information; dividing by 1 leaves it at 0 everywhere.
    scale = np.where(scale > 0, scale, 1.0)
    steps.append(
        {
            "step": "z-score",
            "method": "mean 0, SD 1 (population SD of the rows used)",
            "constant_features": constant,
        }
    )
    scaling = Scaling(list(features), logged, mean, scale, medians)
    exclusions = {
        "n_input": len(frame),
        "n_used": len(kept),
        "n_dropped_missing": int(len(frame) - len(kept)),
        "missing_by_feature": missing_by_feature,
        "reason": "missing feature values" if missing == "complete" else "none (imputed)",
    }
    return Prepared((values - mean) / scale, raw, kept, scaling, steps, exclusions)


# Above this condition number of the features' correlation matrix, or a variance
# inflation factor of this size, the features carry (near-)exact linear duplicates.
EXACT_VIF = 1e10


def collinearity(z: np.ndarray, features: list[str]) -> dict:
    """Collinearity of the standardised features: the condition number of their
    correlation matrix (sqrt of largest / smallest eigenvalue) and each feature's
    variance inflation factor VIF_j = 1 / (1 - R²_j), R²_j from regressing feature j on
    the others with an intercept. An exact duplicate has VIF = infinity (stored as None
    and listed under `exact`)."""
    z = np.asarray(z, dtype=float)
    if len(z) < 3 or z.shape[1] < 2:
        return {"condition_number": None, "vif": {}, "exact": [], "eigenvalues": []}
    eigenvalues = np.clip(np.linalg.eigvalsh(np.corrcoef(z, rowvar=False)), 0, None)
    smallest = eigenvalues.min()
    condition = float(np.sqrt(eigenvalues.max() / smallest)) if smallest > 0 else None
    vif: dict[str, float | None] = {}
    exact = []
    for j, name in enumerate(features):
        y = z[:, j] - z[:, j].mean()
        total = float(y @ y)
        if total == 0:
            vif[name] = None
            continue
        others = np.column_stack([np.ones(len(z)), np.delete(z, j, axis=1)])
        coef, *_ = np.linalg.lstsq(others, z[:, j], rcond=None)
        residual = z[:, j] - others @ coef
        unexplained = float(residual @ residual) / total
        value = 1 / unexplained if unexplained > 1 / EXACT_VIF else None
        vif[name] = value
        if value is None:
            exact.append(name)
    return {
        "condition_number": condition if condition is None or condition < EXACT_VIF else None,
        "vif": vif,
        "exact": exact,
        "eigenvalues": sorted((float(v) for v in eigenvalues), reverse=True),
    }

"""The fitted model as plain JSON (never pickle), and assignment of new rows to it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import scipy
import sklearn

from analytics.engine.preprocess import LOG_TRANSFORM, Scaling, numeric_matrix

# Bump when a change to the maths can change labels, ids or names on the same input:
# a scheduled run then recomputes instead of skipping on an unchanged fingerprint.
ALGORITHM_VERSION = "pca-kmeans-4"
FORMAT = "ms-mobility-phenotype-model/1"


@dataclass(frozen=True)
class FittedModel:
    """Everything needed to place a new row: raw features -> (median imputation) ->
    log1p of log_features -> (x - scaler_mean) / scaler_scale -> PCA -> nearest centroid.

    Lists rather than arrays so the JSON round trip is exact (json writes the shortest
    repr of a float, which reads back to the same bits).
    """

    features: list[str]
    log_features: list[str]
    scaler_mean: list[float]
    scaler_scale: list[float]
    medians: dict[str, float]
    pca_mean: list[float]
    pca_components: list[list[float]]
    centroids_pca: list[list[float]]
    centroids_original: list[dict[str, float]]
    stable_ids: list[int]
    names: list[str]
    versions: dict[str, str]
    algorithm_version: str = ALGORITHM_VERSION
    format: str = FORMAT
    log_transform: str = LOG_TRANSFORM
    feature_set: str = ""
    seed: int | None = None
    pca_explained_variance: list[float] = field(default_factory=list)

    def scaling(self) -> Scaling:
        return Scaling(
            list(self.features),
            list(self.log_features),
            np.array(self.scaler_mean),
            np.array(self.scaler_scale),
            dict(self.medians),
        )

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        # allow_nan=False: PostgreSQL's JSON types reject NaN, so fail here, loudly.
        return json.dumps(self.to_dict(), sort_keys=True, allow_nan=False)

    @classmethod
    def from_json(cls, text: str) -> FittedModel:
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_dict(cls, data: dict) -> FittedModel:
        """The inverse of to_dict (a stored run keeps its model as JSON data)."""
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown model format {data.get('format')!r}; expected {FORMAT}")
        if data.get("log_transform", LOG_TRANSFORM) != LOG_TRANSFORM:
            raise ValueError(f"unknown log transform {data['log_transform']!r}")
        return cls(**data)


def library_versions() -> dict[str, str]:
    return {
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
    }


def project(model: FittedModel, frame: pd.DataFrame) -> np.ndarray:
    """Rows -> PCA coordinates; a row with a missing feature is all NaN unless the model
    imputes that feature's median."""
    raw = numeric_matrix(frame, list(model.features))
    for j, name in enumerate(model.features):
        if name in model.medians:
            raw[np.isnan(raw[:, j]), j] = model.medians[name]
    z = model.scaling().transform(raw)
    return (z - np.array(model.pca_mean)) @ np.array(model.pca_components).T


def assign(model: FittedModel, frame: pd.DataFrame) -> tuple[list[int | None], np.ndarray]:
    """Nearest centroid (Euclidean, PCA space) per row: stable ids (None where a feature
    is missing and not imputed) and distances (NaN there)."""
    points = project(model, frame)
    centroids = np.array(model.centroids_pca)
    distances = np.sqrt(((points[:, None, :] - centroids[None, :, :]) ** 2).sum(axis=2))
    complete = ~np.isnan(distances).any(axis=1)
    nearest = np.argmin(np.where(complete[:, None], distances, np.inf), axis=1)
    ids = [
        int(model.stable_ids[j]) if ok else None for j, ok in zip(nearest, complete, strict=True)
    ]
    best = np.where(complete, distances[np.arange(len(points)), nearest], np.nan)
    return ids, best

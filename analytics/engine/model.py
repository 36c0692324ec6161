"""The fitted model as plain JSON (never pickle), and assignment of new rows to it."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

import numpy as np
import pandas as pd
import scipy
import sklearn

from analytics.engine.preprocess import Scaling

ALGORITHM_VERSION = "pca-kmeans-1"
FORMAT = "ms-mobility-phenotype-model/1"


@dataclass(frozen=True)
class FittedModel:
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

    def scaling(self) -> Scaling:
        return Scaling(
            self.features,
            self.log_features,
            np.array(self.scaler_mean),
            np.array(self.scaler_scale),
            self.medians,
        )

    def to_dict(self) -> dict:
        return asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> FittedModel:
        data = json.loads(text)
        if data.get("format") != FORMAT:
            raise ValueError(f"unknown model format {data.get('format')!r}; expected {FORMAT}")
        return cls(**data)


def library_versions() -> dict[str, str]:
    return {
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "scipy": scipy.__version__,
    }


def project(model: FittedModel, frame: pd.DataFrame) -> np.ndarray:
    """Rows -> PCA coordinates; rows with a missing feature are NaN unless the model
    imputes medians."""
    raw = (
        frame[model.features].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float, copy=True)
    )
    for j, name in enumerate(model.features):
        if name in model.medians:
            raw[np.isnan(raw[:, j]), j] = model.medians[name]
    z = model.scaling().transform(raw)
    return (z - np.array(model.pca_mean)) @ np.array(model.pca_components).T


def assign(model: FittedModel, frame: pd.DataFrame) -> tuple[list[int | None], np.ndarray]:
    """Nearest centroid (Euclidean, PCA space) per row: stable ids and distances."""
    points = project(model, frame)
    centroids = np.array(model.centroids_pca)
    distances = np.linalg.norm(points[:, None, :] - centroids[None, :, :], axis=2)
    ids: list[int | None] = []
    best = np.full(len(points), np.nan)
    for i, row in enumerate(distances):
        if np.isnan(row).any():
            ids.append(None)
            continue
        j = int(np.argmin(row))
        ids.append(model.stable_ids[j])
        best[i] = row[j]
    return ids, best

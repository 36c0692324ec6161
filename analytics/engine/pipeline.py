"""The phenotyping pipeline: features -> z-scores -> PCA -> k -> k-means -> stability ->
stable ids -> names -> comparisons, timed stage by stage."""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA

from analytics.engine.alignment import MATCH_THRESHOLD, align
from analytics.engine.comparisons import CATEGORICAL, CONTINUOUS, compare_phenotypes
from analytics.engine.model import FittedModel, library_versions
from analytics.engine.naming import name_clusters
from analytics.engine.preprocess import feature_columns, prepare
from analytics.engine.selection import k_selection
from analytics.engine.stability import clusterboot, flag


@dataclass(frozen=True)
class PipelineConfig:
    feature_set: str = "gait"
    k: int | str = 4  # or "auto": the index vote decides
    seed: int = 42
    pca_variance: float = 0.80
    pca_components: int | None = None
    n_init: int = 50
    bootstrap: int = 100
    missing: str = "complete"
    k_range: tuple[int, ...] = (2, 3, 4, 5, 6, 7, 8)
    match_threshold: float = MATCH_THRESHOLD


@dataclass(frozen=True)
class PreviousModel:
    """Centroids of the previous run in original units: {stable id: {feature: value}}."""

    centroids: dict[int, dict[str, float]]


@dataclass(frozen=True)
class Phenotype:
    id: int
    name: str
    description: str
    size: int
    share: float
    centroid: dict[str, float]
    profile: dict[str, float]
    stability_jaccard: float | None
    stability_flag: str


@dataclass(frozen=True)
class PipelineResult:
    config: PipelineConfig
    n_input: int
    n_used: int
    exclusions: dict
    preprocessing: list[dict]
    pca: dict
    k_selection: dict
    k: int
    rows: list  # index labels of the input frame that were clustered
    labels: list[int]  # stable id per used row
    distances: list[float]
    phenotypes: list[Phenotype]
    id_mapping: dict[int, int]
    model: FittedModel
    comparisons: list[dict]
    timings: dict[str, float] = field(default_factory=dict)


def fingerprint(frame: pd.DataFrame, feature_columns: list[str]) -> str:
    """sha256 of a canonical serialisation of the rows (features and comparison
    variables), independent of row order."""
    keys = [c for c in ("patient_id", "visit_date") if c in frame.columns]
    extra = [c for c in CONTINUOUS + CATEGORICAL if c in frame.columns]
    columns = keys + [c for c in dict.fromkeys(feature_columns + extra) if c in frame.columns]
    canonical = frame[columns].sort_values(keys, kind="stable") if keys else frame[columns]
    payload = canonical.to_csv(index=False, float_format="%.10g").encode()
    return hashlib.sha256(payload).hexdigest()


def _ordered_kmeans(points, velocity, k, seed, n_init):
    model = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(points)
    speeds = np.array([velocity[model.labels_ == c].mean() for c in range(k)])
    # Fastest first, so label numbers do not depend on the solver's internal order.
    order = np.argsort(-speeds, kind="stable")
    relabel = np.empty(k, dtype=int)
    relabel[order] = np.arange(k)
    return relabel[model.labels_], model.cluster_centers_[order]


def run_pipeline(frame: pd.DataFrame, *, config: PipelineConfig, previous=None) -> PipelineResult:
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 3)
        clock = now

    features = feature_columns(config.feature_set)
    prep = prepare(frame, features=features, missing=config.missing)
    if len(prep.z) < max(config.k_range) + 2:
        raise ValueError(f"{len(prep.z)} complete rows are too few to cluster")
    lap("preprocess")

    pca = PCA(
        n_components=config.pca_components or config.pca_variance,
        svd_solver="full",
        random_state=config.seed,
    ).fit(prep.z)
    points = pca.transform(prep.z)
    lap("pca")

    selection = k_selection(points, k_range=config.k_range, seed=config.seed)
    k = selection["chosen"] if config.k == "auto" else int(config.k)
    lap("k_selection")

    velocity = prep.raw[:, features.index("velocity_m_s")]
    labels, centers = _ordered_kmeans(points, velocity, k, config.seed, config.n_init)
    lap("kmeans")

    jaccard = clusterboot(points, labels, k=k, b=config.bootstrap, seed=config.seed)
    lap("stability")

    z_centroids = np.vstack([prep.z[labels == c].mean(axis=0) for c in range(k)])
    scaling = prep.scaling
    previous_z = {}
    if previous is not None:
        for stable_id, centroid in previous.centroids.items():
            if all(name in centroid for name in features):
                raw = np.array([[centroid[name] for name in features]], dtype=float)
                previous_z[int(stable_id)] = scaling.transform(raw)[0]
    mapping = align(z_centroids, previous_z, threshold=config.match_threshold)
    original = scaling.inverse(z_centroids.copy())
    profiles = [dict(zip(features, map(float, row), strict=True)) for row in z_centroids]
    names = name_clusters(profiles)
    lap("identities")

    stable = np.array([mapping[c] for c in labels])
    distances = np.linalg.norm(points - centers[labels], axis=1)
    n_used = len(labels)
    phenotypes = []
    for c in range(k):
        size = int((labels == c).sum())
        phenotypes.append(
            Phenotype(
                id=mapping[c],
                name=names[c][0],
                description=names[c][1],
                size=size,
                share=size / n_used,
                centroid=dict(zip(features, map(float, original[c]), strict=True)),
                profile=profiles[c],
                stability_jaccard=jaccard.get(c),
                stability_flag=flag(jaccard[c]) if c in jaccard else "",
            )
        )
    phenotypes.sort(key=lambda p: p.id)
    by_label = [mapping[c] for c in range(k)]
    model = FittedModel(
        features=features,
        log_features=scaling.log_features,
        scaler_mean=scaling.mean.tolist(),
        scaler_scale=scaling.scale.tolist(),
        medians=scaling.medians,
        pca_mean=pca.mean_.tolist(),
        pca_components=pca.components_.tolist(),
        centroids_pca=centers.tolist(),
        centroids_original=[dict(zip(features, map(float, row), strict=True)) for row in original],
        stable_ids=by_label,
        names=[names[c][0] for c in range(k)],
        versions=library_versions(),
    )
    used = frame.iloc[prep.kept]
    comparisons = compare_phenotypes(used, stable, seed=config.seed)
    lap("comparisons")

    explained = pca.explained_variance_ratio_
    return PipelineResult(
        config=config,
        n_input=len(frame),
        n_used=n_used,
        exclusions=prep.exclusions,
        preprocessing=[
            *prep.steps,
            {
                "step": "PCA",
                "method": f"{pca.n_components_} components "
                f"({100 * explained.sum():.1f} % of variance)",
            },
        ],
        pca={
            "n_components": int(pca.n_components_),
            "explained_variance": explained.tolist(),
            "cumulative": np.cumsum(explained).tolist(),
            "loadings": {name: pca.components_[:, j].tolist() for j, name in enumerate(features)},
        },
        k_selection=selection,
        k=k,
        rows=list(used.index),
        labels=stable.tolist(),
        distances=distances.tolist(),
        phenotypes=phenotypes,
        id_mapping={int(c): int(mapping[c]) for c in range(k)},
        model=model,
        comparisons=comparisons,
        timings=timings,
    )


def result_to_dict(result: PipelineResult) -> dict:
    """Plain JSON-able data for storage."""
    return {
        "n_input": result.n_input,
        "n_used": result.n_used,
        "exclusions": result.exclusions,
        "preprocessing": result.preprocessing,
        "pca": result.pca,
        "k_selection": result.k_selection,
        "k": result.k,
        "id_mapping": {str(k): v for k, v in result.id_mapping.items()},
        "model": result.model.to_dict(),
        "phenotypes": [p.__dict__ for p in result.phenotypes],
        "labels": [
            {"row": row, "id": label, "distance": distance}
            for row, label, distance in zip(
                result.rows, result.labels, result.distances, strict=True
            )
        ],
        "comparisons": result.comparisons,
        "timings": result.timings,
    }

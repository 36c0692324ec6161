"""PCA on the standardised features and k-means in the PCA space."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA


@dataclass(frozen=True)
class PcaFit:
    """components: one row per kept component, one column per feature (unit vectors)."""

    features: list[str]
    components: np.ndarray
    mean: np.ndarray
    explained_variance_ratio: np.ndarray
    rule: str

    @property
    def n_components(self) -> int:
        return len(self.components)

    def transform(self, z: np.ndarray) -> np.ndarray:
        return (np.asarray(z, dtype=float) - self.mean) @ self.components.T

    def to_dict(self) -> dict:
        """Loadings are the component weights per feature (the eigenvector entries,
        not scaled by the component's SD)."""
        explained = self.explained_variance_ratio
        return {
            "n_components": self.n_components,
            "rule": self.rule,
            "explained_variance": explained.tolist(),
            "cumulative": np.cumsum(explained).tolist(),
            "loadings": {
                name: self.components[:, j].tolist() for j, name in enumerate(self.features)
            },
        }


def fit_pca(
    z: np.ndarray,
    *,
    features: list[str],
    variance: float = 0.80,
    components: int | None = None,
) -> PcaFit:
    """Keep a fixed number of components, or the fewest whose cumulative explained
    variance reaches `variance`."""
    if components is not None:
        n_components: int | float = min(int(components), z.shape[1], len(z))
        rule = f"fixed: {n_components} components"
    else:
        n_components = float(variance)
        rule = f"fewest components reaching {100 * variance:g} % of the variance"
    # The full SVD is exact and deterministic; sklearn fixes the component signs.
    pca = PCA(n_components=n_components, svd_solver="full").fit(z)
    return PcaFit(
        features=list(features),
        components=pca.components_.copy(),
        mean=pca.mean_.copy(),
        explained_variance_ratio=pca.explained_variance_ratio_.copy(),
        rule=rule,
    )


# The n_init starts stop at scikit-learn's default relative tolerance (a centre shift
# below 1e-4 of the data's variance); the best of them is then iterated on from its
# centres until no label changes (tol 0 makes scikit-learn test for exactly that), so
# the labels are a fixed point of Lloyd's iterations without paying that precision for
# every start (about a third of the fit at 100,000 patients).
KMEANS_START_TOL = 1e-4
KMEANS_TOL = 0.0
KMEANS_MAX_ITER = 1000


@dataclass(frozen=True)
class KMeansFit:
    labels: np.ndarray  # 0..k-1, cluster 0 has the highest mean of order_by
    centers: np.ndarray  # means of the final labels, in the space that was clustered
    inertia: float  # within-cluster sum of squares of the final labels
    seed: int
    n_init: int
    n_iter: int = 0
    converged: bool = True


def within_ss(points: np.ndarray, labels: np.ndarray, k: int) -> tuple[np.ndarray, float]:
    """Centroids as the means of the labelled points and the within-cluster sum of
    squares around them (what R's kmeans reports as tot.withinss)."""
    centers = np.vstack([points[labels == c].mean(axis=0) for c in range(k)])
    return centers, float(((points - centers[labels]) ** 2).sum())


def fit_kmeans(
    points: np.ndarray, *, k: int, seed: int, n_init: int, order_by: np.ndarray
) -> KMeansFit:
    """k-means++ with n_init restarts, then clusters renumbered by descending mean of
    `order_by` (the pipeline passes velocity) so label numbers never depend on the
    solver's internal order. Same points, k, seed and n_init give identical labels."""
    starts = KMeans(
        n_clusters=k,
        init="k-means++",
        n_init=n_init,
        random_state=seed,
        tol=KMEANS_START_TOL,
        max_iter=KMEANS_MAX_ITER,
    ).fit(points)
    model = KMeans(
        n_clusters=k,
        init=starts.cluster_centers_,
        n_init=1,
        tol=KMEANS_TOL,
        max_iter=KMEANS_MAX_ITER,
    ).fit(points)
    n_iter = int(starts.n_iter_) + int(model.n_iter_)
    means = np.array([order_by[model.labels_ == c].mean() for c in range(k)])
    order = np.argsort(-means, kind="stable")
    relabel = np.empty(k, dtype=int)
    relabel[order] = np.arange(k)
    labels = relabel[model.labels_]
    centers, wss = within_ss(points, labels, k)
    return KMeansFit(
        labels=labels,
        centers=centers,
        inertia=wss,
        seed=seed,
        n_init=n_init,
        n_iter=n_iter,
        converged=int(model.n_iter_) < KMEANS_MAX_ITER,
    )

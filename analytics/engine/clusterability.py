"""Is there cluster structure at all? A test against a no-cluster null.

The statistic is the k-means cluster index, CI = within-SS / total SS, of the k the run
fits, in the same PCA space. The null is one Gaussian with the data's mean and sample
covariance: a parametric bootstrap draws `n_null` such cohorts of the same size, runs
the same k-means on each, and p = (1 + #{CI_null <= CI_observed}) / (1 + n_null)
(the SigClust idea of Liu, Hayes, Nobel & Marron 2008, JASA 103:1281, with k clusters
and, in these few dimensions, the plain sample covariance). A small CI means tighter
clusters than a single Gaussian of the same shape produces. The gap statistic from
k = 1 (Tibshirani's 1-SE rule) is reported beside it when the k scan ran.

The sample covariance includes any between-cluster spread, which makes the null wider
and the test conservative when clusters exist; it is calibrated when they do not.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans

from analytics.engine.compute import Compute, map_tasks

NULL_DRAWS = 100
# The observed index and every null draw use the same k-means: k-means++ with these
# restarts, so neither side is better optimised than the other.
CLUSTERABILITY_N_INIT = 5
ALPHA = 0.05
METHOD = "sigclust-kmeans-ci"


@dataclass(frozen=True)
class Clusterability:
    method: str
    statistic: float  # observed cluster index, within-SS / total SS
    p_value: float
    n_null: int
    k: int
    alpha: float
    rejected: bool
    p_floor: bool  # no null draw was as small: the true p is below p_value
    null_mean: float
    null_sd: float
    null_quantiles: dict[str, float]  # q01, q05, q50, q95: the 1, 5, 50 and 95 % quantiles
    n_rows: int
    dimensions: int
    n_init: int
    seed: int
    gap_k: int | None = None  # the gap statistic's 1-SE choice from k = 1 (None: no scan)
    unit: str = "rows"  # what one point is: a row, or one row per patient

    @property
    def description(self) -> str:
        return (
            f"k-means cluster index (within-SS / total SS, k = {self.k}) against {self.n_null} "
            f"draws of one Gaussian with the data's covariance ({self.dimensions} PCA "
            f"dimensions, {self.n_rows} {self.unit}), k-means++ with n_init {self.n_init}"
        )

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "description": self.description,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "p_floor": self.p_floor,
            "n_null": self.n_null,
            "k": self.k,
            "alpha": self.alpha,
            "rejected": self.rejected,
            "null": {
                "mean": self.null_mean,
                "sd": self.null_sd,
                "quantiles": dict(self.null_quantiles),
            },
            "n_rows": self.n_rows,
            "unit": self.unit,
            "dimensions": self.dimensions,
            "n_init": self.n_init,
            "seed": self.seed,
            "gap": None
            if self.gap_k is None
            else {
                "k": self.gap_k,
                "rule": "Tibshirani 1-SE from k = 1",
                "structure": self.gap_k > 1,
            },
        }


def cluster_index(points: np.ndarray, k: int, seed: int, n_init: int) -> float:
    total = float(((points - points.mean(axis=0)) ** 2).sum())
    fit = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(points)
    return float(fit.inertia_) / total


def _null_index(root: np.ndarray, n: int, seed, k: int, n_init: int) -> float:
    rng = np.random.default_rng(seed)
    sample = rng.standard_normal((n, root.shape[0])) @ root.T
    return cluster_index(sample, k, int(rng.integers(0, 2**31 - 1)), n_init)


def clusterability(
    points: np.ndarray,
    *,
    k: int,
    seed: int = 42,
    n_null: int = NULL_DRAWS,
    n_init: int = CLUSTERABILITY_N_INIT,
    alpha: float = ALPHA,
    gap_k: int | None = None,
    compute: Compute | None = None,
    unit: str = "rows",
) -> Clusterability:
    points = np.asarray(points, dtype=float)
    if n_null < 1:
        raise ValueError(f"n_null = {n_null}; use at least 1 null draw")
    covariance = np.atleast_2d(np.cov(points, rowvar=False, bias=True))
    values, vectors = np.linalg.eigh(covariance)
    root = vectors * np.sqrt(np.clip(values, 0, None))  # covariance = root @ root.T
    observed = cluster_index(points, k, seed, n_init)
    seeds = np.random.SeedSequence(seed).spawn(n_null)
    null = np.array(
        map_tasks(
            _null_index,
            [(root, len(points), s, k, n_init) for s in seeds],
            compute=compute or Compute(),
            rows=len(points),
        )
    )
    as_small = int((null <= observed).sum())
    p = (as_small + 1) / (n_null + 1)
    quantiles = np.quantile(null, [0.01, 0.05, 0.5, 0.95])
    return Clusterability(
        method=METHOD,
        statistic=observed,
        p_value=p,
        n_null=n_null,
        k=k,
        alpha=alpha,
        rejected=p <= alpha,
        p_floor=as_small == 0,
        null_mean=float(null.mean()),
        null_sd=float(null.std(ddof=1)) if n_null > 1 else 0.0,
        null_quantiles={
            name: float(q) for name, q in zip(("q01", "q05", "q50", "q95"), quantiles, strict=True)
        },
        n_rows=len(points),
        dimensions=points.shape[1],
        n_init=n_init,
        seed=seed,
        gap_k=gap_k,
        unit=unit,
    )

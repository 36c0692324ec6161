"""Cluster stability by bootstrap, after Hennig's clusterboot (Hennig 2007, fpc::clusterboot).

Each resample draws n rows with replacement and refits k-means on it. For every original
cluster C the resample's score is the best Jaccard similarity between C restricted to the
distinct rows that were drawn and any bootstrap cluster (also as a set of distinct rows).
A cluster's stability is the mean over the resamples in which it had at least one row.

A refit starts from the full-data centroids (one start, Lloyd's iterations to
convergence on the resample), as clusterboot allows with a fixed initialisation: the
question is whether the clusters survive resampling, not whether k-means++ finds them
again from scratch, and one seeded start costs a fraction of ten random ones.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from sklearn.cluster import KMeans

from analytics.engine.compute import Compute, map_tasks

# Hennig's reading of the mean Jaccard: below 0.6 the cluster dissolves under resampling,
# 0.6–0.75 it is a pattern but a doubtful one, above 0.75 it is stable.
UNSTABLE_BELOW = 0.6
DOUBTFUL_BELOW = 0.75
# Restarts of a refit when it is not seeded from the full-data centroids.
BOOTSTRAP_N_INIT = 10
REFITS = ("centroids", "kmeans++")


def flag(jaccard: float | None) -> str:
    if jaccard is None:
        return ""
    if jaccard < UNSTABLE_BELOW:
        return "unstable"
    if jaccard < DOUBTFUL_BELOW:
        return "doubtful"
    return "stable"


@dataclass(frozen=True)
class Stability:
    """Per cluster label 0..k-1: mean best Jaccard (None with no resamples) and its flag."""

    jaccard: tuple[float | None, ...]
    flags: tuple[str, ...]
    resamples: int
    n_init: int
    seed: int
    refit: str = "centroids"
    n_rows: int = 0  # rows resampled (a sample of the cohort above a size threshold)

    def describe(self) -> str:
        start = (
            "refits seeded from the full-data centroids (1 start)"
            if self.refit == "centroids"
            else f"k-means++ refits with n_init {self.n_init}"
        )
        return (
            f"clusterboot: {self.resamples} bootstrap resamples of {self.n_rows} rows, "
            f"{start}, mean best Jaccard per cluster"
        )


def _resample_labels(
    points: np.ndarray, seed: np.random.SeedSequence, k: int, init, n_init: int
) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(points), size=len(points))
    if init is None:
        state = int(rng.integers(0, 2**31 - 1))
        model = KMeans(n_clusters=k, n_init=n_init, random_state=state)
    else:
        model = KMeans(n_clusters=k, init=init, n_init=1)
    return idx, model.fit_predict(points[idx])


def clusterboot(
    points: np.ndarray,
    labels: np.ndarray,
    *,
    k: int,
    b: int,
    seed: int,
    n_init: int = BOOTSTRAP_N_INIT,
    centers: np.ndarray | None = None,
    compute: Compute | None = None,
) -> Stability:
    """With `centers` (the full-data centroids) every refit starts from them; without,
    each refit is k-means++ with `n_init` restarts."""
    compute = compute or Compute()
    refit = "centroids" if centers is not None else "kmeans++"
    n = len(points)
    if b <= 0:
        return Stability((None,) * k, ("",) * k, 0, n_init, seed, refit, n)
    init = None if centers is None else np.asarray(centers, dtype=float)
    seeds = np.random.SeedSequence(seed).spawn(b)
    fits = map_tasks(
        _resample_labels, [(points, s, k, init, n_init) for s in seeds], compute=compute, rows=n
    )
    original = np.zeros((k, n), dtype=bool)
    original[labels, np.arange(n)] = True
    totals, counts = np.zeros(k), np.zeros(k, dtype=int)
    for idx, boot_labels in fits:
        # A row drawn twice lands in the same cluster both times, so the sets are
        # well defined on distinct rows.
        boot = np.zeros((k, n), dtype=bool)
        boot[boot_labels, idx] = True
        present = np.zeros(n, dtype=bool)
        present[idx] = True
        here = original & present
        intersection = here.astype(np.int32) @ boot.T.astype(np.int32)
        union = here.sum(axis=1)[:, None] + boot.sum(axis=1)[None, :] - intersection
        jaccard = np.where(union > 0, intersection / np.maximum(union, 1), 0.0)
        seen = here.any(axis=1)
        totals[seen] += jaccard[seen].max(axis=1)
        counts[seen] += 1
    means = tuple(float(t / c) if c else None for t, c in zip(totals, counts, strict=True))
    return Stability(means, tuple(flag(m) for m in means), b, n_init, seed, refit, n)

"""Cluster stability by bootstrap (Hennig's clusterboot): refit on resamples and keep,
for each original cluster, the best Jaccard similarity with any resampled cluster."""

from __future__ import annotations

import numpy as np
from sklearn.cluster import KMeans

# A smaller n_init inside the bootstrap keeps B = 100 refits to seconds; the main fit
# uses the full n_init.
BOOTSTRAP_N_INIT = 10


def flag(jaccard: float) -> str:
    if jaccard < 0.6:
        return "unstable"
    if jaccard < 0.75:
        return "doubtful"
    return "stable"


def clusterboot(points: np.ndarray, labels: np.ndarray, *, k: int, b: int, seed: int):
    """Mean best-match Jaccard per original cluster label (0..k-1) over b resamples."""
    if b <= 0:
        return {}
    rng = np.random.default_rng(seed)
    n = len(points)
    totals = np.zeros(k)
    original = [labels == c for c in range(k)]
    for i in range(b):
        idx = rng.integers(0, n, size=n)
        fitted = KMeans(n_clusters=k, n_init=BOOTSTRAP_N_INIT, random_state=seed + i + 1)
        boot_labels = fitted.fit_predict(points[idx])
        present = np.zeros(n, dtype=bool)
        present[idx] = True
        members = []
        for c in range(k):
            mask = np.zeros(n, dtype=bool)
            mask[idx[boot_labels == c]] = True
            members.append(mask)
        for c in range(k):
            here = original[c] & present
            if not here.any():
                continue
            best = 0.0
            for mask in members:
                union = (here | mask).sum()
                if union:
                    best = max(best, (here & mask).sum() / union)
            totals[c] += best
    return {c: float(totals[c] / b) for c in range(k)}

"""Choosing k: several indices side by side, each with one vote.

On realistic data the silhouette alone often prefers k = 2, which is why the paper's
k = 4 is a setting and this table shows every index instead of trusting one.
"""

from __future__ import annotations

from collections import Counter

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

SILHOUETTE_SAMPLE = 3000
GAP_REFERENCES = 10


def _wss(points: np.ndarray, k: int, seed: int, n_init: int) -> tuple[float, np.ndarray]:
    model = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(points)
    return float(model.inertia_), model.labels_


def elbow(ks: list[int], wss: list[float]) -> int:
    """Kneedle-style elbow: the k farthest below the chord from the first to the last
    point of the normalised WSS curve."""
    x = (np.array(ks) - ks[0]) / max(ks[-1] - ks[0], 1)
    y = np.array(wss)
    y = (y - y.min()) / max(y.max() - y.min(), 1e-12)
    chord = 1 - x  # the line from (0, 1) to (1, 0)
    return int(ks[int(np.argmax(chord - y))])


def gap_statistic(points, ks, wss, *, seed: int, n_init: int, references: int = GAP_REFERENCES):
    """Tibshirani's gap with uniform references in the bounding box; 1-SE rule."""
    rng = np.random.default_rng(seed)
    low, high = points.min(axis=0), points.max(axis=0)
    gaps, errors = [], []
    for k, w in zip(ks, wss, strict=True):
        logs = []
        for _ in range(references):
            reference = rng.uniform(low, high, size=points.shape)
            logs.append(np.log(_wss(reference, k, seed, max(1, n_init // 2))[0]))
        logs = np.array(logs)
        gaps.append(float(logs.mean() - np.log(w)))
        errors.append(float(logs.std() * np.sqrt(1 + 1 / references)))
    choice = ks[-1]
    for i in range(len(ks) - 1):
        if gaps[i] >= gaps[i + 1] - errors[i + 1]:
            choice = ks[i]
            break
    return gaps, errors, choice


def k_selection(points: np.ndarray, *, k_range=range(2, 9), seed: int = 42, n_init: int = 10):
    ks = [k for k in k_range if k < len(points)]
    rows, wss = [], []
    sample = min(len(points), SILHOUETTE_SAMPLE)
    for k in ks:
        w, labels = _wss(points, k, seed, n_init)
        wss.append(w)
        rows.append(
            {
                "k": k,
                "wss": w,
                "silhouette": float(
                    silhouette_score(points, labels, sample_size=sample, random_state=seed)
                ),
                "calinski_harabasz": float(calinski_harabasz_score(points, labels)),
                "davies_bouldin": float(davies_bouldin_score(points, labels)),
            }
        )
    gaps, errors, gap_k = gap_statistic(points, ks, wss, seed=seed, n_init=n_init)
    for row, gap, error in zip(rows, gaps, errors, strict=True):
        row["gap"], row["gap_se"] = gap, error
    votes = {
        "elbow (WSS)": elbow(ks, wss),
        "silhouette": max(rows, key=lambda r: r["silhouette"])["k"],
        "calinski_harabasz": max(rows, key=lambda r: r["calinski_harabasz"])["k"],
        "davies_bouldin": min(rows, key=lambda r: r["davies_bouldin"])["k"],
        "gap": gap_k,
    }
    tally = Counter(votes.values())
    best = max(tally.values())
    # Ties go to the smaller k: the simpler description of the cohort.
    chosen = min(k for k, n in tally.items() if n == best)
    return {"table": rows, "votes": votes, "chosen": chosen, "rule": "majority; ties -> smaller k"}

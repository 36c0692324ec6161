"""Stable phenotype ids across runs.

The previous run's centroids (original units) are mapped into the NEW model's
standardised space and matched to the new centroids with the Hungarian algorithm
(minimum total distance). A pair further apart than the threshold is not the same
phenotype, and the new cluster gets a fresh id (max previous id + 1, ...).

Distance is the root-mean-square difference per feature in z units (Euclidean distance
divided by sqrt(number of features)), so one threshold means the same thing for 12 gait
features or 15 gait + MRI features. The default 0.5 reads "on average less than half a
cohort SD apart per feature": re-running on the same or a moderately grown cohort moves
centroids by a few hundredths, while neighbouring phenotypes of the calibrated demo
cohort are about 0.8 apart.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import linear_sum_assignment

MATCH_THRESHOLD = 0.5


@dataclass(frozen=True)
class Alignment:
    mapping: dict[int, int]  # new cluster label -> stable id
    distances: dict[int, float]  # new label -> RMS z distance to its matched previous centroid
    fresh: tuple[int, ...]  # stable ids that did not exist before
    features: tuple[str, ...]  # the features the distances were computed on
    threshold: float

    def to_dict(self) -> dict:
        return {
            "mapping": {str(label): i for label, i in self.mapping.items()},
            "distances": {str(label): d for label, d in self.distances.items()},
            "fresh": list(self.fresh),
            "features": list(self.features),
            "threshold": self.threshold,
            "distance": "root-mean-square z difference per feature (new model's scaling)",
        }


def common_features(features: list[str], previous: dict[int, dict[str, float]]) -> list[str]:
    """The new model's features that every previous centroid has a value for (a run on
    gait + MRI can still be matched to a gait-only run on the gait features)."""
    return [
        name
        for name in features
        if previous and all(c.get(name) is not None for c in previous.values())
    ]


def align(
    new_z: np.ndarray,
    previous_z: dict[int, np.ndarray],
    *,
    threshold: float = MATCH_THRESHOLD,
    features: tuple[str, ...] = (),
) -> Alignment:
    """new_z: one row per new cluster label; previous_z: stable id -> centroid in the same
    standardised coordinates (same columns as new_z)."""
    k = len(new_z)
    if not previous_z or new_z.shape[1] == 0:
        return Alignment({c: c + 1 for c in range(k)}, {}, tuple(range(1, k + 1)), (), threshold)
    old_ids = sorted(previous_z)
    old = np.vstack([previous_z[i] for i in old_ids])
    cost = np.sqrt(((new_z[:, None, :] - old[None, :, :]) ** 2).mean(axis=2))
    rows, cols = linear_sum_assignment(cost)
    mapping: dict[int, int] = {}
    distances: dict[int, float] = {}
    for r, c in zip(rows, cols, strict=True):
        if cost[r, c] <= threshold:
            mapping[int(r)] = old_ids[c]
            distances[int(r)] = float(cost[r, c])
    next_id = max(old_ids) + 1
    fresh = []
    for label in range(k):
        if label not in mapping:
            mapping[label] = next_id
            fresh.append(next_id)
            next_id += 1
    return Alignment(dict(sorted(mapping.items())), distances, tuple(fresh), features, threshold)

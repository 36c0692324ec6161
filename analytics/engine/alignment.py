"""Stable phenotype ids across runs: new clusters are matched to the previous run's
centroids with the Hungarian algorithm, in the new model's standardised space."""

from __future__ import annotations

import numpy as np
from scipy.optimize import linear_sum_assignment

# Centroids further apart than this (Euclidean, in z units over the features) are not
# the same phenotype; the new cluster then gets a fresh id.
MATCH_THRESHOLD = 2.0


def align(
    new_z: np.ndarray,
    previous_z: dict[int, np.ndarray],
    *,
    threshold: float = MATCH_THRESHOLD,
) -> dict[int, int]:
    """Map new cluster label (row of new_z) -> stable id."""
    k = len(new_z)
    if not previous_z:
        return {label: label + 1 for label in range(k)}
    old_ids = sorted(previous_z)
    old = np.vstack([previous_z[i] for i in old_ids])
    cost = np.linalg.norm(new_z[:, None, :] - old[None, :, :], axis=2)
    rows, cols = linear_sum_assignment(cost)
    mapping = {}
    for r, c in zip(rows, cols, strict=True):
        if cost[r, c] <= threshold:
            mapping[int(r)] = old_ids[c]
    next_id = max(old_ids) + 1
    for label in range(k):
        if label not in mapping:
            mapping[label] = next_id
            next_id += 1
    return mapping

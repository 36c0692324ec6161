"""Choosing k: several indices side by side, each with one vote.

On realistic data the silhouette alone often prefers k = 2, which is why the paper's
k = 4 is a setting and this table shows every index instead of trusting one.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

K_RANGE = (2, 3, 4, 5, 6, 7, 8)
# Above this many rows the silhouette (quadratic in n) is computed on a fixed-seed sample.
SILHOUETTE_SAMPLE = 3000
GAP_REFERENCES = 20
# The table compares k with each other, so fewer restarts than the final fit suffice.
SELECTION_N_INIT = 10
VOTE_RULE = "majority of the index votes; a tie goes to the smaller k (the simpler model)"


@dataclass(frozen=True)
class KScore:
    k: int
    wss: float
    silhouette: float
    calinski_harabasz: float
    davies_bouldin: float
    gap: float
    gap_se: float


@dataclass(frozen=True)
class KSelection:
    table: tuple[KScore, ...]
    votes: dict[str, int]
    chosen: int
    rule: str = VOTE_RULE
    n_init: int = SELECTION_N_INIT
    gap_references: int = GAP_REFERENCES
    silhouette_sample: int | None = None  # None: every row

    def to_dict(self) -> dict:
        return {
            "table": [asdict(row) for row in self.table],
            "votes": dict(self.votes),
            "chosen": self.chosen,
            "rule": self.rule,
            "n_init": self.n_init,
            "gap_references": self.gap_references,
            "silhouette_sample": self.silhouette_sample,
        }


def _kmeans(points: np.ndarray, k: int, seed: int, n_init: int) -> KMeans:
    return KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(points)


def elbow(ks: list[int], wss: list[float]) -> int:
    """The k farthest below the chord from the first to the last point of the WSS curve,
    both axes scaled to [0, 1] (the "maximum distance to the chord" form of kneedle)."""
    x = (np.asarray(ks, dtype=float) - ks[0]) / max(ks[-1] - ks[0], 1)
    y = np.asarray(wss, dtype=float)
    y = (y - y.min()) / max(y.max() - y.min(), 1e-12)
    # After scaling the chord runs from (0, 1) to (1, 0) with slope -1, so the vertical
    # gap below it is sqrt(2) times the perpendicular distance: same argmax.
    return int(ks[int(np.argmax((1 - x) - y))])


def gap_statistic(
    points: np.ndarray,
    ks: list[int],
    wss: list[float],
    *,
    seed: int,
    references: int = GAP_REFERENCES,
    n_init: int = 3,
) -> tuple[list[float], list[float], int]:
    """Tibshirani, Walther & Hastie (2001): Gap(k) = mean log W*(k) over uniform
    reference sets in the bounding box of the points (here the principal-component box,
    their variant b) minus log W(k); s(k) = sd · sqrt(1 + 1/B). The 1-SE rule picks
    the smallest k with Gap(k) >= Gap(k+1) - s(k+1); if none does, the largest k."""
    # Few restarts on the references: uniform data has no structure to miss, and W*(k)
    # only enters as a mean of logs over the B sets.
    rng = np.random.default_rng(seed)
    low, high = points.min(axis=0), points.max(axis=0)
    reference_sets = [rng.uniform(low, high, size=points.shape) for _ in range(references)]
    gaps, errors = [], []
    for k, w in zip(ks, wss, strict=True):
        logs = np.log([_kmeans(r, k, seed, n_init).inertia_ for r in reference_sets])
        gaps.append(float(logs.mean() - np.log(w)))
        errors.append(float(logs.std() * np.sqrt(1 + 1 / references)))
    choice = ks[-1]
    for i in range(len(ks) - 1):
        if gaps[i] >= gaps[i + 1] - errors[i + 1]:
            choice = ks[i]
            break
    return gaps, errors, choice


def majority(votes: dict[str, int]) -> int:
    tally = Counter(votes.values())
    best = max(tally.values())
    return min(k for k, n in tally.items() if n == best)


def k_selection(
    points: np.ndarray,
    *,
    k_range: tuple[int, ...] = K_RANGE,
    seed: int = 42,
    n_init: int = SELECTION_N_INIT,
    references: int = GAP_REFERENCES,
) -> KSelection:
    """Every index for every k, one vote per index and the majority choice.

    Votes: elbow of the WSS curve, highest silhouette, highest Calinski–Harabasz,
    lowest Davies–Bouldin, gap statistic with the 1-SE rule.
    """
    ks = sorted(k for k in set(k_range) if 2 <= k < len(points))
    if not ks:
        raise ValueError(f"no k in {tuple(k_range)} can be fitted on {len(points)} rows")
    sample = SILHOUETTE_SAMPLE if len(points) > SILHOUETTE_SAMPLE else None
    fits = [_kmeans(points, k, seed, n_init) for k in ks]
    wss = [float(f.inertia_) for f in fits]
    gaps, errors, gap_k = gap_statistic(points, ks, wss, seed=seed, references=references)
    table = tuple(
        KScore(
            k=k,
            wss=w,
            silhouette=float(
                silhouette_score(points, f.labels_, sample_size=sample, random_state=seed)
            ),
            calinski_harabasz=float(calinski_harabasz_score(points, f.labels_)),
            davies_bouldin=float(davies_bouldin_score(points, f.labels_)),
            gap=gap,
            gap_se=error,
        )
        for k, w, f, gap, error in zip(ks, wss, fits, gaps, errors, strict=True)
    )
    votes = {
        "elbow (WSS)": elbow(ks, wss),
        "silhouette": max(table, key=lambda r: r.silhouette).k,
        "calinski_harabasz": max(table, key=lambda r: r.calinski_harabasz).k,
        "davies_bouldin": min(table, key=lambda r: r.davies_bouldin).k,
        "gap": gap_k,
    }
    return KSelection(
        table=table,
        votes=votes,
        chosen=majority(votes),
        n_init=n_init,
        gap_references=references,
        silhouette_sample=sample,
    )

"""Choosing k: several indices side by side, each with one vote.

On realistic data the silhouette alone often prefers k = 2, which is why the paper's
k = 4 is a setting and this table shows every index instead of trusting one. The gap
statistic starts at k = 1, so the table can say "no cluster structure"; a vote without a
clear majority is reported as weak or tied, never resolved silently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np
from sklearn.cluster import KMeans
from sklearn.metrics import calinski_harabasz_score, davies_bouldin_score, silhouette_score

from analytics.engine.compute import Compute, map_tasks

K_RANGE = (2, 3, 4, 5, 6, 7, 8)
# Above this many rows the silhouette (quadratic in n) is computed on a fixed-seed sample.
SILHOUETTE_SAMPLE = 3000
GAP_REFERENCES = 20
# The table compares k with each other, so fewer restarts than the final fit suffice.
SELECTION_N_INIT = 10
N_INDICES = 5
TIE_BREAK = "the smaller k (the simpler model)"
VOTE_RULE = (
    f"one vote per index; a k with at least {N_INDICES // 2 + 1} of {N_INDICES} votes is a "
    f"clear choice, a plurality below that is weak, and a tie goes to {TIE_BREAK}. "
    "When the vote prefers k = 1 (only the gap statistic can), k-means still needs k >= 2: "
    "the run fits the vote among k >= 2 and says so."
)


@dataclass(frozen=True)
class KScore:
    """One row of the table; the partition indices are undefined at k = 1 (None)."""

    k: int
    wss: float
    silhouette: float | None
    calinski_harabasz: float | None
    davies_bouldin: float | None
    gap: float
    gap_se: float


@dataclass(frozen=True)
class Vote:
    preferred: int  # the vote's winner, may be 1
    chosen: int  # the k >= 2 a partition is fitted with
    agreement: str  # "clear", "weak" or "tie"
    tally: dict[int, int]
    tied: tuple[int, ...]  # the ks sharing the most votes (one k unless a tie)

    def describe(self) -> str:
        top = self.tally[self.preferred]
        if self.agreement == "tie":
            text = (
                f"tie between k = {', '.join(map(str, self.tied))} ({top} votes each); "
                f"tie-break: {TIE_BREAK} -> {self.preferred}"
            )
        elif self.agreement == "weak":
            text = f"weak plurality: k = {self.preferred} with {top} of {N_INDICES} votes"
        else:
            text = f"clear majority: k = {self.preferred} with {top} of {N_INDICES} votes"
        if self.chosen != self.preferred:
            text += f"; k = 1 cannot be partitioned, fitted k = {self.chosen}"
        return text


@dataclass(frozen=True)
class KSelection:
    table: tuple[KScore, ...]
    votes: dict[str, int]
    chosen: int
    vote: Vote | None = None
    rule: str = VOTE_RULE
    n_init: int = SELECTION_N_INIT
    gap_references: int = GAP_REFERENCES
    silhouette_sample: int | None = None  # None: every row
    n_rows: int = 0  # rows the scan ran on (a sample of the cohort above a threshold)
    mode: str = "full"

    def to_dict(self) -> dict:
        vote = self.vote
        return {
            "table": [asdict(row) for row in self.table],
            "votes": dict(self.votes),
            "chosen": self.chosen,
            "preferred": vote.preferred if vote else self.chosen,
            "agreement": vote.agreement if vote else "",
            "tally": {str(k): n for k, n in vote.tally.items()} if vote else {},
            "tied": list(vote.tied) if vote else [],
            "summary": vote.describe() if vote else "",
            "rule": self.rule,
            "n_init": self.n_init,
            "gap_references": self.gap_references,
            "silhouette_sample": self.silhouette_sample,
            "n_rows": self.n_rows,
            "mode": self.mode,
        }


def elbow(ks: list[int], wss: list[float]) -> int:
    """The k farthest below the chord from the first to the last point of the WSS curve,
    both axes scaled to [0, 1] (the "maximum distance to the chord" form of kneedle)."""
    x = (np.asarray(ks, dtype=float) - ks[0]) / max(ks[-1] - ks[0], 1)
    y = np.asarray(wss, dtype=float)
    y = (y - y.min()) / max(y.max() - y.min(), 1e-12)
    # After scaling the chord runs from (0, 1) to (1, 0) with slope -1, so the vertical
    # gap below it is sqrt(2) times the perpendicular distance: same argmax.
    return int(ks[int(np.argmax((1 - x) - y))])


def total_ss(points: np.ndarray) -> float:
    """W(1): the within-SS of one cluster, the sum of squares around the mean."""
    return float(((points - points.mean(axis=0)) ** 2).sum())


def one_se_rule(ks: list[int], gaps: list[float], errors: list[float]) -> int:
    """Tibshirani, Walther & Hastie (2001): the smallest k with Gap(k) >= Gap(k+1) -
    s(k+1); if none, the largest k (R: cluster::maxSE(method = "Tibs2001SEmax"))."""
    for i in range(len(ks) - 1):
        if gaps[i] >= gaps[i + 1] - errors[i + 1]:
            return ks[i]
    return ks[-1]


def _pca_box(points: np.ndarray):
    """Tibshirani's variant b: the reference box aligned with the principal axes."""
    mean = points.mean(axis=0)
    _, _, vt = np.linalg.svd(points - mean, full_matrices=False)
    rotated = (points - mean) @ vt.T
    return rotated.min(axis=0), rotated.max(axis=0), vt, mean


def _reference_logs(low, high, vt, mean, n: int, seed, ks, inits) -> list[float]:
    rng = np.random.default_rng(seed)
    reference = rng.uniform(low, high, size=(n, len(low))) @ vt + mean
    logs = []
    for k in ks:
        if k == 1:
            logs.append(np.log(total_ss(reference)))
        else:
            fit = KMeans(n_clusters=k, init=inits[k], n_init=1).fit(reference)
            logs.append(np.log(fit.inertia_))
    return logs


def gap_statistic(
    points: np.ndarray,
    ks: list[int],
    wss: list[float],
    *,
    seed: int,
    references: int = GAP_REFERENCES,
    centers: dict[int, np.ndarray] | None = None,
    compute: Compute | None = None,
) -> tuple[list[float], list[float], int]:
    """Gap(k) = mean log W*(k) over uniform reference sets in the principal-component box
    of the points minus log W(k); s(k) = sd · sqrt(1 + 1/B); the 1-SE rule picks k.
    W is the within-SS (R: clusGap(..., d.power = 2, spaceH0 = "scaledPCA")). A
    reference fit starts from the data's centroids at the same k (one start): the
    references only enter as a mean of logs, and a seeded start is cheap and stable."""
    centers = centers or {}
    inits = {
        k: centers[k] if k in centers else _kmeanspp_centers(points, k, seed) for k in ks if k > 1
    }
    low, high, vt, mean = _pca_box(points)
    seeds = np.random.SeedSequence(seed).spawn(references)
    logs = np.array(
        map_tasks(
            _reference_logs,
            [(low, high, vt, mean, len(points), s, ks, inits) for s in seeds],
            compute=compute or Compute(),
            rows=len(points),
        )
    )
    gaps = (logs.mean(axis=0) - np.log(np.asarray(wss, dtype=float))).tolist()
    errors = (logs.std(axis=0) * np.sqrt(1 + 1 / references)).tolist()
    return gaps, errors, one_se_rule(list(ks), gaps, errors)


def _kmeanspp_centers(points, k, seed) -> np.ndarray:
    return KMeans(n_clusters=k, n_init=1, random_state=seed).fit(points).cluster_centers_


def vote(votes: dict[str, int]) -> Vote:
    tally = Counter(votes.values())
    best = max(tally.values())
    tied = tuple(sorted(k for k, n in tally.items() if n == best))
    preferred = tied[0]
    if len(tied) > 1:
        agreement = "tie"
    elif best > N_INDICES // 2:
        agreement = "clear"
    else:
        agreement = "weak"
    chosen = preferred
    if preferred < 2:
        partition = {name: k for name, k in votes.items() if k >= 2}
        chosen = vote(partition).preferred if partition else 2
    return Vote(preferred, chosen, agreement, dict(sorted(tally.items())), tied)


def majority(votes: dict[str, int]) -> int:
    return vote(votes).preferred


def _scan_fit(points: np.ndarray, k: int, seed: int, n_init: int, sample: int | None):
    model = KMeans(n_clusters=k, n_init=n_init, random_state=seed).fit(points)
    labels = model.labels_
    return (
        float(model.inertia_),
        model.cluster_centers_,
        float(silhouette_score(points, labels, sample_size=sample, random_state=seed)),
        float(calinski_harabasz_score(points, labels)),
        float(davies_bouldin_score(points, labels)),
    )


def k_selection(
    points: np.ndarray,
    *,
    k_range: tuple[int, ...] = K_RANGE,
    seed: int = 42,
    n_init: int = SELECTION_N_INIT,
    references: int = GAP_REFERENCES,
    compute: Compute | None = None,
    mode: str = "full",
) -> KSelection:
    """Every index for every k, one vote per index and the vote's verdict.

    Votes: elbow of the WSS curve, highest silhouette, highest Calinski–Harabasz,
    lowest Davies–Bouldin (all over k >= 2), gap statistic with the 1-SE rule (from k = 1).
    """
    compute = compute or Compute()
    ks = sorted(k for k in set(k_range) if 2 <= k < len(points))
    if not ks:
        raise ValueError(f"no k in {tuple(k_range)} can be fitted on {len(points)} rows")
    sample = SILHOUETTE_SAMPLE if len(points) > SILHOUETTE_SAMPLE else None
    fits = map_tasks(
        _scan_fit,
        [(points, k, seed, n_init, sample) for k in ks],
        compute=compute,
        rows=len(points),
    )
    wss = [f[0] for f in fits]
    gap_ks = [1, *ks]
    gaps, errors, gap_k = gap_statistic(
        points,
        gap_ks,
        [total_ss(points), *wss],
        seed=seed,
        references=references,
        centers={k: f[1] for k, f in zip(ks, fits, strict=True)},
        compute=compute,
    )
    table = (
        KScore(1, total_ss(points), None, None, None, gaps[0], errors[0]),
        *(
            KScore(k, f[0], f[2], f[3], f[4], gap, error)
            for k, f, gap, error in zip(ks, fits, gaps[1:], errors[1:], strict=True)
        ),
    )
    scored = table[1:]
    votes = {
        "elbow (WSS)": elbow(ks, wss),
        "silhouette": max(scored, key=lambda r: r.silhouette).k,
        "calinski_harabasz": max(scored, key=lambda r: r.calinski_harabasz).k,
        "davies_bouldin": min(scored, key=lambda r: r.davies_bouldin).k,
        "gap": gap_k,
    }
    verdict = vote(votes)
    return KSelection(
        table=table,
        votes=votes,
        chosen=verdict.chosen,
        vote=verdict,
        n_init=n_init,
        gap_references=references,
        silhouette_sample=sample,
        n_rows=len(points),
        mode=mode,
    )

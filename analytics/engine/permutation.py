"""Monte-Carlo p-values: sequential stopping, bounded memory, and permutations that
respect patients.

- Sequential stopping (Besag & Clifford 1991, Biometrika 78:301): draw batches until
  `stop_hits` draws are at least as extreme as the observed statistic, then
  p = hits / draws; if the cap is reached first, p = (hits + 1) / (draws + 1). A large p
  is settled after a few hundred draws; only small p-values use the whole cap.
- When no draw reaches the observed value the p-value is the floor 1 / (draws + 1) and
  is reported as "< floor", never as an exact number.
- Patient-level permutations: when a patient contributes several rows (all visits), the
  rows are not independent. Whole label sequences are exchanged between patients with
  the same number of rows, so every patient keeps the pattern of its own labels and the
  null distribution is that of patients, not of visits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import stats

MAX_DRAWS = 10_000
STOP_HITS = 50
# Memory for one batch of permuted label rows (int64) or simulated tables.
BATCH_BYTES = 32 * 2**20


@dataclass(frozen=True)
class MonteCarloP:
    p_value: float
    draws: int
    hits: int
    stopped_early: bool

    @property
    def at_floor(self) -> bool:
        """No draw reached the observed statistic: the true p is below p_value."""
        return self.hits == 0

    def describe(self) -> str:
        if self.stopped_early:
            return f"{self.draws:,} draws (stopped at {self.hits} exceedances)"
        return f"{self.draws:,} draws"


def sequential_p(
    draw_batch: Callable[[int], np.ndarray],
    observed: float,
    *,
    row_bytes: int,
    max_draws: int = MAX_DRAWS,
    stop_hits: int = STOP_HITS,
) -> MonteCarloP:
    """draw_batch(size) returns `size` statistics under the null; a relative tolerance
    counts ties with the observed value as "at least as extreme"."""
    batch = int(max(1, min(max_draws, BATCH_BYTES // max(row_bytes, 1))))
    threshold = observed * (1 - 1e-12) if observed > 0 else observed - 1e-12
    hits = draws = 0
    while draws < max_draws:
        size = min(batch, max_draws - draws)
        values = draw_batch(size)
        exceed = np.flatnonzero(values >= threshold)
        if hits + len(exceed) >= stop_hits:
            # Stop exactly at the draw that brought the count to stop_hits.
            last = exceed[stop_hits - hits - 1]
            return MonteCarloP(stop_hits / (draws + last + 1), draws + last + 1, stop_hits, True)
        hits += len(exceed)
        draws += size
    return MonteCarloP((hits + 1) / (draws + 1), draws, hits, False)


def chi2_statistic(tables: np.ndarray, expected: np.ndarray) -> np.ndarray:
    return ((tables - expected) ** 2 / expected).sum(axis=(-2, -1))


def chi2_fixed_margins_p(
    table: np.ndarray, *, seed: int, max_draws: int = MAX_DRAWS, stop_hits: int = STOP_HITS
) -> MonteCarloP:
    """Pearson χ² with both margins fixed (Hope 1968; R's chisq.test(simulate.p.value =
    TRUE)): tables drawn with Patefield's algorithm, so memory grows with the table's
    cells, not with the number of rows."""
    table = np.asarray(table, dtype=np.int64)
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    expected = rows[:, None] * cols[None, :] / table.sum()
    observed = float(chi2_statistic(table, expected))
    distribution = stats.random_table(rows, cols)
    rng = np.random.default_rng(seed)

    def draw(size: int) -> np.ndarray:
        return chi2_statistic(distribution.rvs(size=size, random_state=rng), expected)

    return sequential_p(
        draw, observed, row_bytes=table.size * 8, max_draws=max_draws, stop_hits=stop_hits
    )


class PatientShuffler:
    """Exchanges whole label sequences between patients with the same number of rows.

    `patients` holds one key per row; rows of a patient keep their order. Group sizes
    are preserved by every permutation."""

    def __init__(self, patients: np.ndarray, labels: np.ndarray):
        patients = np.asarray(patients)
        self.labels = np.asarray(labels)
        self.n = len(self.labels)
        _, inverse, counts = np.unique(patients, return_inverse=True, return_counts=True)
        order = np.argsort(inverse, kind="stable")
        starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.strata = []  # (positions P x m of the rows, labels P x m)
        for m in np.unique(counts):
            members = np.flatnonzero(counts == m)
            if len(members) < 2:
                continue  # a lone patient of its size can only keep its own labels
            positions = order[starts[members][:, None] + np.arange(m)[None, :]]
            self.strata.append((positions, self.labels[positions]))

    def draw(self, size: int, rng: np.random.Generator) -> np.ndarray:
        out = np.broadcast_to(self.labels, (size, self.n)).copy()
        for positions, labels in self.strata:
            count = len(positions)
            perms = rng.permuted(np.broadcast_to(np.arange(count), (size, count)), axis=1)
            out[:, positions] = labels[perms]
        return out


@dataclass(frozen=True)
class RankSumNull:
    """Kruskal–Wallis H and Dunn's pairwise statistics for label arrays, from fixed ranks."""

    ranks: np.ndarray
    n_groups: int
    sizes: np.ndarray
    tie_correction: float

    @classmethod
    def of(cls, values: np.ndarray, codes: np.ndarray, n_groups: int) -> RankSumNull:
        ranks = stats.rankdata(values)
        _, ties = np.unique(values, return_counts=True)
        n = len(values)
        correction = 1 - (ties**3 - ties).sum() / (n**3 - n)
        sizes = np.bincount(codes, minlength=n_groups)
        return cls(ranks, n_groups, sizes, float(correction))

    def rank_sums(self, codes: np.ndarray) -> np.ndarray:
        """codes: (batch, n) -> (batch, groups)."""
        batch, n = codes.shape
        cells = (np.arange(batch)[:, None] * self.n_groups + codes).ravel()
        weights = np.broadcast_to(self.ranks, (batch, n)).ravel()
        return np.bincount(cells, weights=weights, minlength=batch * self.n_groups).reshape(
            batch, self.n_groups
        )

    def h(self, sums: np.ndarray) -> np.ndarray:
        n = len(self.ranks)
        raw = 12 / (n * (n + 1)) * (sums**2 / self.sizes).sum(axis=-1) - 3 * (n + 1)
        return raw / self.tie_correction

    def pair_z(self, sums: np.ndarray, a: int, b: int) -> np.ndarray:
        """|mean rank a - mean rank b| / sqrt(1/n_a + 1/n_b): Dunn's z up to a constant."""
        means = sums / self.sizes
        return np.abs(means[..., a] - means[..., b]) / np.sqrt(
            1 / self.sizes[a] + 1 / self.sizes[b]
        )

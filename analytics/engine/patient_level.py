"""Tests for cohorts where a patient contributes several rows (all visits): p-values from
permutations that exchange whole label sequences between patients (see permutation.py),
for the overall test and Dunn's post-hoc pairs alike. No per-visit test is made."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.engine.multiplicity import holm
from analytics.engine.permutation import (
    MonteCarloP,
    PatientShuffler,
    RankSumNull,
    chi2_statistic,
    sequential_p,
)

if TYPE_CHECKING:
    from analytics.engine.comparisons import Comparison

PATIENT_LEVEL = "patient-level permutation (label sequences exchanged between patients)"


def mc_method(mc: MonteCarloP, what: str, seed: int) -> str:
    return f"{what}, {mc.describe()}, seed {seed}"


def plain_id(value):
    return int(value) if isinstance(value, int | np.integer) else str(value)


def kruskal_by_patient(result, data, ids, keys, *, seed, max_draws) -> Comparison:
    codes = pd.Categorical(data["g"], categories=ids).codes.astype(np.int64)
    values = data["v"].to_numpy(dtype=float)
    null = RankSumNull.of(values, codes, len(ids))
    shuffler = PatientShuffler(data["p"].to_numpy(), codes)
    observed = null.rank_sums(codes[None, :])
    pair_index = [(ids.index(a), ids.index(b)) for a, b in keys]
    pair_observed = [float(null.pair_z(observed, i, j)[0]) * (1 - 1e-12) for i, j in pair_index]
    pair_hits = np.zeros(len(keys), dtype=np.int64)
    drawn = [0]
    rng = np.random.default_rng(seed)

    def draw(size: int) -> np.ndarray:
        sums = null.rank_sums(shuffler.draw(size, rng))
        for n, (i, j) in enumerate(pair_index):
            pair_hits[n] += int((null.pair_z(sums, i, j) >= pair_observed[n]).sum())
        drawn[0] += size
        return null.h(sums)

    mc = sequential_p(
        draw, float(null.h(observed)[0]), row_bytes=3 * 8 * len(values), max_draws=max_draws
    )
    raw = (pair_hits + 1) / (drawn[0] + 1)
    adjusted = holm(raw.tolist())
    pairs = [
        {
            "a": plain_id(a),
            "b": plain_id(b),
            "p_adjusted": q,
            "p_floor": bool(hits == 0),
        }
        for (a, b), q, hits in zip(keys, adjusted, pair_hits, strict=True)
    ]
    return replace(
        result,
        p_value=mc.p_value,
        p_floor=mc.at_floor,
        p_method=mc_method(mc, f"{PATIENT_LEVEL} of the Kruskal–Wallis H", seed),
        posthoc=pairs,
        note="post-hoc: Dunn's statistic with patient-level permutation p, Holm-adjusted",
    )


def chi2_by_patient(levels, codes, patients, expected, seed, max_draws) -> MonteCarloP:
    r, c = expected.shape
    shuffler = PatientShuffler(patients, codes)
    observed = np.bincount(levels * c + codes, minlength=r * c).reshape(r, c)
    rng = np.random.default_rng(seed)

    def draw(size: int) -> np.ndarray:
        shuffled = shuffler.draw(size, rng)
        cells = (np.arange(size)[:, None] * (r * c) + levels * c + shuffled).ravel()
        tables = np.bincount(cells, minlength=size * r * c).reshape(size, r, c)
        return chi2_statistic(tables, expected)

    return sequential_p(
        draw,
        float(chi2_statistic(observed, expected)),
        row_bytes=3 * 8 * len(levels),
        max_draws=max_draws,
    )

"""Comparing phenotypes on gait, MRI and clinical variables as the paper did (Kruskal–Wallis
and Chi-square), with effect sizes, post-hoc pairs and a false-discovery-rate adjustment.

What the numbers may claim:

- Variables that formed the clusters (the run's features, and every gait parameter,
  since the rest are near-exact functions of them) differ between the clusters by
  construction. They are *descriptive*: medians, quartiles and effect size, no p-value,
  and outside the multiplicity family (`inferential = False`).
- The family adjusted with Benjamini–Hochberg is the clinical, MRI and demographic
  variables that did not form the clusters; `FAMILY_SCOPE` says so on page and export.
- When a patient contributes several rows (all visits), no per-visit test is made: the
  p-value comes from permutations that exchange whole label sequences between patients
  (see `permutation.py`), for the overall test and the post-hoc pairs alike.

Definitions, so a reader can reproduce every number:

- epsilon² (Kruskal–Wallis effect size) = H / ((n² − 1) / (n + 1)) = H / (n − 1), with n
  the number of observations (Tomczak & Tomczak 2014, Trends Sport Sci 21:19–25).
- Cramér's V = sqrt(χ² / (n · (min(r, c) − 1))), bias-uncorrected, from the Pearson χ²
  without continuity correction (Yates is never applied, 2x2 included).
- Quartiles are pandas' linear interpolation (R's type 7, the default of `quantile`).
- When any expected count is below 5 (one row per patient) the row says so (`sparse`) and
  the p-value comes from Fisher's exact test for a 2x2 table, otherwise from a Monte-Carlo
  test of the χ² statistic with both margins fixed; `p_method` records which, and the
  asymptotic p is kept in `asymptotic_p`.
- A Monte-Carlo p-value that no draw reached is the floor 1 / (draws + 1), flagged
  `p_floor` and shown as "< floor".
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd
from scipy import stats

from analytics.engine.multiplicity import fdr_bh, holm
from analytics.engine.patient_level import (
    PATIENT_LEVEL,
    chi2_by_patient,
    kruskal_by_patient,
    mc_method,
    plain_id,
)
from analytics.engine.permutation import MAX_DRAWS, chi2_fixed_margins_p
from analytics.engine.preprocess import GAIT_FEATURES

CONTINUOUS = [
    *GAIT_FEATURES,
    "t2_lesion_volume_ml",
    "t2_lesion_count",
    "brain_parenchymal_fraction",
    "grey_matter_fraction",
    "edss",
    "msws12",
    "t25fw_s",
    "age_years",
    "disease_duration_years",
]
CATEGORICAL = ["sex", "disease_course", "progressive", "walking_aid"]
ALPHA = 0.05
ADJUST_METHOD = "Benjamini–Hochberg (FDR)"
FAMILY_SCOPE = (
    "clinical, MRI and demographic variables that did not form the clusters; "
    "the clustering variables are descriptive only"
)
DESCRIPTIVE_TEST = "descriptive (clustering variable)"
DESCRIPTIVE_NOTE = (
    "formed the clusters (or duplicates a variable that did): differences are there by "
    "construction, so no p-value and not in the adjusted family"
)


@dataclass(frozen=True)
class Comparison:
    variable: str
    kind: str  # continuous / categorical
    test: str  # "Kruskal–Wallis", "Chi-square", ..., descriptive, or "not testable"
    summaries: dict[str, dict]  # per phenotype id (as text)
    statistic: float | None = None
    df: int | None = None
    p_value: float | None = None
    p_method: str = ""
    effect_size: float | None = None
    effect_size_name: str = ""
    posthoc: list[dict] = field(default_factory=list)
    note: str = ""
    sparse: bool = False  # a categorical table with an expected count below 5
    asymptotic_p: float | None = None
    p_adjusted: float | None = None
    adjust_method: str = ""
    inferential: bool = True  # False: a clustering variable, described but not tested
    p_floor: bool = False  # p_value is a Monte-Carlo floor: the true p is below it

    @property
    def tested(self) -> bool:
        return self.p_value is not None

    def to_dict(self) -> dict:
        return asdict(self)


def epsilon_squared(h: float, n: int) -> float | None:
    """Tomczak & Tomczak (2014): epsilon² = H / ((n² − 1) / (n + 1)) = H / (n − 1)."""
    return h / (n - 1) if n > 1 else None


def cramers_v(chi2: float, n: int, shape: tuple[int, int]) -> float | None:
    """Bias-uncorrected Cramér's V = sqrt(chi² / (n · (min(r, c) − 1)))."""
    m = min(shape) - 1
    return float(np.sqrt(chi2 / (n * m))) if n and m else None


def _not_testable(base: Comparison, reason: str) -> Comparison:
    return replace(base, test="not testable", note=reason)


def _descriptive(row: Comparison) -> Comparison:
    return replace(
        row,
        test=DESCRIPTIVE_TEST if row.test != "not testable" else row.test,
        df=None,
        p_value=None,
        p_method="",
        asymptotic_p=None,
        posthoc=[],
        sparse=False,
        p_floor=False,
        note=DESCRIPTIVE_NOTE,
        inferential=False,
    )


def kruskal_wallis(
    values: pd.Series,
    groups: pd.Series,
    *,
    patients: pd.Series | None = None,
    seed: int = 42,
    max_draws: int = MAX_DRAWS,
    describe_only: bool = False,
) -> Comparison:
    """Kruskal–Wallis across the phenotypes with data, Dunn post-hoc (Holm-adjusted).
    With `patients` holding repeated keys the p-values are patient-level permutations;
    `describe_only` stops at the summaries, H and the effect size."""
    name = str(values.name) if values.name is not None else ""
    data = pd.DataFrame(
        {
            "v": pd.to_numeric(values, errors="coerce").to_numpy(),
            "g": groups.to_numpy(),
            "p": (patients if patients is not None else pd.Series(range(len(values)))).to_numpy(),
        }
    ).dropna(subset=["v", "g"])
    # Plain arrays: pandas indexing per group costs more than the statistics here.
    v_all, g_all = data["v"].to_numpy(dtype=float), data["g"].to_numpy()
    summaries = {}
    for g in sorted(pd.unique(groups.dropna())):
        v = v_all[g_all == g]
        if len(v):
            # numpy's linear interpolation is R's type 7, as pandas' quantile.
            q1, median, q3 = np.percentile(v, [25, 50, 75])
            summaries[str(g)] = {
                "n": len(v),
                "median": float(median),
                "q1": float(q1),
                "q3": float(q3),
            }
        else:
            summaries[str(g)] = {"n": 0, "median": None, "q1": None, "q3": None}
    base = Comparison(variable=name, kind="continuous", test="Kruskal–Wallis", summaries=summaries)
    ids = sorted(pd.unique(g_all))
    if len(ids) < 2:
        return _not_testable(base, f"{len(ids)} phenotype(s) with data; at least 2 needed")
    if len(np.unique(v_all)) < 2:
        return _not_testable(base, "all values are equal; ranks carry no information")
    samples = [v_all[g_all == g] for g in ids]
    h, p = stats.kruskal(*samples)
    result = replace(
        base,
        statistic=float(h),
        df=len(samples) - 1,
        effect_size=epsilon_squared(float(h), len(data)),
        effect_size_name="epsilon²",
    )
    if describe_only:
        return result
    keys = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    if data["p"].duplicated().any():
        return kruskal_by_patient(result, data, ids, keys, seed=seed, max_draws=max_draws)
    adjusted = holm(dunn_p(v_all, g_all, keys))
    pairs = [
        {"a": plain_id(a), "b": plain_id(b), "p_adjusted": q}
        for (a, b), q in zip(keys, adjusted, strict=True)
    ]
    return replace(
        result,
        p_value=float(p),
        p_method="asymptotic χ² approximation",
        posthoc=pairs,
        note="post-hoc: Dunn's test, Holm-adjusted p",
    )


def dunn_p(values: np.ndarray, groups: np.ndarray, pairs: list[tuple]) -> list[float]:
    """Dunn (1964), two-sided: z = (mean rank a − mean rank b) / sqrt((N(N+1)/12 −
    Σ(t³ − t) / (12(N − 1))) · (1/n_a + 1/n_b)), ranks over all groups, ties averaged."""
    n = len(values)
    ranks = stats.rankdata(values)
    _, ties = np.unique(values, return_counts=True)
    spread = n * (n + 1) / 12 - (ties**3 - ties).sum() / (12 * (n - 1))
    out = []
    for a, b in pairs:
        in_a, in_b = groups == a, groups == b
        diff = ranks[in_a].mean() - ranks[in_b].mean()
        z = diff / np.sqrt(spread * (1 / in_a.sum() + 1 / in_b.sum()))
        out.append(float(2 * stats.norm.sf(abs(z))))
    return out


def _level(value) -> str:
    return str(value).lower() if isinstance(value, bool | np.bool_) else str(value)


def chi_square(
    values: pd.Series,
    groups: pd.Series,
    *,
    seed: int = 42,
    patients: pd.Series | None = None,
    max_draws: int = MAX_DRAWS,
) -> Comparison:
    """Pearson χ² of levels by phenotype, Cramér's V, and an exact or Monte-Carlo p when
    an expected count is below 5; patient-level permutations for repeated patients."""
    name = str(values.name) if values.name is not None else ""
    data = pd.DataFrame(
        {
            "v": values.to_numpy(dtype=object),
            "g": groups.to_numpy(),
            "p": (patients if patients is not None else pd.Series(range(len(values)))).to_numpy(),
        }
    )
    data = data[data["v"].notna() & data["g"].notna()]
    data["v"] = data["v"].map(_level)
    table = pd.crosstab(data["v"], data["g"])
    summaries = {}
    for g in sorted(pd.unique(groups.dropna())):
        counts = table[g] if g in table.columns else pd.Series(0, index=table.index)
        total = int(counts.sum())
        summaries[str(g)] = {
            "n": total,
            "counts": {str(k): int(n) for k, n in counts.items()},
            "percent": {str(k): (100 * n / total if total else 0.0) for k, n in counts.items()},
        }
    base = Comparison(variable=name, kind="categorical", test="Chi-square", summaries=summaries)
    if table.shape[1] < 2:
        return _not_testable(base, f"{table.shape[1]} phenotype(s) with data; at least 2 needed")
    if table.shape[0] < 2:
        return _not_testable(base, "only one level observed")
    observed = table.to_numpy()
    chi2, p, dof, expected = stats.chi2_contingency(observed, correction=False)
    result = replace(
        base,
        statistic=float(chi2),
        df=int(dof),
        effect_size=cramers_v(float(chi2), int(observed.sum()), table.shape),
        effect_size_name="Cramér's V",
    )
    if data["p"].duplicated().any():
        levels = pd.Categorical(data["v"], categories=table.index).codes.astype(np.int64)
        codes = pd.Categorical(data["g"], categories=table.columns).codes.astype(np.int64)
        mc = chi2_by_patient(levels, codes, data["p"].to_numpy(), expected, seed, max_draws)
        return replace(
            result,
            test="Chi-square (patient-level permutation)",
            p_value=mc.p_value,
            p_floor=mc.at_floor,
            p_method=mc_method(mc, f"{PATIENT_LEVEL} of the Pearson χ²", seed),
        )
    result = replace(result, p_value=float(p), p_method="asymptotic χ² approximation")
    if not (expected < 5).any():
        return result
    smallest = f"smallest expected count {expected.min():.2f} < 5"
    if table.shape == (2, 2):
        _, exact = stats.fisher_exact(observed)
        return replace(
            result,
            test="Fisher's exact",
            p_value=float(exact),
            p_method="Fisher's exact test (two-sided)",
            asymptotic_p=float(p),
            sparse=True,
            note=f"{smallest}: p from Fisher's exact test",
        )
    mc = chi2_fixed_margins_p(observed, seed=seed, max_draws=max_draws)
    return replace(
        result,
        test="Chi-square (Monte-Carlo p)",
        p_value=mc.p_value,
        p_floor=mc.at_floor,
        p_method=mc_method(mc, "Monte-Carlo tables with both margins fixed", seed),
        asymptotic_p=float(p),
        sparse=True,
        note=f"{smallest}: Monte-Carlo p, {mc.describe()}",
    )


def descriptive_variables(features: list[str]) -> set[str]:
    """The clustering features and every gait parameter (those outside a smaller feature
    set, such as stance or step length, duplicate the ones inside almost exactly)."""
    return set(features) | set(GAIT_FEATURES)


def draws_for_family(size: int) -> int:
    """Enough Monte-Carlo draws that the floor 1 / (draws + 1) lies below the smallest
    Benjamini–Hochberg threshold, alpha / m, with a tenfold margin."""
    return max(MAX_DRAWS, math.ceil(10 * max(size, 1) / ALPHA))


def compare_phenotypes(
    frame: pd.DataFrame,
    labels: np.ndarray,
    *,
    seed: int = 42,
    descriptive: set[str] | frozenset[str] = frozenset(GAIT_FEATURES),
) -> list[Comparison]:
    """Every continuous and categorical variable present in `frame`: clustering variables
    described, the others tested, BH-adjusted across the tested ones. Rows of the same
    `patient_id` are tested at the patient level."""
    groups = pd.Series(np.asarray(labels), index=frame.index)
    patients = None
    if "patient_id" in frame.columns and frame["patient_id"].duplicated().any():
        patients = frame["patient_id"].astype(str)
    present = [v for v in CONTINUOUS + CATEGORICAL if v in frame.columns]
    max_draws = draws_for_family(sum(v not in descriptive for v in present))
    rows = []
    for v in CONTINUOUS:
        if v not in frame.columns:
            continue
        if v in descriptive:
            rows.append(
                _descriptive(kruskal_wallis(frame[v].rename(v), groups, describe_only=True))
            )
        else:
            rows.append(
                kruskal_wallis(
                    frame[v].rename(v), groups, patients=patients, seed=seed, max_draws=max_draws
                )
            )
    for v in CATEGORICAL:
        if v not in frame.columns:
            continue
        row = chi_square(
            frame[v].rename(v), groups, seed=seed, patients=patients, max_draws=max_draws
        )
        rows.append(_descriptive(row) if v in descriptive else row)
    tested = [i for i, r in enumerate(rows) if r.tested and r.inferential]
    adjusted = fdr_bh([rows[i].p_value for i in tested])
    # The family's scope is the run's FAMILY_SCOPE; the row names the method and its size.
    method = f"{ADJUST_METHOD} over {len(tested)} tests"
    for i, p in zip(tested, adjusted, strict=True):
        rows[i] = replace(rows[i], p_adjusted=p, adjust_method=method)
    return rows

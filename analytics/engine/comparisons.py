"""Comparing phenotypes on clinical and MRI variables, as the paper did (Kruskal–Wallis
and Chi-square), with effect sizes, post-hoc pairs and a false-discovery-rate adjustment
across all variables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import scikit_posthocs as sp
from scipy import stats
from statsmodels.stats.multitest import multipletests

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
PERMUTATIONS = 10_000
ADJUST_METHOD = "Benjamini–Hochberg (FDR)"


def epsilon_squared(h: float, n: int) -> float:
    """Tomczak & Tomczak (2014): epsilon² = H / ((n² − 1) / (n + 1)) = H / (n − 1)."""
    return h / (n - 1) if n > 1 else float("nan")


def cramers_v(chi2: float, n: int, shape: tuple[int, int]) -> float:
    """Bias-uncorrected Cramér's V = sqrt(chi² / (n · (min(r, c) − 1)))."""
    m = min(shape) - 1
    return float(np.sqrt(chi2 / (n * m))) if n and m else float("nan")


def kruskal_wallis(values: pd.Series, groups: pd.Series) -> dict:
    data = pd.DataFrame({"v": pd.to_numeric(values, errors="coerce"), "g": groups}).dropna()
    ids = sorted(data["g"].unique())
    summaries = {}
    for g in sorted(groups.dropna().unique()):
        v = data.loc[data["g"] == g, "v"]
        summaries[str(g)] = (
            {
                "n": len(v),
                "median": float(v.median()),
                "q1": float(v.quantile(0.25)),
                "q3": float(v.quantile(0.75)),
            }
            if len(v)
            else {"n": 0, "median": None, "q1": None, "q3": None}
        )
    row = {"kind": "continuous", "summaries": summaries, "test": "Kruskal–Wallis"}
    samples = [data.loc[data["g"] == g, "v"].to_numpy() for g in ids]
    if len([s for s in samples if len(s)]) < 2 or data["v"].nunique() < 2:
        return {
            **row,
            "test": "not testable",
            "note": "fewer than two phenotypes with data, or no variation",
        }
    h, p = stats.kruskal(*samples)
    pairs = []
    dunn = sp.posthoc_dunn(data, val_col="v", group_col="g", p_adjust="holm")
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            pairs.append({"a": int(a), "b": int(b), "p_adjusted": float(dunn.loc[a, b])})
    return {
        **row,
        "statistic": float(h),
        "df": float(len(samples) - 1),
        "p_value": float(p),
        "effect_size": epsilon_squared(float(h), len(data)),
        "effect_size_name": "epsilon²",
        "posthoc": pairs,
        "note": "post-hoc: Dunn, Holm-adjusted",
    }


def _chi2_stat(table: np.ndarray) -> float:
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    return float(((table - expected) ** 2 / expected).sum())


def monte_carlo_p(levels: np.ndarray, groups: np.ndarray, observed: float, *, seed: int) -> float:
    """Permutation p for the chi² statistic with margins fixed (Hope 1968)."""
    rng = np.random.default_rng(seed)
    r, c = levels.max() + 1, groups.max() + 1
    hits = 0
    for _ in range(PERMUTATIONS):
        shuffled = rng.permutation(groups)
        table = np.bincount(levels * c + shuffled, minlength=r * c).reshape(r, c)
        if _chi2_stat(table) >= observed - 1e-12:
            hits += 1
    return (hits + 1) / (PERMUTATIONS + 1)


def chi_square(values: pd.Series, groups: pd.Series, *, seed: int = 42) -> dict:
    data = pd.DataFrame({"v": values.astype("object"), "g": groups}).dropna()
    data["v"] = data["v"].map(
        lambda x: str(x).lower() if isinstance(x, bool | np.bool_) else str(x)
    )
    table = pd.crosstab(data["v"], data["g"])
    summaries = {}
    for g in sorted(groups.dropna().unique()):
        counts = table[g] if g in table.columns else pd.Series(0, index=table.index)
        total = int(counts.sum())
        summaries[str(g)] = {
            "counts": {str(k): int(n) for k, n in counts.items()},
            "percent": {str(k): (100 * n / total if total else 0.0) for k, n in counts.items()},
        }
    row = {"kind": "categorical", "summaries": summaries, "test": "Chi-square"}
    if table.shape[0] < 2 or table.shape[1] < 2:
        return {**row, "test": "not testable", "note": "fewer than two levels or phenotypes"}
    chi2, p, dof, expected = stats.chi2_contingency(table.to_numpy(), correction=False)
    result = {
        **row,
        "statistic": float(chi2),
        "df": float(dof),
        "p_value": float(p),
        "effect_size": cramers_v(float(chi2), int(table.to_numpy().sum()), table.shape),
        "effect_size_name": "Cramér's V",
        "note": "",
    }
    if (expected < 5).any():
        levels = pd.Categorical(data["v"], categories=table.index).codes
        group_codes = pd.Categorical(data["g"], categories=table.columns).codes
        if table.shape == (2, 2):
            _, exact = stats.fisher_exact(table.to_numpy())
            result.update(test="Fisher's exact", p_value=float(exact))
            note = "expected count < 5: Fisher's exact p"
        else:
            mc = monte_carlo_p(levels, group_codes, float(chi2), seed=seed)
            result.update(test="Chi-square (Monte-Carlo p)", p_value=mc, asymptotic_p=float(p))
            note = f"expected count < 5: Monte-Carlo p from {PERMUTATIONS:,} permutations"
        result["note"] = note
    return result


def fdr_bh(p_values: list[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values, in the input order."""
    return [float(p) for p in multipletests(p_values, method="fdr_bh")[1]]


def compare_phenotypes(frame: pd.DataFrame, labels: np.ndarray, *, seed: int = 42) -> list[dict]:
    groups = pd.Series(labels, index=frame.index)
    rows = []
    for variable in CONTINUOUS:
        if variable in frame.columns:
            rows.append({"variable": variable, **kruskal_wallis(frame[variable], groups)})
    for variable in CATEGORICAL:
        if variable in frame.columns:
            rows.append({"variable": variable, **chi_square(frame[variable], groups, seed=seed)})
    tested = [i for i, r in enumerate(rows) if r.get("p_value") is not None]
    if tested:
        adjusted = fdr_bh([rows[i]["p_value"] for i in tested])
        for i, p in zip(tested, adjusted, strict=True):
            rows[i]["p_adjusted"] = p
            rows[i]["adjust_method"] = ADJUST_METHOD
    return rows

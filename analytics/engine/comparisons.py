"""Comparing phenotypes on gait, MRI and clinical variables as the paper did (Kruskal–Wallis
and Chi-square), with effect sizes, post-hoc pairs and a false-discovery-rate adjustment
across all tested variables.

Definitions, so a reader can reproduce every number:

- epsilon² (Kruskal–Wallis effect size) = H / ((n² − 1) / (n + 1)) = H / (n − 1), with n
  the number of observations tested (Tomczak & Tomczak 2014, Trends Sport Sci 21:19–25).
- Cramér's V = sqrt(χ² / (n · (min(r, c) − 1))), bias-uncorrected, from the Pearson χ²
  without continuity correction (Yates is never applied, 2x2 included).
- Quartiles are pandas' linear interpolation (R's type 7, the default of `quantile`).
- When any expected count is below 5 the row says so (`sparse`) and the p-value comes
  from Fisher's exact test for a 2x2 table, otherwise from a Monte-Carlo permutation
  test of the χ² statistic with both margins fixed; `p_method` records which, and the
  asymptotic p is kept in `asymptotic_p`.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd
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
_BATCH = 1_000
ADJUST_METHOD = "Benjamini–Hochberg (FDR)"


@dataclass(frozen=True)
class Comparison:
    variable: str
    kind: str  # continuous / categorical
    test: str  # "Kruskal–Wallis", "Chi-square", ..., or "not testable"
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


def kruskal_wallis(values: pd.Series, groups: pd.Series) -> Comparison:
    """Kruskal–Wallis across the phenotypes with data, Dunn post-hoc (Holm-adjusted)."""
    name = str(values.name) if values.name is not None else ""
    data = pd.DataFrame(
        {"v": pd.to_numeric(values, errors="coerce").to_numpy(), "g": groups.to_numpy()}
    ).dropna()
    summaries = {}
    for g in sorted(pd.unique(groups.dropna())):
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
    base = Comparison(variable=name, kind="continuous", test="Kruskal–Wallis", summaries=summaries)
    ids = sorted(pd.unique(data["g"]))
    if len(ids) < 2:
        return _not_testable(base, f"{len(ids)} phenotype(s) with data; at least 2 needed")
    if data["v"].nunique() < 2:
        return _not_testable(base, "all values are equal; ranks carry no information")
    samples = [data.loc[data["g"] == g, "v"].to_numpy() for g in ids]
    h, p = stats.kruskal(*samples)
    # scikit-posthocs pulls in matplotlib; import it only when a test actually runs.
    import scikit_posthocs as sp

    dunn = sp.posthoc_dunn(data, val_col="v", group_col="g")
    keys = [(a, b) for i, a in enumerate(ids) for b in ids[i + 1 :]]
    adjusted = holm([float(dunn.loc[a, b]) for a, b in keys])
    pairs = [
        {"a": _plain_id(a), "b": _plain_id(b), "p_adjusted": q}
        for (a, b), q in zip(keys, adjusted, strict=True)
    ]
    return replace(
        base,
        statistic=float(h),
        df=len(samples) - 1,
        p_value=float(p),
        p_method="asymptotic χ² approximation",
        effect_size=epsilon_squared(float(h), len(data)),
        effect_size_name="epsilon²",
        posthoc=pairs,
        note="post-hoc: Dunn's test, Holm-adjusted p",
    )


def _plain_id(value):
    return int(value) if isinstance(value, int | np.integer) else str(value)


def _level(value) -> str:
    return str(value).lower() if isinstance(value, bool | np.bool_) else str(value)


def monte_carlo_p(
    levels: np.ndarray, groups: np.ndarray, *, seed: int, permutations: int = PERMUTATIONS
) -> float:
    """Permutation p of the Pearson χ² with both margins fixed (Hope 1968): shuffle the
    group labels, p = (1 + #{χ²_perm >= χ²_obs}) / (1 + permutations)."""
    r, c = int(levels.max()) + 1, int(groups.max()) + 1
    observed_table = np.bincount(levels * c + groups, minlength=r * c).reshape(r, c)
    # Fixed margins make the expected table the same for every permutation.
    expected = observed_table.sum(axis=1)[:, None] * observed_table.sum(axis=0)[None, :]
    expected = expected / observed_table.sum()

    def chi2(tables: np.ndarray) -> np.ndarray:
        return ((tables - expected) ** 2 / expected).sum(axis=(-2, -1))

    observed = chi2(observed_table)
    rng = np.random.default_rng(seed)
    hits, done = 0, 0
    while done < permutations:
        batch = min(_BATCH, permutations - done)
        shuffled = rng.permuted(np.broadcast_to(groups, (batch, len(groups))), axis=1)
        cells = (np.arange(batch)[:, None] * (r * c) + levels * c + shuffled).ravel()
        tables = np.bincount(cells, minlength=batch * r * c).reshape(batch, r, c)
        # A relative tolerance so ties with the observed table count as "at least".
        hits += int((chi2(tables) >= observed * (1 - 1e-12)).sum())
        done += batch
    return (hits + 1) / (permutations + 1)


def chi_square(values: pd.Series, groups: pd.Series, *, seed: int = 42) -> Comparison:
    """Pearson χ² of levels by phenotype, Cramér's V, and an exact or Monte-Carlo p when
    an expected count is below 5."""
    name = str(values.name) if values.name is not None else ""
    data = pd.DataFrame({"v": values.to_numpy(dtype=object), "g": groups.to_numpy()})
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
        p_value=float(p),
        p_method="asymptotic χ² approximation",
        effect_size=cramers_v(float(chi2), int(observed.sum()), table.shape),
        effect_size_name="Cramér's V",
    )
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
    levels = pd.Categorical(data["v"], categories=table.index).codes.astype(np.int64)
    group_codes = pd.Categorical(data["g"], categories=table.columns).codes.astype(np.int64)
    mc = monte_carlo_p(levels, group_codes, seed=seed)
    return replace(
        result,
        test="Chi-square (Monte-Carlo p)",
        p_value=mc,
        p_method=f"Monte-Carlo permutation, {PERMUTATIONS:,} permutations, seed {seed}",
        asymptotic_p=float(p),
        sparse=True,
        note=f"{smallest}: Monte-Carlo p from {PERMUTATIONS:,} permutations",
    )


def holm(p_values: list[float]) -> list[float]:
    """Holm (1979) step-down adjusted p-values, in the input order. Written out because
    statsmodels' Holm branch forces a full garbage collection on every call, which
    costs a tenth of a second per variable in a large process."""
    p = np.asarray(p_values, dtype=float)
    m = len(p)
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate(p[order] * (m - np.arange(m)))
    out = np.empty(m)
    out[order] = np.minimum(stepped, 1.0)
    return out.tolist()


def fdr_bh(p_values: list[float]) -> list[float]:
    """Benjamini–Hochberg adjusted p-values, in the input order."""
    if not p_values:
        return []
    return [float(p) for p in multipletests(p_values, method="fdr_bh")[1]]


def compare_phenotypes(
    frame: pd.DataFrame, labels: np.ndarray, *, seed: int = 42
) -> list[Comparison]:
    """Every continuous and categorical variable present in `frame`, then BH-adjusted p
    across all variables that could be tested."""
    groups = pd.Series(np.asarray(labels), index=frame.index)
    rows = [
        kruskal_wallis(frame[v].rename(v), groups) for v in CONTINUOUS if v in frame.columns
    ] + [chi_square(frame[v].rename(v), groups, seed=seed) for v in CATEGORICAL if v in frame]
    tested = [i for i, r in enumerate(rows) if r.tested]
    adjusted = fdr_bh([rows[i].p_value for i in tested])
    for i, p in zip(tested, adjusted, strict=True):
        rows[i] = replace(rows[i], p_adjusted=p, adjust_method=ADJUST_METHOD)
    return rows

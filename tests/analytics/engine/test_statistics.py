"""Statistics against answers published outside the project or worked by hand."""

import itertools

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.stats.contingency import association
from statsmodels.stats.multitest import multipletests

from analytics.engine.comparisons import (
    chi_square,
    compare_phenotypes,
    cramers_v,
    epsilon_squared,
    fdr_bh,
    holm,
    kruskal_wallis,
)
from analytics.engine.permutation import chi2_fixed_margins_p, sequential_p

# R's datasets::airquality, Ozone by Month with the 37 missing Ozone values dropped.
OZONE = {
    5: "41 36 12 18 28 23 19 8 7 16 11 14 18 14 34 6 30 11 1 11 4 32 23 45 115 37",
    6: "29 71 39 23 21 37 20 12 13",
    7: "135 49 32 64 40 77 97 97 85 10 27 7 48 35 61 79 63 16 80 108 20 52 82 50 64 59",
    8: "39 9 16 78 35 66 122 89 110 44 28 65 22 59 23 31 44 21 9 45 168 73 76 118 84 85",
    9: "96 78 73 91 47 32 20 23 21 24 44 21 28 9 13 46 18 13 24 16 13 23 36 7 14 30 14 18 20",
}
# Agresti, An Introduction to Categorical Data Analysis, 2nd ed. (2007), Table 2.5:
# party identification by gender (General Social Survey 2000).
PARTY = {
    ("F", "Democrat"): 762,
    ("F", "Independent"): 327,
    ("F", "Republican"): 468,
    ("M", "Democrat"): 484,
    ("M", "Independent"): 239,
    ("M", "Republican"): 477,
}


def _ozone() -> tuple[pd.Series, pd.Series]:
    values = [float(v) for month in OZONE for v in OZONE[month].split()]
    months = [month for month in OZONE for _ in OZONE[month].split()]
    return pd.Series(values, name="ozone"), pd.Series(months)


def _expand(table: dict) -> tuple[pd.Series, pd.Series]:
    level = pd.Series([lv for (_, lv), n in table.items() for _ in range(n)], name="party")
    group = pd.Series([g for (g, _), n in table.items() for _ in range(n)])
    return level, group


def test_airquality_has_the_published_month_counts():
    _, months = _ozone()
    assert months.value_counts().sort_index().to_dict() == {5: 26, 6: 9, 7: 26, 8: 26, 9: 29}


def test_kruskal_wallis_matches_r_on_airquality():
    """R: kruskal.test(Ozone ~ Month, data = airquality) gives Kruskal-Wallis chi-squared
    = 29.267, df = 4, p-value = 6.901e-06."""
    row = kruskal_wallis(*_ozone())
    assert row.statistic == pytest.approx(29.267, abs=5e-4)
    assert row.df == 4
    assert row.p_value == pytest.approx(6.901e-06, rel=1e-3)
    assert row.summaries["6"]["n"] == 9 and row.summaries["9"]["n"] == 29
    # May sorted: ... 16 18 18 19 ...; 26 values, median = mean of the 13th and 14th = 18.
    assert row.summaries["5"]["median"] == 18.0


def test_epsilon_squared_is_h_over_n_minus_one():
    """Tomczak & Tomczak (2014): epsilon² = H / ((n² − 1) / (n + 1)); n = 116 here."""
    row = kruskal_wallis(*_ozone())
    assert row.effect_size == pytest.approx(29.26657630611694 / 115)
    assert row.effect_size_name == "epsilon²"
    assert epsilon_squared(10.0, 11) == pytest.approx(10.0 / ((11**2 - 1) / (11 + 1)))
    assert epsilon_squared(1.0, 1) is None


def test_dunn_pairs_match_the_formula_with_holm_adjustment():
    """Dunn (1964): z = (mean rank i − mean rank j) / sqrt((N(N+1)/12 − Σ(t³−t)/(12(N−1)))
    · (1/n_i + 1/n_j)), two-sided normal p, then Holm over the 10 pairs."""
    values, months = _ozone()
    ranks = stats.rankdata(values)
    n = len(values)
    ties = pd.Series(values).value_counts().to_numpy()
    spread = n * (n + 1) / 12 - (ties**3 - ties).sum() / (12 * (n - 1))
    mean_rank = pd.Series(ranks).groupby(months).mean()
    size = months.value_counts()
    pairs = list(itertools.combinations(sorted(OZONE), 2))
    raw = []
    for a, b in pairs:
        z = (mean_rank[a] - mean_rank[b]) / np.sqrt(spread * (1 / size[a] + 1 / size[b]))
        raw.append(2 * stats.norm.sf(abs(z)))
    expected = multipletests(raw, method="holm")[1]
    got = {(x["a"], x["b"]): x["p_adjusted"] for x in kruskal_wallis(values, months).posthoc}
    assert list(got) == pairs
    assert list(got.values()) == pytest.approx(list(expected), rel=1e-9)


def test_holm_matches_statsmodels():
    p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.03]
    assert holm(p) == pytest.approx(list(multipletests(p, method="holm")[1]))


def test_chi_square_matches_agresti_party_identification_by_gender():
    """Agresti (2007), Table 2.5 and its text: X² = 30.1 on df = 2, P-value < 0.0001."""
    row = chi_square(*_expand(PARTY))
    assert row.statistic == pytest.approx(30.07, abs=0.01)
    assert row.df == 2
    assert row.p_value < 1e-4
    assert row.test == "Chi-square" and not row.sparse and row.note == ""
    assert row.summaries["F"]["counts"]["Democrat"] == 762
    assert row.summaries["M"]["percent"]["Republican"] == pytest.approx(100 * 477 / 1200)


def test_cramers_v_on_agresti_is_sqrt_chi2_over_n():
    """n = 2757, min(r, c) − 1 = 1: V = sqrt(30.07 / 2757) ≈ 0.104, as scipy's association."""
    row = chi_square(*_expand(PARTY))
    table = np.array([[762, 327, 468], [484, 239, 477]])
    assert row.effect_size == pytest.approx(0.1044, abs=1e-4)
    assert row.effect_size == pytest.approx(association(table, method="cramer"))
    assert cramers_v(100.0, 100, (2, 2)) == pytest.approx(1.0)


def test_sparse_2x2_tables_use_fishers_exact_p():
    row = chi_square(pd.Series(["y", "y", "n", "n", "n"]), pd.Series([1, 1, 2, 2, 1]))
    assert row.sparse and "expected count" in row.note
    assert row.test == "Fisher's exact" and row.p_method.startswith("Fisher")
    # Rows n, y (sorted); columns phenotype 1, 2.
    assert row.p_value == pytest.approx(stats.fisher_exact([[1, 2], [2, 0]])[1])
    assert row.asymptotic_p is not None


def test_monte_carlo_p_agrees_with_the_exact_permutation_p():
    """On 10 observations every split of the group labels can be enumerated (C(10, 4) =
    210): the exact permutation p. 10,000 tables with both margins fixed (without early
    stopping) land within 3 SE of it."""
    levels = np.array([0, 0, 0, 1, 1, 1, 2, 2, 2, 2])
    groups = np.array([0, 0, 0, 1, 1, 1, 1, 1, 1, 0])

    def chi2(g):
        return stats.chi2_contingency(
            np.bincount(levels * 2 + g, minlength=6).reshape(3, 2), correction=False
        )[0]

    observed = chi2(groups)
    splits = list(itertools.combinations(range(10), 4))
    as_extreme = 0
    for ones in splits:
        g = np.zeros(10, dtype=int)
        g[list(ones)] = 1
        as_extreme += chi2(1 - g) >= observed - 1e-9
    exact = as_extreme / len(splits)
    table = np.bincount(levels * 2 + groups, minlength=6).reshape(3, 2)
    mc = chi2_fixed_margins_p(table, seed=42, max_draws=10_000, stop_hits=10**9)
    assert mc.draws == 10_000 and not mc.stopped_early
    assert abs(mc.p_value - exact) < 3 * np.sqrt(exact * (1 - exact) / 10_000) + 1e-4
    again = chi2_fixed_margins_p(table, seed=42, max_draws=10_000, stop_hits=10**9)
    assert again == mc  # a fixed seed repeats itself


def test_sequential_monte_carlo_stops_at_the_hit_count_and_says_h_over_draws():
    """Besag & Clifford (1991): stop when h draws reach the observed value; p = h / draws.
    Null draws 0, 1, 2, ... with observed 5.5 exceed it from the 7th draw on, so h = 3
    is reached at draw 9: p = 3 / 9."""
    counter = iter(range(10**6))

    def draw(size):
        return np.array([next(counter) for _ in range(size)], dtype=float)

    mc = sequential_p(draw, 5.5, row_bytes=8 * 2**20, max_draws=1000, stop_hits=3)
    assert mc.stopped_early and mc.draws == 9 and mc.hits == 3
    assert mc.p_value == pytest.approx(3 / 9)


def test_a_monte_carlo_p_that_no_draw_reached_is_a_floor():
    mc = sequential_p(lambda size: np.zeros(size), 1.0, row_bytes=8, max_draws=999)
    assert mc.at_floor and mc.p_value == pytest.approx(1 / 1000) and mc.draws == 999


def test_monte_carlo_batches_stay_within_the_memory_budget():
    sizes = []

    def draw(size):
        sizes.append(size)
        return np.zeros(size)

    sequential_p(draw, 1.0, row_bytes=8 * 2**20, max_draws=50)  # 8 MiB per draw
    assert max(sizes) == 4 and sum(sizes) == 50


def test_sparse_larger_tables_get_a_monte_carlo_p_and_say_so():
    levels = pd.Series(["a"] * 3 + ["b"] * 3 + ["c"] * 14)
    groups = pd.Series([1, 1, 2] + [2, 2, 1] + [1, 2] * 7)
    row = chi_square(levels, groups, seed=7)
    assert row.sparse and row.test == "Chi-square (Monte-Carlo p)"
    assert "both margins fixed" in row.p_method and "seed 7" in row.p_method
    assert 0 < row.p_value <= 1 and row.asymptotic_p is not None


def test_benjamini_hochberg_matches_a_hand_worked_example():
    """p = 0.01, 0.04, 0.03, 0.005 (m = 4). Sorted 0.005, 0.01, 0.03, 0.04 times m / rank
    = 0.02, 0.02, 0.04, 0.04; the step-up minimum from the top changes nothing. Back in
    input order: 0.02, 0.04, 0.04, 0.02."""
    assert fdr_bh([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_every_tested_variable_gets_a_bh_adjusted_p_and_the_method_name():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {
            "edss": rng.normal(3, 1, 40),
            "msws12": rng.normal(30, 5, 40),
            "sex": rng.choice(["F", "M"], 40),
            "t25fw_s": [np.nan] * 20 + list(rng.normal(6, 1, 20)),
        }
    )
    rows = compare_phenotypes(frame, np.repeat([1, 2], 20))
    assert [r.variable for r in rows] == ["edss", "msws12", "t25fw_s", "sex"]
    tested = [r for r in rows if r.tested]
    assert [r.variable for r in tested] == ["edss", "msws12", "sex"]
    assert all(r.adjust_method.startswith("Benjamini–Hochberg") for r in tested)
    by_hand = multipletests([r.p_value for r in tested], method="fdr_bh")[1]
    assert [r.p_adjusted for r in tested] == pytest.approx(list(by_hand))


def test_a_variable_measured_in_one_phenotype_only_is_not_testable():
    frame = pd.DataFrame(
        {"t2_lesion_volume_ml": [2.0, 3.0, 4.0, None, None, None], "sex": ["F"] * 3 + [None] * 3}
    )
    rows = {r.variable: r for r in compare_phenotypes(frame, np.array([1, 1, 1, 2, 2, 2]))}
    lesion = rows["t2_lesion_volume_ml"]
    assert lesion.test == "not testable" and "1 phenotype(s) with data" in lesion.note
    assert lesion.p_value is None and lesion.p_adjusted is None
    assert lesion.summaries["2"] == {"n": 0, "median": None, "q1": None, "q3": None}
    assert rows["sex"].test == "not testable"


def test_no_variation_or_a_single_level_is_not_testable_rather_than_a_crash():
    labels = np.array([1, 1, 2, 2, 3, 3])
    frame = pd.DataFrame({"edss": [2.0] * 6, "walking_aid": ["none"] * 6})
    rows = compare_phenotypes(frame, labels)
    assert [r.test for r in rows] == ["not testable", "not testable"]
    assert "equal" in rows[0].note and "one level" in rows[1].note


def test_dunn_p_values_match_scikit_posthocs():
    """An independent implementation of Dunn's test (scikit-posthocs' posthoc_dunn, no
    adjustment) on the airquality months, to 1e-12."""
    import scikit_posthocs as sp

    from analytics.engine.comparisons import dunn_p

    values, months = _ozone()
    frame = pd.DataFrame({"v": values, "g": months})
    reference = sp.posthoc_dunn(frame, val_col="v", group_col="g")
    pairs = list(itertools.combinations(sorted(OZONE), 2))
    ours = dunn_p(values.to_numpy(), months.to_numpy(), pairs)
    assert ours == pytest.approx([reference.loc[a, b] for a, b in pairs], rel=1e-12)

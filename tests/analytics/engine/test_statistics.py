"""Statistics against answers published outside the project."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analytics.engine.comparisons import (
    chi_square,
    compare_phenotypes,
    cramers_v,
    epsilon_squared,
    fdr_bh,
    kruskal_wallis,
)

# R: airquality, Ozone by Month, rows with missing Ozone dropped (116 rows).
OZONE = {
    5: [
        41,
        36,
        12,
        18,
        28,
        23,
        19,
        8,
        7,
        16,
        11,
        14,
        18,
        14,
        34,
        6,
        30,
        11,
        1,
        11,
        4,
        32,
        23,
        45,
        115,
        37,
    ],
    6: [29, 71, 39, 23, 21, 37, 20, 12, 13],
    7: [
        135,
        49,
        32,
        64,
        40,
        77,
        97,
        97,
        85,
        10,
        27,
        7,
        48,
        35,
        61,
        79,
        63,
        16,
        80,
        108,
        20,
        52,
        82,
        50,
        64,
        59,
    ],
    8: [
        39,
        9,
        16,
        78,
        35,
        66,
        122,
        89,
        110,
        44,
        28,
        65,
        22,
        59,
        23,
        31,
        44,
        21,
        9,
        45,
        168,
        73,
        76,
        118,
        84,
        85,
    ],
    9: [
        96,
        78,
        73,
        91,
        47,
        32,
        20,
        23,
        21,
        24,
        44,
        21,
        28,
        9,
        13,
        46,
        18,
        13,
        24,
        16,
        13,
        23,
        36,
        7,
        14,
        30,
        14,
        18,
        20,
    ],
}


def _ozone():
    values = [v for month in OZONE for v in OZONE[month]]
    months = [month for month in OZONE for _ in OZONE[month]]
    return pd.Series(values, dtype=float), pd.Series(months)


def test_kruskal_wallis_matches_r_on_airquality():
    """R: kruskal.test(Ozone ~ Month, data = airquality) -> chi-squared = 29.267, df = 4,
    p-value = 6.901e-06."""
    values, months = _ozone()
    row = kruskal_wallis(values, months)
    assert row["statistic"] == pytest.approx(29.267, abs=5e-4)
    assert row["df"] == 4
    assert row["p_value"] == pytest.approx(6.901e-06, rel=1e-3)
    assert row["summaries"]["6"]["n"] == 9 and row["summaries"]["9"]["n"] == 29
    assert row["summaries"]["5"]["median"] == 18.0


def test_epsilon_squared_is_h_over_n_minus_one():
    values, months = _ozone()
    row = kruskal_wallis(values, months)
    assert row["effect_size"] == pytest.approx(29.26657630611694 / 115)
    assert epsilon_squared(10.0, 11) == pytest.approx(1.0)


def test_dunn_pairs_are_holm_adjusted_and_cover_every_pair():
    values, months = _ozone()
    pairs = kruskal_wallis(values, months)["posthoc"]
    assert len(pairs) == 10
    p = {(x["a"], x["b"]): x["p_adjusted"] for x in pairs}
    # July and August clearly exceed May; July and August do not differ.
    assert p[(5, 7)] < 0.01 and p[(5, 8)] < 0.01
    assert p[(7, 8)] > 0.5


def test_chi_square_matches_agresti_party_identification_by_gender():
    """Agresti, An Introduction to Categorical Data Analysis (2nd ed.), Table 2.5:
    party identification by gender, X² = 30.1 on df = 2, p < 0.001."""
    table = {
        ("F", "Democrat"): 762,
        ("F", "Independent"): 327,
        ("F", "Republican"): 468,
        ("M", "Democrat"): 484,
        ("M", "Independent"): 239,
        ("M", "Republican"): 477,
    }
    party = pd.Series([p for (_, p), n in table.items() for _ in range(n)])
    gender = pd.Series([g for (g, _), n in table.items() for _ in range(n)])
    row = chi_square(party, gender)
    assert row["statistic"] == pytest.approx(30.07, abs=0.01)
    assert row["df"] == 2
    assert row["p_value"] < 1e-6
    assert row["test"] == "Chi-square" and row["note"] == ""
    assert row["effect_size"] == pytest.approx(np.sqrt(row["statistic"] / 2757))
    assert row["summaries"]["F"]["counts"]["Democrat"] == 762


def test_small_expected_counts_switch_to_an_exact_or_monte_carlo_p():
    levels = pd.Series(["a"] * 3 + ["b"] * 3 + ["c"] * 14)
    groups = pd.Series([1, 1, 2] + [2, 2, 1] + [1, 2] * 7)
    row = chi_square(levels, groups)
    assert "expected count < 5" in row["note"]
    assert row["test"] == "Chi-square (Monte-Carlo p)"
    assert 0 < row["p_value"] <= 1
    two_by_two = chi_square(pd.Series(["y", "y", "n", "n", "n"]), pd.Series([1, 1, 2, 2, 1]))
    assert two_by_two["test"] == "Fisher's exact"
    exact = stats.fisher_exact([[1, 2], [2, 0]])[1]  # rows n, y; columns phenotype 1, 2
    assert two_by_two["p_value"] == pytest.approx(exact)


def test_cramers_v_on_a_perfect_association_is_one():
    assert cramers_v(100.0, 100, (2, 2)) == pytest.approx(1.0)


def test_benjamini_hochberg_matches_a_hand_worked_example():
    """p = 0.01, 0.04, 0.03, 0.005 (m = 4): ranked p·m/rank with step-up minimum gives
    0.02, 0.04, 0.04, 0.02."""
    assert fdr_bh([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.02, 0.04, 0.04, 0.02])


def test_every_tested_variable_gets_an_adjusted_p_and_the_method_name():
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"edss": rng.normal(3, 1, 40), "msws12": rng.normal(30, 5, 40)})
    rows = compare_phenotypes(frame, np.repeat([1, 2], 20))
    assert [r["variable"] for r in rows] == ["edss", "msws12"]
    assert all(r["adjust_method"].startswith("Benjamini") for r in rows)
    assert fdr_bh([r["p_value"] for r in rows]) == [r["p_adjusted"] for r in rows]


def test_a_variable_without_variation_is_not_testable_rather_than_a_crash():
    rows = compare_phenotypes(pd.DataFrame({"edss": [2.0] * 6}), np.array([1, 1, 2, 2, 3, 3]))
    assert rows[0]["test"] == "not testable"
    assert "p_adjusted" not in rows[0]

"""Known answers from R 4.2 (stats, cluster 2.1), each value printed with
options(digits = 17) by the call written beside it. The data are closed formulas, so R
and this file build exactly the same matrix:

    n <- 60; i <- 1:n; g <- rep(0:2, each = 20)
    x <- cbind(sin(i) + 4 * g, cos(2 * i) + 3 * (g == 1), sin(3 * i) * cos(i) - 2 * (g == 2))
"""

import numpy as np
import pandas as pd
import pytest

from analytics.engine.clustering import fit_kmeans, fit_pca
from analytics.engine.comparisons import chi_square, fdr_bh, holm, kruskal_wallis
from analytics.engine.selection import gap_statistic, one_se_rule, total_ss

DETERMINISTIC = 1e-9


def _x() -> np.ndarray:
    i = np.arange(1, 61, dtype=float)
    g = np.repeat([0, 1, 2], 20)
    return np.column_stack(
        [
            np.sin(i) + 4 * g,
            np.cos(2 * i) + 3 * (g == 1),
            np.sin(3 * i) * np.cos(i) - 2 * (g == 2),
        ]
    )


def _z(x: np.ndarray) -> np.ndarray:
    # prcomp(scale. = TRUE) divides by the sample SD; the engine's z-scores use the
    # population SD, which changes the scale of the scores but not the directions.
    return (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)


def test_pca_matches_prcomp():
    """R: p <- prcomp(x, center = TRUE, scale. = TRUE); p$sdev and p$rotation[, 1]."""
    z = _z(_x())
    pca = fit_pca(z, features=["a", "b", "c"], components=3)
    sdev = np.sqrt(pca.explained_variance_ratio * 3)  # the variances of z sum to 3
    assert sdev == pytest.approx(
        [1.347904102276493, 1.0079145027857239, 0.40897785531787323], abs=DETERMINISTIC
    )
    first = pca.components[0] * np.sign(pca.components[0][0])  # signs are arbitrary
    assert first == pytest.approx(
        [0.63794223202647959, -0.29720658074061457, -0.71042097165099638], abs=DETERMINISTIC
    )


def test_kmeans_within_ss_and_centres_match_r():
    """R: km <- kmeans(x, centers = x[c(1, 21, 41), ], algorithm = "Lloyd",
    iter.max = 100); km$tot.withinss and km$centers."""
    x = _x()
    fit = fit_kmeans(x, k=3, seed=0, n_init=10, order_by=-x[:, 0])  # R's order: by column 1
    assert fit.inertia == pytest.approx(75.664712162930698, abs=DETERMINISTIC)
    expected = np.array(
        [
            [0.049911094220989098, -0.029712660081824514, 0.0039172002094317515],
            [4.0449994761587353, 2.9859987648422206, -0.015987870522731828],
            [7.9868158638017688, 0.048388573355558365, -1.9712192285986294],
        ]
    )
    np.testing.assert_allclose(fit.centers, expected, atol=DETERMINISTIC)


def test_gap_log_w_from_k_1_matches_clusgap():
    """R: set.seed(1); gs <- clusGap(x, FUNcluster = function(x, k) kmeans(x, k,
    nstart = 25, iter.max = 100), K.max = 5, B = 50, d.power = 2, spaceH0 = "scaledPCA");
    gs$Tab[, "logW"] (deterministic; the gap itself depends on R's random references).
    clusGap's W is 0.5 * sum(dist(cluster)^2) / n_r = within-SS / 2, so its logW is
    log(within-SS) - log 2; the constant cancels in the gap."""
    x = _x()
    log_w = [np.log(total_ss(x) / 2)] + [
        np.log(fit_kmeans(x, k=k, seed=0, n_init=100, order_by=x[:, 0]).inertia / 2)
        for k in (2, 3, 4, 5)
    ]
    assert log_w == pytest.approx(
        [
            6.0814383195334516,
            5.0944283145793596,
            3.6331647174738864,
            3.5052033288845439,
            3.366941701796339,
        ],
        abs=1e-6,  # k-means optima at k = 4, 5 from restarts; k = 1 to 3 agree to 1e-12
    )
    assert log_w[:3] == pytest.approx(
        [6.0814383195334516, 5.0944283145793596, 3.6331647174738864], abs=DETERMINISTIC
    )


def test_one_se_rule_matches_maxse_tibs2001():
    """R: maxSE(gs$Tab[, "gap"], gs$Tab[, "SE.sim"], method = "Tibs2001SEmax") = 3 on the
    clusGap table above; maxSE(c(.10, .35, .30, .42, .40), c(.02, .03, .04, .03, .05),
    "Tibs2001SEmax") = 2; maxSE(c(.50, .45, .40), c(.01, .01, .01), "Tibs2001SEmax") = 1."""
    gap = [
        -0.28321014835765279,
        -0.16627148621119936,
        0.94927287581582753,
        0.77766374580297493,
        0.64935183968536592,
    ]
    se = [
        0.10190138073828831,
        0.078802543233716993,
        0.073355594454253784,
        0.079237497596024581,
        0.081534037305436471,
    ]
    ks = [1, 2, 3, 4, 5]
    assert one_se_rule(ks, gap, se) == 3
    assert one_se_rule(ks, [0.10, 0.35, 0.30, 0.42, 0.40], [0.02, 0.03, 0.04, 0.03, 0.05]) == 2
    assert one_se_rule([1, 2, 3], [0.50, 0.45, 0.40], [0.01, 0.01, 0.01]) == 1


def test_our_gap_from_k_1_picks_the_same_k_as_clusgap():
    x = _x()
    ks = [1, 2, 3, 4, 5]
    wss = [total_ss(x)] + [
        fit_kmeans(x, k=k, seed=0, n_init=25, order_by=x[:, 0]).inertia for k in ks[1:]
    ]
    gaps, _, choice = gap_statistic(x, ks, wss, seed=1, references=50)
    assert choice == 3
    # Same reference distribution as R: the gaps agree within a few of R's SEs.
    assert gaps[2] == pytest.approx(0.94927287581582753, abs=3 * 0.0734)


def test_chi_square_without_continuity_correction_matches_r():
    """R: chisq.test(matrix(c(12, 5, 9, 7, 15, 3, 4, 6, 11), nrow = 3), correct = FALSE):
    X-squared = 15.108321511264654, df = 4, p-value = 0.0044817443120417242."""
    table = np.array([[12, 7, 4], [5, 15, 6], [9, 3, 11]])  # R fills by column
    levels = pd.Series([f"r{r}" for r in range(3) for c in range(3) for _ in range(table[r, c])])
    groups = pd.Series([c for r in range(3) for c in range(3) for _ in range(table[r, c])])
    row = chi_square(levels, groups)
    assert row.statistic == pytest.approx(15.108321511264654, abs=DETERMINISTIC)
    assert row.df == 4
    assert row.p_value == pytest.approx(0.0044817443120417242, abs=DETERMINISTIC)


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        # R: fisher.test(matrix(c(3, 1, 1, 3), nrow = 2))$p.value
        ((3, 1, 1, 3), 0.48571428571428582),
        # R: fisher.test(matrix(c(7, 1, 2, 8), nrow = 2))$p.value
        ((7, 1, 2, 8), 0.015220074043603453),
    ],
)
def test_fishers_exact_p_matches_r(cells, expected):
    a, b, c, d = cells  # column-major like R: [[a, c], [b, d]]
    table = {("x", "p"): a, ("y", "p"): b, ("x", "q"): c, ("y", "q"): d}
    levels = pd.Series([lv for (lv, _), n in table.items() for _ in range(n)])
    groups = pd.Series([g for (_, g), n in table.items() for _ in range(n)])
    row = chi_square(levels, groups)
    assert row.test == "Fisher's exact"
    assert row.p_value == pytest.approx(expected, abs=DETERMINISTIC)


def test_p_adjust_bh_and_holm_match_r():
    """R: p.adjust(c(0.01, 0.04, 0.03, 0.005, 0.2, 0.03), "BH") and "holm"."""
    p = [0.01, 0.04, 0.03, 0.005, 0.2, 0.03]
    assert fdr_bh(p) == pytest.approx([0.03, 0.048, 0.045, 0.03, 0.2, 0.045], abs=DETERMINISTIC)
    assert holm(p) == pytest.approx([0.05, 0.12, 0.12, 0.03, 0.2, 0.12], abs=DETERMINISTIC)


def test_kruskal_wallis_matches_r_with_ties_free_small_groups():
    """R: kruskal.test(list(c(2.9, 3.0, 2.5, 2.6, 3.2), c(3.8, 2.7, 4.0, 2.4),
    c(2.8, 3.4, 3.7, 2.2, 2.0))): chi-squared = 0.77142857142857224, df = 2,
    p-value = 0.67996477357889362 (R's own example, Hollander & Wolfe)."""
    values = [2.9, 3.0, 2.5, 2.6, 3.2, 3.8, 2.7, 4.0, 2.4, 2.8, 3.4, 3.7, 2.2, 2.0]
    groups = [1] * 5 + [2] * 4 + [3] * 5
    row = kruskal_wallis(pd.Series(values, name="v"), pd.Series(groups))
    assert row.statistic == pytest.approx(0.77142857142857224, abs=DETERMINISTIC)
    assert row.df == 2
    assert row.p_value == pytest.approx(0.67996477357889362, abs=DETERMINISTIC)

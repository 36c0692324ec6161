"""Choosing k: the elbow, the gap statistic, the vote and the table."""

import numpy as np
import pytest

from analytics.engine.selection import elbow, gap_statistic, k_selection, majority, vote


def _three_blobs(n: int = 60, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 0.0], [6.0, 0.0], [3.0, 5.0]])
    return np.vstack([c + rng.normal(0, 0.5, (n, 2)) for c in centres])


def test_elbow_is_the_point_farthest_below_the_chord():
    """WSS 100, 50, 20, 17, 15, 13.5, 12.5 for k = 2..8. Scaled to [0, 1]: y = 1, .429,
    .086, .051, .029, .011, 0 against the chord 1, .833, .667, .5, .333, .167, 0; the
    gaps are 0, .405, .581, .449, .305, .155, 0, largest at k = 4."""
    assert elbow(list(range(2, 9)), [100, 50, 20, 17, 15, 13.5, 12.5]) == 4
    assert elbow([2, 3], [10.0, 5.0]) == 2


def test_gap_statistic_finds_three_blobs_with_the_one_se_rule():
    points = _three_blobs()
    ks = [2, 3, 4, 5]
    from sklearn.cluster import KMeans

    wss = [KMeans(n_clusters=k, n_init=10, random_state=0).fit(points).inertia_ for k in ks]
    gaps, errors, choice = gap_statistic(points, ks, wss, seed=0, references=10)
    assert choice == 3
    assert gaps[1] >= gaps[2] - errors[2]  # the rule that picked it
    assert all(e > 0 for e in errors)


def test_majority_vote_breaks_ties_towards_the_smaller_k():
    assert majority({"a": 4, "b": 2, "c": 4, "d": 2, "e": 6}) == 2
    assert majority({"a": 5, "b": 3, "c": 5}) == 5


def test_a_tied_vote_is_reported_as_a_tie_with_its_tie_break():
    verdict = vote({"elbow": 4, "silhouette": 2, "ch": 4, "db": 2, "gap": 1})
    assert verdict.agreement == "tie" and verdict.tied == (2, 4)
    assert verdict.preferred == verdict.chosen == 2
    assert "tie between k = 2, 4" in verdict.describe() and "smaller k" in verdict.describe()


def test_a_plurality_without_a_majority_is_weak():
    verdict = vote({"elbow": 3, "silhouette": 3, "ch": 4, "db": 2, "gap": 5})
    assert verdict.agreement == "weak" and verdict.chosen == 3
    assert verdict.describe().startswith("weak plurality: k = 3 with 2 of 5")
    assert vote({"a": 3, "b": 3, "c": 3, "d": 2, "e": 1}).agreement == "clear"


def test_a_vote_for_one_cluster_is_kept_and_the_partition_says_why():
    verdict = vote({"elbow": 3, "silhouette": 2, "ch": 4, "db": 5, "gap": 1})
    assert verdict.preferred == 1 and verdict.agreement == "tie"
    assert verdict.chosen == 2  # the vote among the k >= 2 indices, tie to the smaller
    assert "k = 1 cannot be partitioned, fitted k = 2" in verdict.describe()


def test_the_gap_statistic_says_one_cluster_on_one_gaussian():
    rng = np.random.default_rng(4)
    points = rng.normal(size=(300, 2)) * [2.0, 1.0]
    result = k_selection(points, k_range=(2, 3, 4), seed=4, references=10)
    assert result.votes["gap"] == 1
    assert result.table[0].k == 1 and result.table[0].wss == pytest.approx(
        ((points - points.mean(axis=0)) ** 2).sum()
    )


def test_k_selection_reports_every_index_for_every_k_and_the_vote():
    result = k_selection(_three_blobs(), k_range=(2, 3, 4, 5, 6), seed=3, references=5)
    assert [row.k for row in result.table] == [1, 2, 3, 4, 5, 6]
    assert set(result.votes) == {
        "elbow (WSS)",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "gap",
    }
    assert result.chosen == 3
    assert result.vote.agreement == "clear" and result.to_dict()["summary"].startswith("clear")
    table = result.to_dict()["table"]
    assert set(table[0]) == {
        "k",
        "wss",
        "silhouette",
        "calinski_harabasz",
        "davies_bouldin",
        "gap",
        "gap_se",
    }
    assert "smaller k" in result.rule


def test_k_selection_is_repeatable_with_a_seed():
    points = _three_blobs()
    first = k_selection(points, k_range=(2, 3, 4), seed=5, references=5)
    assert first == k_selection(points, k_range=(2, 3, 4), seed=5, references=5)


def test_silhouette_is_sampled_on_large_inputs():
    rng = np.random.default_rng(0)
    points = np.vstack([rng.normal(0, 1, (1800, 2)), rng.normal(8, 1, (1800, 2))])
    result = k_selection(points, k_range=(2, 3), seed=0, references=2)
    assert result.table[1].silhouette == pytest.approx(0.8, abs=0.1)
    assert result.silhouette_sample == 3000
    again = k_selection(points, k_range=(2, 3), seed=0, references=2)
    assert again.table[1].silhouette == result.table[1].silhouette


def test_k_values_that_cannot_be_fitted_are_left_out():
    points = _three_blobs(n=2)  # 6 rows
    assert [row.k for row in k_selection(points, seed=0, references=2).table] == [1, 2, 3, 4, 5]

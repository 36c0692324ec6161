"""PCA, k-means and bootstrap stability on small synthetic data."""

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from analytics.engine.clustering import fit_kmeans, fit_pca
from analytics.engine.preprocess import GAIT_FEATURES, prepare
from analytics.engine.stability import clusterboot, flag
from tests.analytics.engine.blobs import gait_blobs


@pytest.fixture(scope="module")
def prepared():
    frame = gait_blobs()
    return frame, prepare(frame, features=GAIT_FEATURES)


def test_pca_keeps_the_fewest_components_reaching_the_variance_threshold(prepared):
    _, prep = prepared
    full = np.linalg.svd(prep.z - prep.z.mean(axis=0), compute_uv=False) ** 2
    cumulative = np.cumsum(full / full.sum())
    for threshold in (0.5, 0.8, 0.95):
        pca = fit_pca(prep.z, features=GAIT_FEATURES, variance=threshold)
        assert pca.n_components == int(np.searchsorted(cumulative, threshold) + 1)
        assert pca.explained_variance_ratio.sum() >= threshold
    fixed = fit_pca(prep.z, features=GAIT_FEATURES, components=3)
    assert fixed.n_components == 3 and fixed.rule.startswith("fixed")
    loadings = fixed.to_dict()["loadings"]
    assert set(loadings) == set(GAIT_FEATURES) and len(loadings["velocity_m_s"]) == 3
    # Unit-length components, so each loading vector across features has norm 1.
    np.testing.assert_allclose(np.linalg.norm(fixed.components, axis=1), 1)


def test_kmeans_is_identical_bit_for_bit_with_the_same_seed(prepared):
    _, prep = prepared
    points = fit_pca(prep.z, features=GAIT_FEATURES).transform(prep.z)
    velocity = prep.raw[:, 0]
    first = fit_kmeans(points, k=3, seed=11, n_init=50, order_by=velocity)
    second = fit_kmeans(points, k=3, seed=11, n_init=50, order_by=velocity)
    assert first.labels.tobytes() == second.labels.tobytes()
    assert first.centers.tobytes() == second.centers.tobytes()


def test_clusters_are_numbered_by_descending_mean_velocity(prepared):
    frame, prep = prepared
    points = fit_pca(prep.z, features=GAIT_FEATURES).transform(prep.z)
    velocity = prep.raw[:, 0]
    for seed in (1, 2, 3):
        fit = fit_kmeans(points, k=3, seed=seed, n_init=5, order_by=velocity)
        means = [velocity[fit.labels == c].mean() for c in range(3)]
        assert means == sorted(means, reverse=True)
        assert adjusted_rand_score(frame["truth"], fit.labels) == 1.0
        np.testing.assert_array_equal(fit.labels + 1, frame["truth"])


def test_stability_flags_follow_hennigs_thresholds():
    assert [flag(j) for j in (0.59, 0.6, 0.74, 0.75, 0.99)] == [
        "unstable",
        "doubtful",
        "doubtful",
        "stable",
        "stable",
    ]
    assert flag(None) == ""


def test_clear_clusters_are_stable_and_noise_split_in_many_is_not():
    rng = np.random.default_rng(0)
    centres = np.array([[0, 0], [8, 0], [4, 7]])
    blobs = np.vstack([c + rng.normal(0, 0.7, (80, 2)) for c in centres])
    labels = np.repeat([0, 1, 2], 80)
    clear = clusterboot(blobs, labels, k=3, b=20, seed=1)
    assert all(j > 0.95 for j in clear.jaccard) and set(clear.flags) == {"stable"}
    noise = rng.uniform(0, 1, (240, 2))
    fit = fit_kmeans(noise, k=7, seed=0, n_init=5, order_by=noise[:, 0])
    vague = clusterboot(noise, fit.labels, k=7, b=20, seed=1)
    assert np.mean(vague.jaccard) < np.mean(clear.jaccard) - 0.1
    assert vague == clusterboot(noise, fit.labels, k=7, b=20, seed=1)


def test_no_bootstrap_means_no_stability_rather_than_a_made_up_one():
    result = clusterboot(np.zeros((10, 2)), np.zeros(10, dtype=int), k=1, b=0, seed=0)
    assert result.jaccard == (None,) and result.flags == ("",)

"""The phenotyping pipeline: features -> z-scores -> PCA -> k -> k-means -> stability ->
stable ids -> names -> comparisons, timed stage by stage."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analytics.engine import defaults
from analytics.engine.alignment import MATCH_THRESHOLD, Alignment, align, common_features
from analytics.engine.clusterability import NULL_DRAWS, Clusterability, clusterability
from analytics.engine.clustering import PcaFit, fit_kmeans, fit_pca
from analytics.engine.comparisons import (
    FAMILY_SCOPE,
    Comparison,
    compare_phenotypes,
    descriptive_variables,
)
from analytics.engine.compute import Compute, limited_threads
from analytics.engine.model import FittedModel, library_versions
from analytics.engine.naming import name_clusters
from analytics.engine.preprocess import (
    FEATURE_SETS,
    MISSING_MODES,
    collinearity,
    feature_columns,
    prepare,
)
from analytics.engine.selection import K_RANGE, KSelection, k_selection
from analytics.engine.stability import BOOTSTRAP_N_INIT, REFITS, clusterboot

K_SCANS = ("full", "sample", "skip")
# Above this many rows the diagnostics (k scan, stability, clusterability) run on a
# fixed-seed sample of this size; the final fit always uses every row.
DIAGNOSTICS_SAMPLE = 5000
# The k scan's sample when a run asks for a sampled scan (k_scan = "sample").
SCAN_SAMPLE = 1000


@dataclass(frozen=True)
class PipelineConfig:
    feature_set: str = "gait"
    k: int | str = defaults.K  # or "auto": the index vote decides
    seed: int = defaults.SEED
    pca_variance: float = defaults.PCA_VARIANCE
    pca_components: int | None = None  # a fixed count overrides pca_variance
    n_init: int = 50
    bootstrap: int = defaults.BOOTSTRAP
    missing: str = defaults.MISSING
    k_range: tuple[int, ...] = K_RANGE
    match_threshold: float = MATCH_THRESHOLD
    # Diagnostics and how they are computed.
    k_scan: str = "full"  # "sample": on SCAN_SAMPLE rows; "skip": none (fixed k only)
    diagnostics_sample: int = DIAGNOSTICS_SAMPLE
    clusterability_draws: int = NULL_DRAWS  # 0: no clusterability test
    refit: str = "centroids"  # bootstrap refits: from the full-data centroids, or k-means++
    jobs: int | None = None  # processes for independent fits; None: one per allowed CPU
    threads: int | None = 1  # BLAS/OpenMP threads per process; None: library default

    def __post_init__(self) -> None:
        if self.feature_set not in FEATURE_SETS:
            raise ValueError(f"feature_set = {self.feature_set!r}; use one of {list(FEATURE_SETS)}")
        if self.k != "auto" and not (isinstance(self.k, int) and self.k >= 2):
            raise ValueError(f"k = {self.k!r}; use an integer >= 2 or 'auto'")
        if self.missing not in MISSING_MODES:
            raise ValueError(f"missing = {self.missing!r}; use one of {list(MISSING_MODES)}")
        if not 0 < self.pca_variance <= 1:
            raise ValueError(f"pca_variance = {self.pca_variance}; use a share in (0, 1]")
        if self.pca_components is not None and self.pca_components < 1:
            raise ValueError(f"pca_components = {self.pca_components}; use at least 1")
        if self.n_init < 1 or self.bootstrap < 0:
            raise ValueError("n_init must be >= 1 and bootstrap >= 0")
        if not self.k_range or min(self.k_range) < 2:
            raise ValueError(f"k_range = {self.k_range}; every k must be >= 2")
        if self.k_scan not in K_SCANS:
            raise ValueError(f"k_scan = {self.k_scan!r}; use one of {list(K_SCANS)}")
        if self.k_scan == "skip" and self.k == "auto":
            raise ValueError("k_scan = 'skip' needs a fixed k; k = 'auto' is chosen by the scan")
        if self.diagnostics_sample < 100:
            raise ValueError(f"diagnostics_sample = {self.diagnostics_sample}; use at least 100")
        if not 0 <= self.clusterability_draws <= 10_000:
            raise ValueError(f"clusterability_draws = {self.clusterability_draws}; use 0 … 10000")
        if self.refit not in REFITS:
            raise ValueError(f"refit = {self.refit!r}; use one of {list(REFITS)}")
        Compute(jobs=self.jobs or 1, threads=self.threads)  # validates both

    def compute(self) -> Compute:
        return Compute.from_allowance(self.jobs, self.threads)


@dataclass(frozen=True)
class PreviousModel:
    """Centroids of the previous run in original units: {stable id: {feature: value}}."""

    centroids: dict[int, dict[str, float]]


@dataclass(frozen=True)
class Phenotype:
    id: int
    name: str
    description: str
    size: int
    share: float
    centroid: dict[str, float]  # original units (log features back-transformed)
    profile: dict[str, float]  # z-scores against the analysed cohort
    stability_jaccard: float | None
    stability_flag: str
    instability: float  # the naming score: mean z of the two CVs and double support


@dataclass(frozen=True)
class PipelineResult:
    config: PipelineConfig
    n_input: int
    n_used: int
    exclusions: dict
    preprocessing: list[dict]
    pca: PcaFit
    k_selection: KSelection | None  # None when the k scan was skipped
    k: int
    rows: list  # index labels of the input frame that were clustered
    labels: list[int]  # stable id per used row, same order as rows
    distances: list[float]  # Euclidean distance to the own centroid in PCA space
    phenotypes: list[Phenotype]  # by stable id
    alignment: Alignment
    model: FittedModel
    comparisons: list[Comparison]
    timings: dict[str, float] = field(default_factory=dict)
    patient_ids: list = field(default_factory=list)
    visit_ids: list = field(default_factory=list)
    clusterability: Clusterability | None = None
    within_ss: float | None = None  # of the final labels around their means, PCA space
    diagnostics: dict = field(default_factory=dict)  # collinearity, samples, compute
    comparison_scope: str = FAMILY_SCOPE

    @property
    def id_mapping(self) -> dict[int, int]:
        """k-means label (0 = fastest) -> stable id."""
        return dict(self.alignment.mapping)


def run_pipeline(
    frame: pd.DataFrame, *, config: PipelineConfig, previous: PreviousModel | None = None
) -> PipelineResult:
    """The whole analysis with BLAS/OpenMP threads limited to `config.threads` per process
    and independent fits spread over `config.jobs` processes."""
    with limited_threads(config.threads):
        return _run(frame, config=config, previous=previous)


def _diagnostic_rows(n: int, size: int, seed: int) -> np.ndarray | None:
    """A fixed-seed sample of row positions when n exceeds size, else None (all rows)."""
    if n <= size:
        return None
    return np.sort(np.random.default_rng(seed).choice(n, size=size, replace=False))


def _one_row_per_patient(used: pd.DataFrame) -> np.ndarray | None:
    """Positions of each patient's latest row when some patient has several, else None."""
    if "patient_id" not in used.columns or not used["patient_id"].duplicated().any():
        return None
    keys = pd.DataFrame({"patient": used["patient_id"].astype(str).to_numpy()})
    keys["date"] = used["visit_date"].to_numpy() if "visit_date" in used.columns else 0
    ordered = keys.sort_values(["patient", "date"], kind="stable")
    return np.sort(ordered.drop_duplicates("patient", keep="last").index.to_numpy())


def _run(frame: pd.DataFrame, *, config: PipelineConfig, previous: PreviousModel | None):
    timings: dict[str, float] = {}
    clock = started = time.perf_counter()
    compute = config.compute()

    def lap(stage: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        timings[stage] = round(now - clock, 3)
        clock = now

    features = feature_columns(config.feature_set)
    prep = prepare(frame, features=features, missing=config.missing)
    if len(prep.z) < max(config.k_range) + 2:
        raise ValueError(
            f"{len(prep.z)} usable rows are too few to cluster with k up to {max(config.k_range)}"
        )
    lap("preprocess")
    # A diagnostic of the feature set (one regression per feature), timed on its own.
    redundancy = collinearity(prep.z, features)
    lap("collinearity")

    pca = fit_pca(
        prep.z, features=features, variance=config.pca_variance, components=config.pca_components
    )
    points = pca.transform(prep.z)
    lap("pca")

    sample = _diagnostic_rows(len(points), config.diagnostics_sample, config.seed)
    diag_points = points if sample is None else points[sample]
    selection = None
    if config.k_scan != "skip":
        scan_rows = _diagnostic_rows(
            len(diag_points),
            SCAN_SAMPLE if config.k_scan == "sample" else len(diag_points),
            config.seed + 1,
        )
        scan_points = diag_points if scan_rows is None else diag_points[scan_rows]
        selection = k_selection(
            scan_points,
            k_range=config.k_range,
            seed=config.seed,
            compute=compute,
            mode=config.k_scan,
        )
    k = selection.chosen if config.k == "auto" else int(config.k)
    if k >= len(points):
        raise ValueError(f"k = {k} needs more than {len(points)} rows")
    lap("k_selection")

    velocity = prep.raw[:, features.index("velocity_m_s")]
    fit = fit_kmeans(points, k=k, seed=config.seed, n_init=config.n_init, order_by=velocity)
    lap("kmeans")

    diag_labels = fit.labels if sample is None else fit.labels[sample]
    stability = clusterboot(
        diag_points,
        diag_labels,
        k=k,
        b=config.bootstrap,
        seed=config.seed,
        n_init=BOOTSTRAP_N_INIT,
        centers=fit.centers if config.refit == "centroids" else None,
        compute=compute,
    )
    lap("stability")

    structure = None
    # One patient per point needs more patients than clusters; with fewer the test is
    # left out (None) rather than failing the run.
    patients = _one_row_per_patient(frame.iloc[prep.kept])
    if config.clusterability_draws and (patients is None or len(patients) > k + 1):
        gap_vote = selection.votes.get("gap") if selection is not None else None
        test_points, unit = diag_points, "rows"
        if patients is not None:
            # Visits of one patient sit close together: as rows they would look like tight
            # clusters to a test whose null draws independent rows.
            rows = _diagnostic_rows(len(patients), config.diagnostics_sample, config.seed + 2)
            test_points = points[patients] if rows is None else points[patients[rows]]
            unit = "patients (latest row each)"
        structure = clusterability(
            test_points,
            unit=unit,
            k=k,
            seed=config.seed,
            n_null=config.clusterability_draws,
            gap_k=gap_vote,
            compute=compute,
        )
    lap("clusterability")

    scaling = prep.scaling
    z_centroids = np.vstack([prep.z[fit.labels == c].mean(axis=0) for c in range(k)])
    alignment = _align(z_centroids, previous, features, scaling, config.match_threshold)
    mapping = alignment.mapping
    # Back-transformed mean in the standardised space, so that mapping a stored centroid
    # into the next run's space (as alignment does) starts from exactly this point.
    original = scaling.inverse(z_centroids)
    profiles = [dict(zip(features, map(float, row), strict=True)) for row in z_centroids]
    names = name_clusters(profiles)
    lap("identities")

    model = FittedModel(
        features=features,
        log_features=list(scaling.log_features),
        scaler_mean=scaling.mean.tolist(),
        scaler_scale=scaling.scale.tolist(),
        medians=dict(scaling.medians),
        pca_mean=pca.mean.tolist(),
        pca_components=pca.components.tolist(),
        centroids_pca=fit.centers.tolist(),
        centroids_original=[dict(zip(features, map(float, row), strict=True)) for row in original],
        stable_ids=[mapping[c] for c in range(k)],
        names=[n.name for n in names],
        versions=library_versions(),
        feature_set=config.feature_set,
        seed=config.seed,
        pca_explained_variance=pca.explained_variance_ratio.tolist(),
    )
    stable = np.array([mapping[c] for c in fit.labels])
    centers = np.array(model.centroids_pca)
    distances = np.sqrt(((points - centers[fit.labels]) ** 2).sum(axis=1))
    n_used = len(fit.labels)
    phenotypes = []
    for c in range(k):
        size = int((fit.labels == c).sum())
        phenotypes.append(
            Phenotype(
                id=mapping[c],
                name=names[c].name,
                description=names[c].description,
                size=size,
                share=size / n_used,
                centroid=model.centroids_original[c],
                profile=profiles[c],
                stability_jaccard=stability.jaccard[c],
                stability_flag=stability.flags[c],
                instability=names[c].instability,
            )
        )
    phenotypes.sort(key=lambda p: p.id)
    used = frame.iloc[prep.kept]
    lap("model")

    comparisons = compare_phenotypes(
        used, stable, seed=config.seed, descriptive=descriptive_variables(features)
    )
    lap("comparisons")
    timings["engine_total"] = round(time.perf_counter() - started, 3)

    steps = [
        *prep.steps,
        {
            "step": "PCA",
            "method": f"{pca.rule}: {pca.n_components} components "
            f"({100 * pca.explained_variance_ratio.sum():.1f} % of the variance)",
        },
        {
            "step": "k scan",
            "method": "skipped (k fixed)"
            if selection is None
            else f"{selection.mode}: k = 1 (gap) and {', '.join(map(str, config.k_range))} "
            f"on {selection.n_rows} rows; {selection.vote.describe()}",
        },
        {
            "step": "k-means",
            "method": f"k = {k} ({'index vote' if config.k == 'auto' else 'set'}), "
            f"k-means++, n_init {config.n_init}, seed {config.seed}, iterated until no label "
            f"changes ({fit.n_iter} iterations); clusters numbered by descending mean velocity",
        },
        {"step": "stability", "method": stability.describe()},
    ]
    if structure is not None:
        steps.append({"step": "clusterability", "method": structure.description})
    diagnostics = {
        "collinearity": redundancy,
        "diagnostics_rows": len(diag_points),
        "diagnostics_sampled": sample is not None,
        "diagnostics_sample_threshold": config.diagnostics_sample,
        "k_scan": config.k_scan,
        "compute": compute.describe(),
        "refit": config.refit,
        "kmeans_iterations": fit.n_iter,
        "kmeans_converged": fit.converged,
    }
    return PipelineResult(
        config=config,
        n_input=len(frame),
        n_used=n_used,
        exclusions=prep.exclusions,
        preprocessing=steps,
        pca=pca,
        k_selection=selection,
        k=k,
        rows=list(used.index),
        labels=stable.tolist(),
        distances=distances.tolist(),
        phenotypes=phenotypes,
        alignment=alignment,
        model=model,
        comparisons=comparisons,
        timings=timings,
        patient_ids=_column(used, "patient_id"),
        visit_ids=_column(used, "visit_id"),
        clusterability=structure,
        within_ss=fit.inertia,
        diagnostics=diagnostics,
    )


def _align(z_centroids, previous, features, scaling, threshold) -> Alignment:
    if previous is None or not previous.centroids:
        return align(z_centroids, {}, threshold=threshold)
    common = common_features(features, previous.centroids)
    positions = [features.index(name) for name in common]
    previous_z = {}
    for stable_id, centroid in previous.centroids.items():
        raw = np.full(len(features), np.nan)
        raw[positions] = [float(centroid[name]) for name in common]
        previous_z[int(stable_id)] = scaling.transform(raw)[positions]
    return align(z_centroids[:, positions], previous_z, threshold=threshold, features=tuple(common))


def _column(frame: pd.DataFrame, name: str) -> list:
    if name not in frame.columns:
        return [None] * len(frame)
    values = frame[name].astype(object).where(frame[name].notna(), None).tolist()
    if name == "visit_id":
        return [None if v is None else int(v) for v in values]
    return [None if v is None else str(v) for v in values]

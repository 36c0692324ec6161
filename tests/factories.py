"""Factories with obviously synthetic data (ids prefixed SYN-, centres TST-)."""

import datetime

import factory

from registry.models import Center, GaitSession, MriScan, Patient, Role, User, Visit


class CenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Center
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"TST-{n}")
    name = factory.LazyAttribute(lambda o: f"Synthetic test centre {o.code}")


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    patient_id = factory.Sequence(lambda n: f"SYN-{n:05d}")
    center = factory.SubFactory(CenterFactory)
    sex = "F"
    birth_year = 1980
    onset_year = 2005
    diagnosis_date = datetime.date(2007, 3, 1)


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    patient = factory.SubFactory(PatientFactory)
    visit_date = factory.Sequence(lambda n: datetime.date(2020, 1, 1) + datetime.timedelta(days=n))
    disease_course = "RRMS"
    edss = 2.0
    msws12 = 20.0
    t25fw_s = 5.5
    walking_aid = "none"


class GaitSessionFactory(factory.django.DjangoModelFactory):
    """A coherent comfortable-speed walk at 1.2 m/s: stride = v * 120 / cadence, and so on."""

    class Meta:
        model = GaitSession

    visit = factory.SubFactory(VisitFactory)
    condition = "comfortable"
    device = "GAITRite"
    software_version = "4.9"
    velocity_m_s = 1.2
    cadence_steps_min = 112.0
    stride_length_m = 1.286  # 1.2 m/s x 120 / 112 steps/min
    step_length_m = 0.643
    stride_time_s = factory.LazyAttribute(lambda o: round(120 / o.cadence_steps_min, 3))
    step_time_s = factory.LazyAttribute(lambda o: round(o.stride_time_s / 2, 3))
    double_support_pct = 22.0
    swing_pct = 39.0
    stance_pct = 61.0
    base_of_support_m = 0.1
    stride_length_cv_pct = 3.0
    stride_time_cv_pct = 2.5


class MriScanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MriScan

    patient = factory.SubFactory(PatientFactory)
    scan_date = factory.Sequence(lambda n: datetime.date(2020, 2, 1) + datetime.timedelta(days=n))
    field_strength_t = 3.0
    software = "synthetic-seg 1.0"
    t2_lesion_volume_ml = 5.0
    t2_lesion_count = 20
    gd_enhancing_lesions = 0
    brain_parenchymal_fraction = 0.83
    grey_matter_fraction = 0.45
    white_matter_fraction = 0.38


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"synthetic-user-{n}")
    role = Role.CLINICIAN
    is_staff = True
    password = factory.django.Password("synthetic-pass-123")

    @factory.post_generation
    def centers(self, create, extracted, **kwargs):
        if create and extracted:
            self.centers.set(extracted)


# --- A published reanalysis, written directly ----------------------------------------------

# The four phenotypes of the demo cohort (names and archetype means from the data
# dictionary's phenotype table), each gait variable kept physically coherent.
ARCHETYPES = {
    1: ("faster stable", 1.35, 115.0, 1.40, 20.0, 2.5, 2.0),
    2: ("slower stable", 1.05, 105.0, 1.20, 24.0, 3.0, 2.6),
    3: ("moderately unstable", 1.00, 122.0, 0.98, 26.0, 5.5, 4.5),
    4: ("slow severely unstable", 0.55, 85.0, 0.78, 35.0, 10.0, 8.0),
}


def _archetype_walk(velocity, cadence, stride, double_support, stride_cv, time_cv) -> dict:
    swing = 50 - double_support / 2
    return {
        "velocity_m_s": velocity,
        "cadence_steps_min": cadence,
        "step_length_m": stride / 2,
        "stride_length_m": stride,
        "step_time_s": 60 / cadence,
        "stride_time_s": 120 / cadence,
        "swing_pct": swing,
        "stance_pct": 100 - swing,
        "double_support_pct": double_support,
        "base_of_support_m": 0.1,
        "stride_length_cv_pct": stride_cv,
        "stride_time_cv_pct": time_cv,
    }


def _archetype_model(k: int):
    """A model in the stored format whose centroids are the archetypes, projected on two
    axes (speed and stride-time variability), so that new rows and plots work on it."""
    import numpy as np

    from analytics.engine.model import FittedModel, library_versions, project
    from analytics.engine.preprocess import GAIT_FEATURES, LOG_FEATURES

    walks = [_archetype_walk(*ARCHETYPES[i][1:]) for i in range(1, k + 1)]
    raw = np.array([[w[f] for f in GAIT_FEATURES] for w in walks])
    logged = [j for j, f in enumerate(GAIT_FEATURES) if f in LOG_FEATURES]
    raw[:, logged] = np.log1p(raw[:, logged])
    axes = np.zeros((2, len(GAIT_FEATURES)))
    axes[0, GAIT_FEATURES.index("velocity_m_s")] = 1.0
    axes[1, GAIT_FEATURES.index("stride_time_cv_pct")] = 1.0
    model = FittedModel(
        features=list(GAIT_FEATURES),
        log_features=[f for f in GAIT_FEATURES if f in LOG_FEATURES],
        scaler_mean=raw.mean(axis=0).tolist(),
        scaler_scale=np.where(raw.std(axis=0) > 0, raw.std(axis=0), 1.0).tolist(),
        medians={},
        pca_mean=[0.0] * len(GAIT_FEATURES),
        pca_components=axes.tolist(),
        centroids_pca=[],
        centroids_original=walks,
        stable_ids=list(range(1, k + 1)),
        names=[ARCHETYPES[i][0] for i in range(1, k + 1)],
        versions=library_versions(),
        feature_set="gait",
        seed=42,
        pca_explained_variance=[0.5, 0.2],
    )
    import pandas as pd

    centroids = project(model, pd.DataFrame(walks)).tolist()
    return FittedModel(**{**model.to_dict(), "centroids_pca": centroids}), axes


class PublishedRunFactory(factory.django.DjangoModelFactory):
    """A succeeded reanalysis as publishing writes it (phenotypes with profiles, one
    assignment per analysable patient by nearest centroid, the comparison table, the model)
    without running the pipeline: for tests that need a run to exist, not the maths.

    Assignments cover the latest visit with a comfortable walk of every patient in the
    database when the factory is called (or those of `patients=[...]`)."""

    class Meta:
        model = "analytics.ClusteringRun"
        skip_postgeneration_save = True

    status = "succeeded"
    trigger = "command"
    k_requested = 4
    k = 4
    seed = 42
    bootstrap = 100
    algorithm_version = factory.LazyFunction(lambda: _algorithm_version())
    input_fingerprint = factory.Sequence(lambda n: f"{n:064x}")
    started_at = factory.LazyFunction(lambda: _now())
    finished_at = factory.LazyAttribute(lambda o: o.started_at)
    timings = factory.LazyFunction(lambda: {"read": 0.1, "publish": 0.1})
    preprocessing = factory.LazyFunction(
        lambda: [{"step": "missing values", "method": "complete cases (written by a factory)"}]
    )
    k_selection = factory.LazyFunction(
        lambda: {"table": [{"k": 4, "wss": 100.0}], "votes": {"set": 4}, "chosen": 4}
    )

    @factory.post_generation
    def results(self, create, extracted, patients=None, **kwargs):
        if create:
            _publish_results(self, patients=patients)


def _algorithm_version() -> str:
    from analytics.engine import ALGORITHM_VERSION

    return ALGORITHM_VERSION


def _now():
    from django.utils import timezone

    return timezone.now()


def _publish_results(run, *, patients=None) -> None:
    from analytics.engine.comparisons import CATEGORICAL, CONTINUOUS
    from analytics.engine.model import assign, project
    from analytics.features import cohort_frame
    from analytics.models import ClusteringRun, ComparisonResult, Phenotype, PhenotypeAssignment

    model, axes = _archetype_model(run.k)
    frame = cohort_frame(
        visit_choice=run.visit_choice,
        mri_window_days=run.mri_window_days,
        patient_ids=[p.pk for p in patients] if patients is not None else None,
    ).frame
    ids, distances = assign(model, frame) if len(frame) else ([], [])
    chosen = [(row, sid, d) for row, sid, d in zip(frame.index, ids, distances, strict=True)]
    chosen = [(row, int(sid), float(d)) for row, sid, d in chosen if sid is not None]
    n = len(chosen)
    centroids = [[c[f] for f in model.features] for c in model.centroids_original]
    profiles = model.scaling().transform(centroids)
    phenotypes = {}
    for stable_id, name in zip(model.stable_ids, model.names, strict=True):
        size = sum(1 for _, sid, _ in chosen if sid == stable_id)
        phenotypes[stable_id] = Phenotype.objects.create(
            run=run,
            stable_id=stable_id,
            name=name,
            size=size,
            share=size / n if n else 0.0,
            centroid=model.centroids_original[stable_id - 1],
            profile=dict(zip(model.features, profiles[stable_id - 1].tolist(), strict=True)),
            stability_jaccard=0.9,
            stability_flag="stable",
        )
    used = frame.loc[[row for row, _, _ in chosen]]
    scores = project(model, used) if n else []
    # A patient's label at their latest analysed visit is their current phenotype.
    by_date = used.sort_values(["patient_pk", "visit_date"], kind="stable")
    latest = ~by_date["patient_pk"].duplicated(keep="last")
    PhenotypeAssignment.objects.bulk_create(
        PhenotypeAssignment(
            run=run,
            phenotype=phenotypes[sid],
            patient_id=int(frame.at[row, "patient_pk"]),
            visit_id=int(frame.at[row, "visit_id"]),
            distance=d,
            pc1=float(score[0]),
            pc2=float(score[1]),
            latest=bool(latest[row]),
        )
        for (row, sid, d), score in zip(chosen, scores, strict=True)
    )
    rows = [(v, "continuous", "Kruskal–Wallis") for v in CONTINUOUS]
    rows += [(v, "categorical", "Chi-square") for v in CATEGORICAL]
    ComparisonResult.objects.bulk_create(
        ComparisonResult(
            run=run,
            order=i,
            variable=variable,
            kind=kind,
            test=test,
            statistic=10.0,
            df=run.k - 1,
            p_value=0.001,
            p_adjusted=0.002,
            adjust_method="Benjamini–Hochberg (FDR)",
            summaries={str(sid): {"n": p.size} for sid, p in phenotypes.items()},
        )
        for i, (variable, kind, test) in enumerate(rows)
    )
    ClusteringRun.objects.filter(pk=run.pk).update(
        model=model.to_dict(),
        n_input=len(frame),
        cohort_size=n,
        exclusions={"n_dropped_missing": len(frame) - n, "without_mri_in_window": 0},
        pca={
            "n_components": 2,
            "explained_variance": [0.5, 0.2],
            "loadings": {f: axes[:, j].tolist() for j, f in enumerate(model.features)},
        },
        id_mapping={str(i - 1): i for i in model.stable_ids},
    )
    run.refresh_from_db()


# What the visit page posts: one visit with one comfortable walk (its formset fields).
VISIT_FORM_GAIT = {
    "gait-TOTAL_FORMS": "1",
    "gait-INITIAL_FORMS": "0",
    "gait-MIN_NUM_FORMS": "0",
    "gait-MAX_NUM_FORMS": "3",
    "gait-0-condition": "comfortable",
    "gait-0-device": "GAITRite",
    "gait-0-velocity_m_s": "1.1",
    "gait-0-cadence_steps_min": "108",
    "gait-0-step_length_m": "0.61",
    "gait-0-stride_length_m": "1.22",
    "gait-0-swing_pct": "38",
    "gait-0-stance_pct": "62",
}
VISIT_FORM = {
    "visit_date": "2024-02-03",
    "disease_course": "RRMS",
    "edss": "2.5",
    **VISIT_FORM_GAIT,
}

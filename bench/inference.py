"""Does the inference hold its alpha? A simulation benchmark (not a timed test).

    python -m bench.inference [--null-draws 200] [--demo-draws 40] [--visit-draws 500] [--jobs 2]

1. Clusterability on structure-free cohorts: n = 1026 rows drawn from one Gaussian with the
   demo cohort's covariance of the standardised gait features, back-transformed to raw
   units, through the real pipeline (k = 4, 100 null draws). Rejection rate at alpha 0.05
   must be <= 6 %.
2. Clusterability on the calibrated demo cohort (generator seeds 1, 2, ...): rejection
   rate must be >= 95 %.
3. All visits with random phenotypes per patient (the demo's 3008 visits of 1026 patients,
   one phenotype per patient drawn with the paper's shares): false-positive rate of the
   patient-level tests on age (Kruskal–Wallis) and sex (Chi-square), must be <= 6 %;
   the naive per-visit tests are shown beside them.

Draws run in `--jobs` processes, one BLAS/OpenMP thread each.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import pandas as pd

ALPHA = 0.05
SHARES = (0.478, 0.323, 0.126, 0.073)


def _django() -> None:
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")


def _gaussian_null_model():
    from analytics.engine.preprocess import GAIT_FEATURES, prepare
    from tests.analytics.cohort_frame import demo_input_frame

    prep = prepare(demo_input_frame(), features=GAIT_FEATURES)
    covariance = np.cov(prep.z, rowvar=False)
    values, vectors = np.linalg.eigh(covariance)
    root = vectors * np.sqrt(np.clip(values, 0, None))
    return prep.scaling, root


def _structure_free_draw(scaling, root, draw: int) -> tuple[bool, float]:
    from analytics.engine import PipelineConfig, run_pipeline
    from analytics.engine.preprocess import GAIT_FEATURES

    rng = np.random.default_rng(10_000 + draw)
    z = rng.standard_normal((1026, root.shape[0])) @ root.T
    raw = scaling.inverse(z)
    frame = pd.DataFrame(raw, columns=GAIT_FEATURES)
    frame.insert(0, "patient_id", [f"SYN-{i:05d}" for i in range(len(frame))])
    config = PipelineConfig(k=4, bootstrap=0, k_scan="skip", seed=draw, jobs=1, n_init=10)
    result = run_pipeline(frame, config=config)
    return result.clusterability.rejected, result.clusterability.p_value


def _demo_draw(draw: int) -> tuple[bool, float]:
    from analytics.engine import PipelineConfig, run_pipeline
    from tests.analytics.cohort_frame import demo_input_frame

    frame = demo_input_frame(seed=1 + draw)
    config = PipelineConfig(k=4, bootstrap=0, k_scan="skip", seed=draw, jobs=1, n_init=10)
    result = run_pipeline(frame, config=config)
    return result.clusterability.rejected, result.clusterability.p_value


def all_visits_frame() -> pd.DataFrame:
    """Every visit of the demo cohort with the patient's sex and age at the visit."""
    from registry.demo.generator import generate_demo_cohort

    cohort = generate_demo_cohort(n_patients=1026, seed=42)
    visits = cohort.visits.merge(cohort.patients[["patient_id", "sex", "birth_year"]])
    visits["age_years"] = pd.to_datetime(visits["visit_date"]).dt.year - visits["birth_year"]
    return visits.sort_values(["patient_id", "visit_date"]).reset_index(drop=True)


def _visits_draw(frame: pd.DataFrame, draw: int) -> tuple[float, float, float, float]:
    from scipy import stats

    from analytics.engine.comparisons import chi_square, kruskal_wallis

    rng = np.random.default_rng(20_000 + draw)
    patients = frame["patient_id"].unique()
    drawn = rng.choice([1, 2, 3, 4], size=len(patients), p=SHARES)
    per_patient = dict(zip(patients, drawn, strict=True))
    labels = frame["patient_id"].map(per_patient)
    age = kruskal_wallis(
        frame["age_years"].rename("age_years"), labels, patients=frame["patient_id"], seed=draw
    )
    sex = chi_square(frame["sex"].rename("sex"), labels, patients=frame["patient_id"], seed=draw)
    naive_age = stats.kruskal(*(frame["age_years"][labels == g] for g in (1, 2, 3, 4))).pvalue
    naive_sex = stats.chi2_contingency(pd.crosstab(frame["sex"], labels), correction=False)[1]
    return age.p_value, sex.p_value, naive_age, naive_sex


def _parallel(func, tasks, jobs):
    import joblib

    with joblib.parallel_config(backend="loky", inner_max_num_threads=1):
        return joblib.Parallel(n_jobs=jobs)(joblib.delayed(func)(*t) for t in tasks)


def _rate(flags) -> str:
    flags = np.asarray(flags, dtype=bool)
    rate = flags.mean()
    se = np.sqrt(rate * (1 - rate) / len(flags))
    return f"{100 * rate:5.1f} % (± {100 * 1.96 * se:.1f})"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--null-draws", type=int, default=200)
    parser.add_argument("--demo-draws", type=int, default=40)
    parser.add_argument("--visit-draws", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args(argv)
    _django()
    rows = []
    started = time.perf_counter()
    scaling, root = _gaussian_null_model()
    null = _parallel(
        _structure_free_draw, [(scaling, root, d) for d in range(args.null_draws)], args.jobs
    )
    rows.append(
        (
            "clusterability, structure-free Gaussian (n = 1026)",
            args.null_draws,
            _rate([r for r, _ in null]),
            "<= 6 %",
        )
    )
    demo = _parallel(_demo_draw, [(d,) for d in range(args.demo_draws)], args.jobs)
    rows.append(
        (
            "clusterability, calibrated demo (n = 1026)",
            args.demo_draws,
            _rate([r for r, _ in demo]),
            ">= 95 %",
        )
    )
    frame = all_visits_frame()
    visits = _parallel(_visits_draw, [(frame, d) for d in range(args.visit_draws)], args.jobs)
    p = np.array(visits)
    label = f"all visits ({len(frame)} of {frame['patient_id'].nunique()} patients)"
    rows += [
        (f"{label}: age, patient-level KW", args.visit_draws, _rate(p[:, 0] <= ALPHA), "<= 6 %"),
        (f"{label}: sex, patient-level χ²", args.visit_draws, _rate(p[:, 1] <= ALPHA), "<= 6 %"),
        (
            f"{label}: age, naive per-visit KW",
            args.visit_draws,
            _rate(p[:, 2] <= ALPHA),
            "(not offered)",
        ),
        (
            f"{label}: sex, naive per-visit χ²",
            args.visit_draws,
            _rate(p[:, 3] <= ALPHA),
            "(not offered)",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"\nrejection rates at alpha = {ALPHA} (± 95 % binomial interval)")
    print(f"{'test':<{width}}  {'draws':>6}  {'rate':<18}  target")
    for name, draws, rate, target in rows:
        print(f"{name:<{width}}  {draws:>6}  {rate:<18}  {target}")
    print(f"\n{time.perf_counter() - started:.0f} s with {args.jobs} processes")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

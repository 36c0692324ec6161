"""Small, obviously synthetic input frames with well separated gait archetypes, for tests
that need the engine's input contract but not the calibrated demo cohort."""

from __future__ import annotations

import numpy as np
import pandas as pd

# velocity m/s, cadence steps/min, double support %, stride length CV %, base of support m
ARCHETYPES = (
    (1.40, 118.0, 19.0, 2.2, 0.08),
    (1.00, 100.0, 26.0, 4.0, 0.11),
    (0.50, 80.0, 36.0, 10.0, 0.15),
)


def gait_blobs(*, sizes: tuple[int, ...] = (60, 40, 30), seed: int = 0) -> pd.DataFrame:
    """One row per synthetic visit; `truth` is the archetype (1 = fastest)."""
    rng = np.random.default_rng(seed)
    truth = np.repeat(np.arange(1, len(sizes) + 1), sizes)
    v, cad, ds, cv, base = (np.array(column)[truth - 1] for column in zip(*ARCHETYPES, strict=True))
    n = len(truth)
    velocity = v * np.exp(rng.normal(0, 0.05, n))
    cadence = cad * np.exp(rng.normal(0, 0.03, n))
    double_support = ds + rng.normal(0, 1.0, n)
    stride = velocity * 120 / cadence
    swing = 50 - double_support / 2
    course = np.where(truth == 3, "SPMS", "RRMS")
    return pd.DataFrame(
        {
            "patient_id": [f"BLOB-{i:04d}" for i in range(n)],
            "visit_id": np.arange(1, n + 1),
            "visit_date": pd.Timestamp("2024-01-01") + pd.to_timedelta(np.arange(n), unit="D"),
            "velocity_m_s": velocity,
            "cadence_steps_min": cadence,
            "step_length_m": stride / 2,
            "stride_length_m": stride,
            "step_time_s": 60 / cadence,
            "stride_time_s": 120 / cadence,
            "swing_pct": swing,
            "stance_pct": 100 - swing,
            "double_support_pct": double_support,
            "base_of_support_m": base + rng.normal(0, 0.01, n),
            "stride_length_cv_pct": cv * np.exp(rng.normal(0, 0.1, n)),
            "stride_time_cv_pct": 0.8 * cv * np.exp(rng.normal(0, 0.1, n)),
            "edss": np.clip(truth * 2.0 - 1 + rng.integers(0, 2, n), 0, 10).astype(float),
            "sex": rng.choice(["F", "M"], size=n),
            "disease_course": course,
            "progressive": course == "SPMS",
            "truth": truth,
        }
    )

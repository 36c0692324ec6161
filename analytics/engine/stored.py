"""The stored form of a result: plain JSON values, and the input fingerprint that lets a
scheduled run skip an unchanged cohort."""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from analytics.engine.comparisons import CATEGORICAL, CONTINUOUS
from analytics.engine.model import ALGORITHM_VERSION

if TYPE_CHECKING:
    from analytics.engine.pipeline import PipelineResult


def fingerprint(frame: pd.DataFrame, feature_columns: list[str]) -> str:
    """sha256 of the rows as canonical CSV lines (keys, features, comparison variables),
    sorted, so it changes with any value and never with row order or the index.

    Every input row counts, including those a complete-case run will drop: their
    number is part of the result."""
    keys = [c for c in ("patient_id", "visit_id", "visit_date") if c in frame.columns]
    extra = [c for c in CONTINUOUS + CATEGORICAL if c in frame.columns]
    columns = list(dict.fromkeys(keys + list(feature_columns) + extra))
    columns = [c for c in columns if c in frame.columns]
    text = frame[columns].to_csv(index=False, header=False, float_format="%.10g")
    lines = sorted(text.splitlines())
    payload = "\n".join([",".join(columns), *lines]).encode()
    return hashlib.sha256(payload).hexdigest()


def plain_json(value):
    """Python scalars for JSON: numpy numbers unwrapped, NaN and infinities as None."""
    if isinstance(value, dict):
        return {str(k): plain_json(v) for k, v in value.items()}
    if isinstance(value, list | tuple | np.ndarray):
        return [plain_json(v) for v in value]
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if np.isfinite(value) else None
    if value is None or value is pd.NaT or isinstance(value, str):
        return None if value is pd.NaT else value
    if isinstance(value, pd.Timestamp):
        return value.isoformat()
    return str(value)


def result_to_dict(result: PipelineResult) -> dict:
    """Plain JSON-able data for storage: no numpy types, no NaN (PostgreSQL's JSON types
    reject it; missing numbers are None)."""
    return plain_json(
        {
            "algorithm_version": ALGORITHM_VERSION,
            "config": asdict(result.config),
            "n_input": result.n_input,
            "n_used": result.n_used,
            "exclusions": result.exclusions,
            "preprocessing": result.preprocessing,
            "pca": result.pca.to_dict(),
            "k_selection": result.k_selection.to_dict() if result.k_selection else {},
            "k": result.k,
            "id_mapping": result.id_mapping,
            "alignment": result.alignment.to_dict(),
            "model": result.model.to_dict(),
            "phenotypes": [asdict(p) for p in result.phenotypes],
            "labels": [
                {"row": row, "id": label, "distance": distance, "patient_id": pid, "visit_id": vid}
                for row, label, distance, pid, vid in zip(
                    result.rows,
                    result.labels,
                    result.distances,
                    result.patient_ids,
                    result.visit_ids,
                    strict=True,
                )
            ],
            "comparisons": [c.to_dict() for c in result.comparisons],
            "comparison_scope": result.comparison_scope,
            "clusterability": result.clusterability.to_dict() if result.clusterability else None,
            "within_ss": result.within_ss,
            "diagnostics": result.diagnostics,
            "timings": result.timings,
        }
    )

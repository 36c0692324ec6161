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
    """sha256 of the rows (keys, features, comparison variables) in a canonical order, so
    it changes with any value and never with row order or the index.

    Every column becomes a canonical array (numbers as float64 with one NaN and no
    negative zero; anything else as text, missing as its own marker), the rows are
    sorted on all of them, and the bytes of the sorted arrays are hashed: no per-row
    Python, no text rendering of numbers.

    Every input row counts, including those a complete-case run will drop: their
    number is part of the result."""
    keys = [c for c in ("patient_id", "visit_id", "visit_date") if c in frame.columns]
    extra = [c for c in CONTINUOUS + CATEGORICAL if c in frame.columns]
    columns = list(dict.fromkeys(keys + list(feature_columns) + extra))
    columns = [c for c in columns if c in frame.columns]
    digest = hashlib.sha256()
    digest.update(f"{len(frame)}|{','.join(columns)}".encode())
    canonical = [_canonical(frame[name]) for name in columns]
    order = _canonical_order([codes for codes, _ in canonical], n_keys=len(keys))
    for name, (codes, labels) in zip(columns, canonical, strict=True):
        digest.update(f"|{name}|".encode())
        if labels is not None:
            digest.update("\x1f".join(labels).encode())
            digest.update(b"|")
        digest.update(np.ascontiguousarray(codes[order]).tobytes())
    return digest.hexdigest()


def _canonical_order(arrays: list[np.ndarray], n_keys: int) -> np.ndarray:
    """Row positions sorted on the key columns (the first n_keys arrays) when they tell
    every row apart, else on every column: rows that still tie are identical, so their
    order cannot change the bytes. np.lexsort sorts on its last key first."""
    if not arrays:
        return np.arange(0)
    if n_keys:
        order = np.lexsort(arrays[:n_keys][::-1])
        keys = [a[order] for a in arrays[:n_keys]]
        same = np.ones(max(len(order) - 1, 0), dtype=bool)
        for key in keys:
            same &= (key[1:] == key[:-1]) | (np.isnan(key[1:]) & np.isnan(key[:-1]))
        if not same.any():
            return order
    return np.lexsort(arrays[::-1])


_MISSING = "\x00"


def _canonical(column: pd.Series) -> tuple[np.ndarray, list[str] | None]:
    """(float64 array, None) for numbers, booleans and dates (days; NaN for every missing
    value, +0.0 for -0.0); (integer codes, sorted distinct texts) for anything else,
    missing values coded -1."""
    kind = pd.api.types.infer_dtype(column, skipna=True)
    if kind in ("date", "datetime64", "datetime"):
        stamps = pd.to_datetime(column).to_numpy(dtype="datetime64[ns]")
        values = np.where(np.isnat(stamps), np.nan, stamps.view("int64") / 86_400e9)
        return values.astype("float64"), None
    if kind in ("floating", "integer", "mixed-integer-float", "boolean", "empty"):
        values = pd.to_numeric(column, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        values = values + 0.0  # -0.0 + 0.0 == +0.0
        values[np.isnan(values)] = np.nan
        return values, None
    try:
        codes, labels = pd.factorize(column, sort=True, use_na_sentinel=True)
        texts = [str(label) for label in labels]
        if len(set(texts)) == len(texts):
            return codes.astype("float64"), texts
    except TypeError:
        pass
    # Compared as text: values of several types, or distinct values with one text (1, "1").
    text = column.astype(object).where(column.notna(), _MISSING).astype(str)
    codes, labels = pd.factorize(text, sort=True)
    return codes.astype("float64"), [str(label) for label in labels]


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

"""The phenotyping maths: pure pandas / numpy / scikit-learn / scipy, no Django."""

from analytics.engine.model import ALGORITHM_VERSION, FittedModel, assign
from analytics.engine.pipeline import (
    PipelineConfig,
    PipelineResult,
    PreviousModel,
    fingerprint,
    result_to_dict,
    run_pipeline,
)
from analytics.engine.preprocess import feature_columns

__all__ = [
    "ALGORITHM_VERSION",
    "FittedModel",
    "PipelineConfig",
    "PipelineResult",
    "PreviousModel",
    "assign",
    "feature_columns",
    "fingerprint",
    "result_to_dict",
    "run_pipeline",
]

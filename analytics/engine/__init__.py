"""The phenotyping maths: pure pandas / numpy / scikit-learn / scipy, no Django.

Entry points: `run_pipeline(frame, config=..., previous=...)`, `result_to_dict(result)`,
`assign(model, frame)`, `fingerprint(frame, feature_columns)`.
"""

from analytics.engine.comparisons import Comparison
from analytics.engine.model import ALGORITHM_VERSION, FittedModel, assign
from analytics.engine.pipeline import (
    Phenotype,
    PipelineConfig,
    PipelineResult,
    PreviousModel,
    run_pipeline,
)
from analytics.engine.preprocess import feature_columns
from analytics.engine.stored import fingerprint, plain_json, result_to_dict

__all__ = [
    "ALGORITHM_VERSION",
    "Comparison",
    "FittedModel",
    "Phenotype",
    "PipelineConfig",
    "PipelineResult",
    "PreviousModel",
    "assign",
    "feature_columns",
    "fingerprint",
    "plain_json",
    "result_to_dict",
    "run_pipeline",
]

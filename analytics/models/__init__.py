from analytics.models.runs import (
    ClusteringRun,
    ComparisonResult,
    FeatureSet,
    Phenotype,
    PhenotypeAssignment,
    RunStatus,
    Trigger,
    VisitChoice,
)
from analytics.models.summary import PatientSummary

__all__ = [
    "ClusteringRun",
    "ComparisonResult",
    "FeatureSet",
    "PatientSummary",
    "Phenotype",
    "PhenotypeAssignment",
    "RunStatus",
    "Trigger",
    "VisitChoice",
]

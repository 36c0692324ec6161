from analytics.models.runs import (
    ClusteringRun,
    ComparisonResult,
    FeatureSet,
    KScan,
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
    "KScan",
    "PatientSummary",
    "Phenotype",
    "PhenotypeAssignment",
    "RunStatus",
    "Trigger",
    "VisitChoice",
]

from analytics.models.runs import (
    ClusteringRun,
    ComparisonKind,
    ComparisonResult,
    FeatureSet,
    KScan,
    Missing,
    Phenotype,
    PhenotypeAssignment,
    RunStatus,
    Trigger,
    VisitChoice,
)
from analytics.models.summary import PatientSummary

__all__ = [
    "ClusteringRun",
    "ComparisonKind",
    "ComparisonResult",
    "FeatureSet",
    "KScan",
    "Missing",
    "PatientSummary",
    "Phenotype",
    "PhenotypeAssignment",
    "RunStatus",
    "Trigger",
    "VisitChoice",
]

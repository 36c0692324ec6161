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

__all__ = [
    "ClusteringRun",
    "ComparisonResult",
    "FeatureSet",
    "Phenotype",
    "PhenotypeAssignment",
    "RunStatus",
    "Trigger",
    "VisitChoice",
]

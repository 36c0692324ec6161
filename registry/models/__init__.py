from registry.models.centers import Center, Role, User
from registry.models.demo import DemoTruth
from registry.models.flags import FlagAcknowledgement
from registry.models.imports import ImportedFile, ImportJob, ImportStatus
from registry.models.measurements import (
    GAIT_FIELDS,
    GAIT_RANGES,
    GAIT_REQUIRED,
    MRI_FIELDS,
    MRI_RANGES,
    Condition,
    GaitSession,
    MriScan,
)
from registry.models.patients import Patient, Sex
from registry.models.visits import EDSS_VALUES, VISIT_RANGES, Course, Visit, WalkingAid

__all__ = [
    "EDSS_VALUES",
    "GAIT_FIELDS",
    "GAIT_RANGES",
    "GAIT_REQUIRED",
    "MRI_FIELDS",
    "MRI_RANGES",
    "VISIT_RANGES",
    "Center",
    "Condition",
    "Course",
    "DemoTruth",
    "FlagAcknowledgement",
    "GaitSession",
    "ImportJob",
    "ImportStatus",
    "ImportedFile",
    "MriScan",
    "Patient",
    "Role",
    "Sex",
    "User",
    "Visit",
    "WalkingAid",
]

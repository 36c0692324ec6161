"""REST API for the clinical record: the same scoping (`registry.access`), the same
model rules and the same write services as the pages. Field-level 400 messages; another
centre's record answers 404, and named in a write it reads like an unknown one."""

from registry.api.filters import StrictFilterSet, WholeNumberFilter
from registry.api.schema import ApiSchema
from registry.api.views import GaitSessionViewSet, MriScanViewSet, PatientViewSet, VisitViewSet

__all__ = [
    "ApiSchema",
    "GaitSessionViewSet",
    "MriScanViewSet",
    "PatientViewSet",
    "StrictFilterSet",
    "VisitViewSet",
    "WholeNumberFilter",
]

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework.routers import DefaultRouter

from analytics import api as analytics_api
from registry import api as registry_api

router = DefaultRouter()
router.register("patients", registry_api.PatientViewSet, basename="patient")
router.register("visits", registry_api.VisitViewSet, basename="visit")
router.register("gait-sessions", registry_api.GaitSessionViewSet, basename="gaitsession")
router.register("mri-scans", registry_api.MriScanViewSet, basename="mriscan")
router.register("runs", analytics_api.RunViewSet, basename="run")
router.register("phenotypes", analytics_api.PhenotypeViewSet, basename="phenotype")
router.register("assignments", analytics_api.AssignmentViewSet, basename="assignment")
router.register("comparisons", analytics_api.ComparisonViewSet, basename="comparison")

urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
]

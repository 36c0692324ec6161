from django.http import JsonResponse
from django.urls import include, path, re_path
from django.views.decorators.csrf import csrf_exempt
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


@csrf_exempt
def not_found(request, path):
    """Any other address under /api/ (an id with a dot, say) answers in the API's own
    format, not with the site's HTML page; for every method, as the API's views do,
    so a DELETE without a CSRF token is a 404 too, not the CSRF page."""
    return JsonResponse({"detail": "Not found."}, status=404)


urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api-schema"), name="api-docs"),
    # Only addresses ending in a slash, so that APPEND_SLASH still redirects
    # /api/v1/patients to /api/v1/patients/.
    re_path(r"^(?P<path>.*/)$", not_found),
]

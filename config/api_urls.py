from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.http import JsonResponse
from django.urls import include, path, re_path
from django.utils.html import escape
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.renderers import OpenApiYamlRenderer
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.permissions import IsAuthenticated
from rest_framework.routers import DefaultRouter

from analytics import api as analytics_api
from registry import api as registry_api

router = DefaultRouter()
router.register("patients", registry_api.PatientViewSet, basename="api-patient")
router.register("visits", registry_api.VisitViewSet, basename="api-visit")
router.register("gait-sessions", registry_api.GaitSessionViewSet, basename="api-gaitsession")
router.register("mri-scans", registry_api.MriScanViewSet, basename="api-mriscan")
router.register("runs", analytics_api.RunViewSet, basename="api-run")
router.register("phenotypes", analytics_api.PhenotypeViewSet, basename="api-phenotype")
router.register("assignments", analytics_api.AssignmentViewSet, basename="api-assignment")
router.register("comparisons", analytics_api.ComparisonViewSet, basename="api-comparison")


class ReadableSchemaRenderer(OpenApiYamlRenderer):
    """The schema as YAML inside a plain HTML page, for a browser (which asks for text/html
    first) to show instead of downloading; API clients keep getting YAML or JSON."""

    media_type = "text/html"
    format = "html"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        body = escape(super().render(data, accepted_media_type, renderer_context).decode())
        return (
            '<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width, initial-scale=1">'
            "<title>OpenAPI schema · MS mobility registry</title></head><body>"
            '<p><a href="?format=yaml">Download YAML</a> · <a href="?format=json">JSON</a> · '
            '<a href="../docs/">Interactive documentation</a></p>'
            f'<pre style="white-space:pre-wrap">{body}</pre></body></html>'
        ).encode()


class SchemaView(SpectacularAPIView):
    renderer_classes = [*SpectacularAPIView.renderer_classes, ReadableSchemaRenderer]

    def get_permissions(self):
        # Signed-in users (session or token) only, unless API_DOCS_PUBLIC opens it; read
        # per request so the setting needs no restart of the class.
        return [] if settings.API_DOCS_PUBLIC else [IsAuthenticated()]


# The split view serves its start-up script from a URL instead of inline, so the page
# runs under a Content-Security-Policy without 'unsafe-inline' scripts.
_swagger = SpectacularSwaggerSplitView.as_view(url_name="api-schema")


def docs(request, *args, **kwargs):
    """The Swagger UI page: behind the login page unless API_DOCS_PUBLIC opens it."""
    if not settings.API_DOCS_PUBLIC and not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    return _swagger(request, *args, **kwargs)


@csrf_exempt
def not_found(request, path):
    """Any other address under /api/ (an id with a dot, say) answers in the API's own
    format, not with the site's HTML page; for every method, as the API's views do,
    so a DELETE without a CSRF token is a 404 too, not the CSRF page."""
    return JsonResponse({"detail": "Not found."}, status=404)


urlpatterns = [
    path("v1/", include(router.urls)),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", docs, name="api-docs"),
    # Only addresses ending in a slash, so that APPEND_SLASH still redirects
    # /api/v1/patients to /api/v1/patients/.
    re_path(r"^(?P<path>.*/)$", not_found),
]

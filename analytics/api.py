"""Read-only REST API for derived results: runs, phenotypes, assignments, comparisons.
Runs, phenotypes and comparisons describe the whole cohort (as on the dashboard);
assignments name patients, so they are scoped to the patients the user may see."""

from django_filters import rest_framework as filters
from rest_framework import permissions, serializers, viewsets

from analytics.models import ClusteringRun, ComparisonResult, Phenotype, PhenotypeAssignment
from registry import access
from registry.api import StrictFilterSet, WholeNumberFilter


class RunSerializer(serializers.ModelSerializer):
    duration_s = serializers.FloatField(read_only=True, allow_null=True)

    class Meta:
        model = ClusteringRun
        exclude = ["model", "triggered_by"]


class PhenotypeSerializer(serializers.ModelSerializer):
    class Meta:
        model = Phenotype
        fields = "__all__"


class AssignmentSerializer(serializers.ModelSerializer):
    patient = serializers.SlugRelatedField(slug_field="patient_id", read_only=True)
    phenotype_id = serializers.IntegerField(source="phenotype.stable_id", read_only=True)
    phenotype_name = serializers.CharField(source="phenotype.name", read_only=True)
    visit_date = serializers.DateField(source="visit.visit_date", read_only=True)

    class Meta:
        model = PhenotypeAssignment
        fields = [
            "id",
            "run",
            "patient",
            "visit",
            "visit_date",
            "phenotype_id",
            "phenotype_name",
            "distance",
            "provisional",
        ]


class ComparisonSerializer(serializers.ModelSerializer):
    class Meta:
        model = ComparisonResult
        fields = "__all__"


class RunFilter(StrictFilterSet):
    class Meta:
        model = ClusteringRun
        fields = ["status", "trigger", "feature_set"]


class PhenotypeFilter(StrictFilterSet):
    class Meta:
        model = Phenotype
        fields = ["run", "stable_id"]


class ComparisonFilter(StrictFilterSet):
    class Meta:
        model = ComparisonResult
        fields = ["run", "variable", "kind"]


class AssignmentFilter(StrictFilterSet):
    patient = filters.CharFilter(field_name="patient__patient_id", help_text="Pseudonym.")
    center = filters.CharFilter(field_name="patient__center__code", help_text="Centre code.")
    phenotype = WholeNumberFilter(
        field_name="phenotype__stable_id", help_text="Stable phenotype id."
    )

    class Meta:
        model = PhenotypeAssignment
        fields = ["run", "patient", "center", "phenotype", "provisional"]


class ReadsAnalysis(permissions.BasePermission):
    def has_permission(self, request, view):
        return access.can_read_analysis(request.user)


class ReadOnly(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated, ReadsAnalysis]


class RunViewSet(ReadOnly):
    queryset = ClusteringRun.objects.all()
    serializer_class = RunSerializer
    filterset_class = RunFilter


class PhenotypeViewSet(ReadOnly):
    queryset = Phenotype.objects.all()
    serializer_class = PhenotypeSerializer
    filterset_class = PhenotypeFilter


class AssignmentViewSet(ReadOnly):
    serializer_class = AssignmentSerializer
    filterset_class = AssignmentFilter

    def get_queryset(self):
        # In id order (as the registry's lists): a page needs no sort of every run's rows.
        return (
            PhenotypeAssignment.objects.for_user(self.request.user)
            .select_related("patient", "visit", "phenotype")
            .order_by("pk")
        )


class ComparisonViewSet(ReadOnly):
    queryset = ComparisonResult.objects.all()
    serializer_class = ComparisonSerializer
    filterset_class = ComparisonFilter

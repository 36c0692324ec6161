"""Read-only REST API for derived results: runs, phenotypes, assignments, comparisons.
Assignments are scoped to the patients the user may see."""

from rest_framework import permissions, serializers, viewsets

from analytics.models import ClusteringRun, ComparisonResult, Phenotype, PhenotypeAssignment
from registry.models import Patient


class RunSerializer(serializers.ModelSerializer):
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


class ReadOnly(viewsets.ReadOnlyModelViewSet):
    permission_classes = [permissions.IsAuthenticated]


class RunViewSet(ReadOnly):
    queryset = ClusteringRun.objects.all()
    serializer_class = RunSerializer
    filterset_fields = ["status", "trigger", "feature_set"]


class PhenotypeViewSet(ReadOnly):
    queryset = Phenotype.objects.all()
    serializer_class = PhenotypeSerializer
    filterset_fields = ["run", "stable_id"]


class AssignmentViewSet(ReadOnly):
    serializer_class = AssignmentSerializer
    filterset_fields = {
        "run": ["exact"],
        "patient__patient_id": ["exact"],
        "provisional": ["exact"],
    }

    def get_queryset(self):
        visible = Patient.objects.for_user(self.request.user)
        return PhenotypeAssignment.objects.filter(patient__in=visible).select_related(
            "patient", "visit", "phenotype"
        )


class ComparisonViewSet(ReadOnly):
    queryset = ComparisonResult.objects.all()
    serializer_class = ComparisonSerializer
    filterset_fields = ["run", "variable", "kind"]

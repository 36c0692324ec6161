"""REST API for the clinical record. The same scoping (`for_user` / `editable_by`) and
the same model validation as the pages: one code path, field-level 400 messages, and
another centre's record answers 404."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import permissions, serializers, viewsets
from rest_framework.exceptions import PermissionDenied

from registry.models import Center, GaitSession, MriScan, Patient, Visit
from registry.models.scoping import can_edit_center, can_write, owning_center_id


class ModelValidated(serializers.ModelSerializer):
    """Runs the model's own clean() and constraints, so the API refuses exactly what
    the forms and the database refuse, with the same messages."""

    def validate(self, attrs):
        instance = self.instance or self.Meta.model()
        for name, value in attrs.items():
            setattr(instance, name, value)
        try:
            instance.full_clean(validate_unique=False)
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from exc
        return attrs


class PatientSerializer(ModelValidated):
    center = serializers.SlugRelatedField(slug_field="code", queryset=Center.objects.all())

    class Meta:
        model = Patient
        fields = ["id", "patient_id", "center", "sex", "birth_year", "onset_year", "diagnosis_date"]


class VisitSerializer(ModelValidated):
    patient = serializers.SlugRelatedField(slug_field="patient_id", queryset=Patient.objects.all())
    age_years = serializers.IntegerField(read_only=True)
    disease_duration_years = serializers.IntegerField(read_only=True, allow_null=True)
    is_progressive = serializers.BooleanField(read_only=True)

    class Meta:
        model = Visit
        fields = [
            "id",
            "patient",
            "visit_date",
            "disease_course",
            "edss",
            "msws12",
            "t25fw_s",
            "walking_aid",
            "age_years",
            "disease_duration_years",
            "is_progressive",
        ]


class GaitSessionSerializer(ModelValidated):
    class Meta:
        model = GaitSession
        fields = [
            "id",
            "visit",
            "condition",
            "device",
            "software_version",
            *GaitSession.measurement_fields(),
            "quality_flags",
        ]
        read_only_fields = ["quality_flags"]


class MriScanSerializer(ModelValidated):
    patient = serializers.SlugRelatedField(slug_field="patient_id", queryset=Patient.objects.all())

    class Meta:
        model = MriScan
        fields = [
            "id",
            "patient",
            "scan_date",
            "software",
            *MriScan.measurement_fields(),
            "quality_flags",
        ]
        read_only_fields = ["quality_flags"]


class ClinicalWrite(permissions.BasePermission):
    message = "Your role may read these records but not change them."

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or can_write(request.user)

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return can_edit_center(request.user, owning_center_id(obj))


class ScopedViewSet(viewsets.ModelViewSet):
    permission_classes = [permissions.IsAuthenticated, ClinicalWrite]

    def get_queryset(self):
        return self.queryset.for_user(self.request.user)

    def _check_target(self, serializer):
        # Where the record will belong after the write (a patch may move it).
        probe = serializer.Meta.model()
        if serializer.instance is not None:
            probe.__dict__.update(
                {k: v for k, v in serializer.instance.__dict__.items() if not k.startswith("_")}
            )
        for name, value in serializer.validated_data.items():
            setattr(probe, name, value)
        if not can_edit_center(self.request.user, owning_center_id(probe)):
            raise PermissionDenied("You may not write records of this centre.")

    def perform_create(self, serializer):
        self._check_target(serializer)
        serializer.save()

    def perform_update(self, serializer):
        self._check_target(serializer)
        serializer.save()


class PatientViewSet(ScopedViewSet):
    queryset = Patient.objects.select_related("center")
    serializer_class = PatientSerializer
    filterset_fields = {"center__code": ["exact"], "sex": ["exact"], "patient_id": ["exact"]}
    lookup_field = "patient_id"


class VisitViewSet(ScopedViewSet):
    queryset = Visit.objects.select_related("patient")
    serializer_class = VisitSerializer
    filterset_fields = {
        "patient__patient_id": ["exact"],
        "disease_course": ["exact"],
        "visit_date": ["gte", "lte"],
    }


class GaitSessionViewSet(ScopedViewSet):
    queryset = GaitSession.objects.select_related("visit__patient")
    serializer_class = GaitSessionSerializer
    filterset_fields = {"condition": ["exact"], "visit__patient__patient_id": ["exact"]}


class MriScanViewSet(ScopedViewSet):
    queryset = MriScan.objects.select_related("patient")
    serializer_class = MriScanSerializer
    filterset_fields = {"patient__patient_id": ["exact"], "scan_date": ["gte", "lte"]}

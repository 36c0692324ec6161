"""REST API for the clinical record. The same scoping (`for_user` / `editable_by`) and
the same model validation as the pages: one code path, field-level 400 messages, and
another centre's record answers 404 (or, named in a write, "not one of your centres'
records", exactly as an unknown one would)."""

from __future__ import annotations

from collections import Counter

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models, transaction
from django.db.models import ProtectedError
from django.utils.text import capfirst
from django_filters import rest_framework as filters
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.exceptions import APIException, PermissionDenied
from rest_framework.settings import api_settings

from registry.models import Center, GaitSession, MriScan, Patient, Visit
from registry.models.fields import RangeValidator
from registry.models.scoping import can_edit_center, can_write, owning_center_id
from registry.models.visits import EDSS_VALUES, validate_edss

# --- Serializers -----------------------------------------------------------------------


class VisibleOnly:
    """A related field that offers only the records the requesting user may see, so a
    pseudonym or id from another centre reads exactly like one that does not exist."""

    def get_queryset(self):
        return super().get_queryset().for_user(self.context["request"].user)


class VisiblePatient(VisibleOnly, serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": "patient = '{value}' is not a patient of your centres.",
        "invalid": "patient must be a pseudonym (a string).",
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="patient_id", queryset=Patient.objects.all(), **kwargs)


class VisibleVisit(VisibleOnly, serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": "visit = {pk_value} is not a visit of your centres.",
        "incorrect_type": "visit must be the integer id of a visit, not {data_type}.",
    }

    def __init__(self, **kwargs):
        super().__init__(queryset=Visit.objects.all(), **kwargs)


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
            errors = exc.message_dict
            if NON_FIELD_ERRORS in errors:
                errors[api_settings.NON_FIELD_ERRORS_KEY] = errors.pop(NON_FIELD_ERRORS)
            raise serializers.ValidationError(errors) from exc
        return attrs


class PatientSerializer(ModelValidated):
    """A patient, known by pseudonym; `center` is the centre's code."""

    center = serializers.SlugRelatedField(
        slug_field="code",
        queryset=Center.objects.all(),
        error_messages={"does_not_exist": "center = '{value}' is not a known centre code."},
    )

    class Meta:
        model = Patient
        fields = ["id", "patient_id", "center", "sex", "birth_year", "onset_year", "diagnosis_date"]


class VisitSerializer(ModelValidated):
    """A clinical visit of a patient (by pseudonym); age and disease duration are derived."""

    patient = VisiblePatient()
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
    """One instrumented walk at a visit; `quality_flags` are computed when it is saved."""

    visit = VisibleVisit()

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
    """One MRI scan of a patient; `quality_flags` are computed when it is saved."""

    patient = VisiblePatient()

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


# --- Filters ---------------------------------------------------------------------------
# A filter value that cannot be understood is a 400 naming the parameter, never a
# silently unfiltered (or empty) list. An empty value means "not filtered", as in the
# filter form of the browsable API.


@extend_schema_field(OpenApiTypes.BOOL)
class TrueFalseFilter(filters.TypedChoiceFilter):
    def __init__(self, **kwargs):
        kwargs.update(choices=[("true", "true"), ("false", "false")], coerce="true".__eq__)
        super().__init__(**kwargs)


@extend_schema_field(OpenApiTypes.INT)
class WholeNumberFilter(filters.NumberFilter):
    field_class = forms.IntegerField


class IsoDateFilter(filters.DateFilter):
    """YYYY-MM-DD only: 03/04/2024 means different days on either side of the Atlantic."""

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", ["%Y-%m-%d"])
        super().__init__(**kwargs)


def _date_range(field: str, what: str) -> tuple[IsoDateFilter, IsoDateFilter]:
    return (
        IsoDateFilter(field_name=field, lookup_expr="gte", help_text=f"{what} on or after."),
        IsoDateFilter(field_name=field, lookup_expr="lte", help_text=f"{what} on or before."),
    )


def _owner_filters(model) -> tuple[filters.CharFilter, filters.CharFilter]:
    """`patient` (pseudonym) and `center` (code) filters along the model's own path to
    its centre, the one the scoping uses (e.g. visit__patient__center)."""
    center_path = model._default_manager.get_queryset().center_path
    patient_path = center_path.removesuffix("center") + "patient_id"
    return (
        filters.CharFilter(field_name=patient_path, help_text="Pseudonym."),
        filters.CharFilter(field_name=f"{center_path}__code", help_text="Centre code."),
    )


class StrictFilterSet(filters.FilterSet):
    FILTER_DEFAULTS = {
        **filters.FilterSet.FILTER_DEFAULTS,
        **{
            field: {"filter_class": WholeNumberFilter}
            for field in filters.FilterSet.FILTER_DEFAULTS
            if issubclass(field, models.IntegerField | models.AutoField)
        },
        models.BooleanField: {"filter_class": TrueFalseFilter},
        models.DateField: {"filter_class": IsoDateFilter},
    }


class PatientFilter(StrictFilterSet):
    center = filters.CharFilter(field_name="center__code", help_text="Centre code.")

    class Meta:
        model = Patient
        fields = ["center", "sex"]


class VisitFilter(StrictFilterSet):
    patient, center = _owner_filters(Visit)
    date_from, date_to = _date_range("visit_date", "Visit date")

    class Meta:
        model = Visit
        fields = ["patient", "center", "disease_course", "date_from", "date_to"]


class GaitSessionFilter(StrictFilterSet):
    patient, center = _owner_filters(GaitSession)
    # A plain number, not a choice among all visits: another centre's visit must read
    # like an unknown one (an empty list), not as a valid choice.
    visit = WholeNumberFilter(field_name="visit_id", help_text="Id of the visit.")
    date_from, date_to = _date_range("visit__visit_date", "Visit date")

    class Meta:
        model = GaitSession
        fields = ["patient", "center", "visit", "condition", "date_from", "date_to"]


class MriScanFilter(StrictFilterSet):
    patient, center = _owner_filters(MriScan)
    date_from, date_to = _date_range("scan_date", "Scan date")

    class Meta:
        model = MriScan
        fields = ["patient", "center", "date_from", "date_to"]


# --- Views -----------------------------------------------------------------------------


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record cannot be deleted while other records depend on it."
    default_code = "protected"


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
        # Where the record will belong after the write (a patch may move it). Related
        # fields already offer only visible records; this is what is left: a patient's
        # centre, which is a plain choice.
        probe = serializer.Meta.model()
        if serializer.instance is not None:
            probe.__dict__.update(
                {k: v for k, v in serializer.instance.__dict__.items() if not k.startswith("_")}
            )
        for name, value in serializer.validated_data.items():
            setattr(probe, name, value)
        center_id = owning_center_id(probe)
        if not can_edit_center(self.request.user, center_id):
            code = Center.objects.filter(pk=center_id).values_list("code", flat=True).first()
            raise PermissionDenied(
                f"You may not write records of centre {code}; your role writes only "
                "in the centres you belong to."
            )

    def perform_create(self, serializer):
        self._check_target(serializer)
        serializer.save()

    def perform_update(self, serializer):
        self._check_target(serializer)
        serializer.save()

    def perform_destroy(self, instance):
        # Clinical children are PROTECTed: the database keeps a patient's visits, and a
        # visit's walks, from being orphaned. Say which records stand in the way.
        try:
            with transaction.atomic():
                instance.delete()
        except ProtectedError as exc:
            counts = Counter(type(obj) for obj in exc.protected_objects)
            blocking = " and ".join(
                f"{n} {_name(model, n)}"
                for model, n in sorted(counts.items(), key=lambda item: _name(*item))
            )
            raise Conflict(
                f"{capfirst(_name(type(instance), 1))} {instance} cannot be deleted: it "
                f"still has {blocking}. Delete those first."
            ) from exc


def _name(model, n: int) -> str:
    if model is MriScan:  # the model's own name would read "mri scan"
        return "MRI scan" if n == 1 else "MRI scans"
    return model._meta.verbose_name if n == 1 else model._meta.verbose_name_plural


class PatientViewSet(ScopedViewSet):
    queryset = Patient.objects.select_related("center")
    serializer_class = PatientSerializer
    filterset_class = PatientFilter
    lookup_field = "patient_id"


class VisitViewSet(ScopedViewSet):
    queryset = Visit.objects.select_related("patient")
    serializer_class = VisitSerializer
    filterset_class = VisitFilter


class GaitSessionViewSet(ScopedViewSet):
    queryset = GaitSession.objects.select_related("visit__patient")
    serializer_class = GaitSessionSerializer
    filterset_class = GaitSessionFilter


class MriScanViewSet(ScopedViewSet):
    queryset = MriScan.objects.select_related("patient")
    serializer_class = MriScanSerializer
    filterset_class = MriScanFilter


# --- OpenAPI ---------------------------------------------------------------------------

ERROR_SCHEMA = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
# Field name (or non_field_errors) -> messages; a body that is not even parseable
# answers {"detail": "..."} instead, hence the string alternative.
FIELD_ERRORS_SCHEMA = {
    "type": "object",
    "additionalProperties": {
        "anyOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
    },
}


class ApiSchema(AutoSchema):
    """The schema tells the whole contract: the hard ranges of every measurement (from
    the same validators that enforce them) and the error answers besides success."""

    def _insert_field_validators(self, field, schema):
        super()._insert_field_validators(field, schema)
        for validator in field.validators:
            if isinstance(validator, RangeValidator):
                schema["minimum"], schema["maximum"] = validator.low, validator.high
            elif validator is validate_edss:
                schema["enum"] = [*EDSS_VALUES, *([None] if field.allow_null else [])]

    def _get_filter_parameters(self):
        return [{**p, "allowEmptyValue": True} for p in super()._get_filter_parameters()]

    def _get_pagination_parameters(self):
        return [{**p, "allowEmptyValue": True} for p in super()._get_pagination_parameters()]

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        for code, (description, schema_name) in self._error_responses().items():
            ref = self._component(schema_name)
            content = {media: {"schema": ref} for media in self.map_renderers("media_type")}
            responses.setdefault(code, {"content": content, "description": description})
        return responses

    def _error_responses(self) -> dict[str, tuple[str, str]]:
        method, has_id = self.method, "{" in self.path
        errors = {}
        if method in ("POST", "PUT", "PATCH") or (not has_id and self._has_filters()):
            errors["400"] = ("Field-level messages naming field, value and range.", "FieldErrors")
        if any(issubclass(p, permissions.IsAuthenticated) for p in self.view.permission_classes):
            errors["401"] = ("Not authenticated.", "Error")
        if method not in permissions.SAFE_METHODS:
            errors["403"] = ("Your role or centre may not make this change.", "Error")
        if has_id or self._is_list_view():
            errors["404"] = ("No such record among those you may see (or no such page).", "Error")
        if method == "DELETE":
            errors["409"] = ("Other records still depend on this one.", "Error")
        return errors

    def _has_filters(self) -> bool:
        return getattr(self.view, "filterset_class", None) is not None or bool(
            getattr(self.view, "filterset_fields", None)
        )

    def _component(self, name: str) -> dict:
        schema = ERROR_SCHEMA if name == "Error" else FIELD_ERRORS_SCHEMA
        component = ResolvedComponent(
            name=name, type=ResolvedComponent.SCHEMA, schema=schema, object=name
        )
        self.registry.register_on_missing(component)
        return component.ref

"""Serializers of the clinical record. Related fields offer only the records the user
may write to, so another centre's pseudonym, visit or centre code reads exactly like one
that does not exist; values are checked by the model's own rules."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers
from rest_framework.settings import api_settings

from registry.models import Center, GaitSession, MriScan, Patient, Visit


class WritableOnly:
    """A related field that offers only the records the requesting user may write to, so
    a pseudonym, id or code from another centre reads exactly like one that does not
    exist (reads never use these fields' querysets)."""

    def get_queryset(self):
        return super().get_queryset().editable_by(self.context["request"].user)


class VisiblePatient(WritableOnly, serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": "patient = '{value}' is not a patient of your centres.",
        "invalid": "patient must be a pseudonym (a string).",
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="patient_id", queryset=Patient.objects.all(), **kwargs)


class VisibleVisit(WritableOnly, serializers.PrimaryKeyRelatedField):
    default_error_messages = {
        "does_not_exist": "visit = {pk_value} is not a visit of your centres.",
        "incorrect_type": "visit must be the integer id of a visit, not {data_type}.",
    }

    def __init__(self, **kwargs):
        super().__init__(queryset=Visit.objects.all(), **kwargs)


class WritableCenter(WritableOnly, serializers.SlugRelatedField):
    default_error_messages = {
        "does_not_exist": "center = '{value}' is not one of your centres.",
        "invalid": "center must be a centre code (a string).",
    }

    def __init__(self, **kwargs):
        super().__init__(slug_field="code", queryset=Center.objects.all(), **kwargs)


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

    center = WritableCenter()

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

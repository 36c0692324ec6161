"""Filters of the API lists. A filter value that cannot be understood is a 400 naming
the parameter, never a silently unfiltered (or empty) list. An empty value means "not
filtered", as in the filter form of the browsable API."""

from __future__ import annotations

from django import forms
from django.db import models
from django_filters import rest_framework as filters
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from registry.models import GaitSession, MriScan, Patient, Visit


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

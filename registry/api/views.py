"""API views of the clinical record: scoped reads, and writes through the same services
as the pages (never `serializer.save()` or `instance.delete()` here)."""

from __future__ import annotations

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import permissions, serializers, status, viewsets
from rest_framework.exceptions import APIException
from rest_framework.settings import api_settings

from registry import access, selectors, services
from registry.api.filters import GaitSessionFilter, MriScanFilter, PatientFilter, VisitFilter
from registry.api.serializers import (
    GaitSessionSerializer,
    MriScanSerializer,
    PatientSerializer,
    VisitSerializer,
)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The record cannot be deleted while other records depend on it."
    default_code = "protected"


class ClinicalWrite(permissions.BasePermission):
    message = "Your role may read these records but not change them."

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or access.has_writing_role(request.user)

    def has_object_permission(self, request, view, obj):
        if request.method in permissions.SAFE_METHODS:
            return True
        return access.can_edit_center(request.user, access.owning_center_id(obj))


def _as_api_error(exc: DjangoValidationError) -> serializers.ValidationError:
    errors = exc.message_dict if hasattr(exc, "error_dict") else {NON_FIELD_ERRORS: exc.messages}
    if NON_FIELD_ERRORS in errors:
        errors[api_settings.NON_FIELD_ERRORS_KEY] = errors.pop(NON_FIELD_ERRORS)
    return serializers.ValidationError(errors)


class ScopedViewSet(viewsets.ModelViewSet):
    """Reads from a selector; creates, updates and deletes through the entity's
    services `<entity>_create`, `<entity>_update`, `<entity>_delete`."""

    permission_classes = [permissions.IsAuthenticated, ClinicalWrite]
    selector = None
    entity = ""
    argument = ""

    def get_queryset(self):
        # Lists are in the order the records were entered (by id): the primary key's
        # index gives any page without sorting the table (the models' own orderings, by
        # visit date or pseudonym, sort across a join), and a record entered later never
        # moves the ones a client has already paged through.
        return type(self).selector(user=self.request.user).order_by("pk")

    def _service(self, action: str):
        return getattr(services, f"{self.entity}_{action}")

    def perform_create(self, serializer):
        record = serializer.Meta.model(**serializer.validated_data)
        try:
            serializer.instance = self._service("create")(
                user=self.request.user, **{self.argument: record}
            )
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc

    def perform_update(self, serializer):
        try:
            serializer.instance = self._service("update")(
                user=self.request.user,
                **{self.argument: serializer.instance},
                data=serializer.validated_data,
            )
        except DjangoValidationError as exc:
            raise _as_api_error(exc) from exc

    def perform_destroy(self, instance):
        try:
            self._service("delete")(user=self.request.user, **{self.argument: instance})
        except services.RecordProtected as exc:
            raise Conflict(str(exc)) from exc


class PatientViewSet(ScopedViewSet):
    selector = staticmethod(selectors.patients_for_user)
    entity, argument = "patient", "patient"
    serializer_class = PatientSerializer
    filterset_class = PatientFilter
    lookup_field = "patient_id"


class VisitViewSet(ScopedViewSet):
    selector = staticmethod(selectors.visits_for_user)
    entity, argument = "visit", "visit"
    serializer_class = VisitSerializer
    filterset_class = VisitFilter


class GaitSessionViewSet(ScopedViewSet):
    selector = staticmethod(selectors.gait_sessions_for_user)
    entity, argument = "gait_session", "session"
    serializer_class = GaitSessionSerializer
    filterset_class = GaitSessionFilter


class MriScanViewSet(ScopedViewSet):
    selector = staticmethod(selectors.mri_scans_for_user)
    entity, argument = "mri_scan", "scan"
    serializer_class = MriScanSerializer
    filterset_class = MriScanFilter

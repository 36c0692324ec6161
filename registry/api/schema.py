"""The OpenAPI schema tells the whole contract: the hard ranges of every measurement
(from the same validators that enforce them) and the error answers besides success."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions

from registry.models.fields import RangeValidator
from registry.models.visits import EDSS_VALUES, validate_edss

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

"""Serializer fields as strict as the importer: a JSON `true` is not the number 1, and a
date is written YYYY-MM-DD, zero-padded (the importer's own parser and messages)."""

from __future__ import annotations

import datetime
import json

from rest_framework import serializers

from registry.importing.spec import CellError, parse_date


class _NoBooleans:
    def to_internal_value(self, data):
        # bool is an int in Python: without this, true would be stored as 1.
        if isinstance(data, bool):
            raise serializers.ValidationError(
                f"{self.field_name} = {json.dumps(data)} is not a number."
            )
        return super().to_internal_value(data)


class StrictFloatField(_NoBooleans, serializers.FloatField):
    pass


class StrictIntegerField(_NoBooleans, serializers.IntegerField):
    pass


class StrictDateField(serializers.DateField):
    def to_internal_value(self, value):
        if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
            return value
        if not isinstance(value, str):
            raise serializers.ValidationError(
                f"{self.field_name} = {json.dumps(value)} is not a date; write YYYY-MM-DD."
            )
        try:
            return parse_date(value)
        except CellError as exc:
            raise serializers.ValidationError(f"{self.field_name} = {exc}.") from None

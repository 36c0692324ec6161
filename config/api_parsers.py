"""Request body parsing of the REST API."""

from __future__ import annotations

from django.utils.translation import gettext
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class BoundedJSONParser(JSONParser):
    """JSON whose nesting would exhaust the parser's recursion is a 400 saying so,
    not a RecursionError and a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(
                gettext("JSON parse error - the body is nested too deeply to be read.")
            ) from None

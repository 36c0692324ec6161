"""Request checks that every page and the API share, before any view runs."""

from __future__ import annotations

import json

from django.http import HttpResponse
from django.utils.translation import gettext


class RejectNulBytes:
    """A NUL byte in the address (path or query) is never meaningful here, and PostgreSQL
    refuses it in any text parameter: answer 400 with a message instead of a 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if (
            "\x00" in request.path
            or "\x00" in request.META.get("QUERY_STRING", "")
            or any("\x00" in value for values in request.GET.lists() for value in values[1])
        ):
            message = gettext(
                "The address contains a NUL byte (%00), which is not allowed in any value."
            )
            if request.path.startswith("/api/"):
                return HttpResponse(
                    json.dumps({"detail": message}), status=400, content_type="application/json"
                )
            return HttpResponse(message, status=400, content_type="text/plain; charset=utf-8")
        return self.get_response(request)

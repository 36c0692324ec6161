"""Every URL pattern of the project, walked from the root resolver (shared by the route
tests)."""

from __future__ import annotations

import re

from django.urls import URLPattern, URLResolver, get_resolver


def all_routes(resolver=None, prefix="", namespace=""):
    """(name, pattern text, argument names) of every URL pattern, included ones too."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        text = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from all_routes(entry, text, inner)
        elif isinstance(entry, URLPattern):
            name = f"{namespace}{entry.name}" if entry.name else f"(unnamed) {text}"
            yield name, text, tuple(_arguments(name, text))


def _arguments(name: str, text: str) -> list[str]:
    names = re.findall(r"\(\?P<(\w+)>", text) + re.findall(r"<(?:\w+:)?(\w+)>", text)
    unnamed = len(re.findall(r"\((?!\?)", text))
    if unnamed and name.endswith("_simple_history"):
        names += ["object_id", "version_id"][:unnamed]  # the history form's two groups
    elif unnamed:
        names += [f"positional {n}" for n in range(unnamed)]
    return list(dict.fromkeys(names))

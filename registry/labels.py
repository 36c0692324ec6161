"""Field labels for people. Validators and constraints name fields by their column
(`birth_year`), which is right for a CSV file; a page says "Birth year" instead."""

from __future__ import annotations

import re

from django.db import models
from django.utils.safestring import SafeString
from django.utils.text import capfirst


def label_of(model: type[models.Model], name: str) -> str:
    try:
        return str(capfirst(model._meta.get_field(name).verbose_name))
    except Exception:
        return name


def labelled(message: str, model: type[models.Model]) -> str:
    """`message` with the model's column names replaced by their labels: at the start
    (`edss = 0.5 …`) and wherever a name with an underscore appears."""
    if isinstance(message, SafeString):
        return message  # built by us with labels and links already
    names = {f.name for f in model._meta.concrete_fields}

    def swap(match: re.Match) -> str:
        word = match.group(0)
        return label_of(model, word) if word in names else word

    message = re.sub(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b", swap, message)
    head = re.match(r"^([a-z][a-z0-9]*) = ", message)
    if head and head.group(1) in names:
        message = label_of(model, head.group(1)) + message[len(head.group(1)) :]
    return message

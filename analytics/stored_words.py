"""Helpers shared by the modules that show the engine's stored English words in the
language of the page (`phenotype_labels`, `result_labels`, `engine_labels`)."""

from __future__ import annotations

from django.utils.formats import get_format


def in_language(table: dict, text: str | None) -> str:
    """`text` as the table says it in the active language; unknown text as stored."""
    return str(table[text]) if text in table else (text or "")


def decimal_text(text: str) -> str:
    """A number the engine wrote with a decimal point, with the language's separator."""
    return text.replace(".", get_format("DECIMAL_SEPARATOR"))


def whole_text(text: str) -> str:
    """A whole number the engine wrote with thousands commas, with the language's ones."""
    return text.replace(",", get_format("THOUSAND_SEPARATOR"))

from django import template
from django.utils.formats import get_format

from analytics import formatting

register = template.Library()


def _in_language(text: str) -> str:
    """The page language's decimal mark (0,043 in German); digits and powers unchanged."""
    mark = get_format("DECIMAL_SEPARATOR")
    return text if mark == "." else text.replace(".", mark)


@register.filter
def sig(value, digits=3):
    """{{ x|sig }}: three significant digits ({{ x|sig:2 }} for two)."""
    return _in_language(formatting.significant(value, int(digits)))


@register.filter
def pvalue(value):
    return _in_language(formatting.p_value(value))

from django import template

from analytics import formatting

register = template.Library()


@register.filter
def sig(value, digits=3):
    """{{ x|sig }}: three significant digits ({{ x|sig:2 }} for two)."""
    return formatting.significant(value, int(digits))


@register.filter
def pvalue(value):
    return formatting.p_value(value)

"""`{% error_summary form %}`: the error summary (registry/_error_summary.html) for a
page whose view does not pass the list of its forms."""

from django import template

register = template.Library()


@register.inclusion_tag("registry/_error_summary.html")
def error_summary(*forms):
    return {"forms": forms, "has_errors": any(f.errors for f in forms)}

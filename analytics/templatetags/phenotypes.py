"""{{ p.name|phenotype_name }}, {{ p.description|phenotype_description }},
{{ p.stability_flag|cluster_stability }}: stored engine words in the page's language."""

from django import template

from analytics import engine_labels, phenotype_labels, result_labels

register = template.Library()

register.filter("phenotype_name", phenotype_labels.phenotype_name)
register.filter("phenotype_description", phenotype_labels.phenotype_description)
register.filter("cluster_stability", phenotype_labels.cluster_stability)
register.filter("clusterability_description", phenotype_labels.clusterability_description)
register.filter("comparison_test", result_labels.comparison_test)
register.filter("comparison_note", result_labels.comparison_note)
register.filter("comparison_scope", result_labels.comparison_scope)


@register.filter
def variable_labels(names) -> str:
    """{{ names|variable_labels }}: feature column names as the labels people read."""
    from analytics.selectors import variable_label

    return ", ".join(variable_label(n) for n in names or [])


register.filter("vote_summary", engine_labels.vote_summary)
register.filter("vote_rule", engine_labels.vote_rule)
register.filter("vote_index", engine_labels.vote_index)
register.filter("scan_mode", engine_labels.scan_mode)
register.filter("preprocessing_lines", engine_labels.preprocessing_lines)

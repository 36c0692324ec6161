"""{{ p.name|phenotype_name }}, {{ p.description|phenotype_description }},
{{ p.stability_flag|cluster_stability }}: stored engine words in the page's language."""

from django import template

from analytics import phenotype_labels

register = template.Library()

register.filter("phenotype_name", phenotype_labels.phenotype_name)
register.filter("phenotype_description", phenotype_labels.phenotype_description)
register.filter("cluster_stability", phenotype_labels.cluster_stability)
register.filter("clusterability_description", phenotype_labels.clusterability_description)

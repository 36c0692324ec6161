"""The comparison table's engine words (test names, notes, the adjusted family) in the
language of the page. The engine stores them in English (the CSV export keeps them so);
a text outside the known vocabulary is shown as stored."""

from __future__ import annotations

import re

from django.utils.translation import gettext, pgettext_lazy

from analytics.engine.comparisons import DESCRIPTIVE_NOTE, DESCRIPTIVE_TEST, FAMILY_SCOPE
from analytics.stored_words import decimal_text, in_language, whole_text

TESTS = {
    "Kruskal–Wallis": pgettext_lazy("statistical test", "Kruskal–Wallis"),
    "Chi-square": pgettext_lazy("statistical test", "Chi-square"),
    "Chi-square (Monte-Carlo p)": pgettext_lazy("statistical test", "Chi-square (Monte-Carlo p)"),
    "Chi-square (patient-level permutation)": pgettext_lazy(
        "statistical test", "Chi-square (patient-level permutation)"
    ),
    "Fisher's exact": pgettext_lazy("statistical test", "Fisher's exact"),
    DESCRIPTIVE_TEST: pgettext_lazy("statistical test", "descriptive (clustering variable)"),
    "not testable": pgettext_lazy("statistical test", "not testable"),
}
NOTES = {
    DESCRIPTIVE_NOTE: pgettext_lazy(
        "comparison note",
        "formed the clusters (or duplicates a variable that did): differences are there by "
        "construction, so no p-value and not in the adjusted family",
    ),
    "post-hoc: Dunn's test, Holm-adjusted p": pgettext_lazy(
        "comparison note", "post-hoc: Dunn's test, Holm-adjusted p"
    ),
    "post-hoc: Dunn's statistic with patient-level permutation p, Holm-adjusted": pgettext_lazy(
        "comparison note",
        "post-hoc: Dunn's statistic with patient-level permutation p, Holm-adjusted",
    ),
    "only one level observed": pgettext_lazy("comparison note", "only one level observed"),
    "all values are equal; ranks carry no information": pgettext_lazy(
        "comparison note", "all values are equal; ranks carry no information"
    ),
}
SMALLEST = re.compile(
    r"smallest expected count (?P<count>\d+\.\d+) < 5: (?:"
    r"Monte-Carlo p, (?P<draws>[\d,]+) draws(?: \(stopped at (?P<hits>\d+) exceedances\))?"
    r"|(?P<fisher>p from Fisher's exact test))"
)
TOO_FEW = re.compile(r"(?P<n>\d+) phenotype\(s\) with data; at least 2 needed")
SCOPES = {
    FAMILY_SCOPE: pgettext_lazy(
        "comparison family",
        "clinical, MRI and demographic variables that did not form the clusters; "
        "the clustering variables are descriptive only",
    )
}


def comparison_test(test: str | None) -> str:
    return in_language(TESTS, test)


def comparison_note(note: str | None) -> str:
    if not note:
        return note or ""
    if note in NOTES:
        return str(NOTES[note])
    if match := TOO_FEW.fullmatch(note):
        return gettext("%(n)s phenotype(s) with data; at least 2 needed") % {"n": match["n"]}
    match = SMALLEST.fullmatch(note)
    if match is None:
        return note
    count = decimal_text(match["count"])
    if match["fisher"]:
        return gettext("smallest expected count %(count)s < 5: p from Fisher's exact test") % {
            "count": count
        }
    if match["hits"]:
        return gettext(
            "smallest expected count %(count)s < 5: Monte-Carlo p, %(draws)s draws (stopped "
            "at %(hits)s exceedances)"
        ) % {"count": count, "draws": whole_text(match["draws"]), "hits": match["hits"]}
    return gettext("smallest expected count %(count)s < 5: Monte-Carlo p, %(draws)s draws") % {
        "count": count,
        "draws": whole_text(match["draws"]),
    }


def comparison_scope(scope: str | None) -> str:
    return in_language(SCOPES, scope)

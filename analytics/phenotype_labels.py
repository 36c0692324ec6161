"""Phenotype names and descriptions in the language of the page showing them.

The engine (`analytics.engine.naming`) writes names and descriptions in English from a
fixed vocabulary and stays free of Django; what is stored is also what the patient list
filters on. These functions read a stored text back into its words and say it in the
active language. Anything outside the vocabulary (a name from an older algorithm, a name
cut at its maximum length) is shown exactly as stored.
"""

from __future__ import annotations

import functools
import re

from django.utils.translation import get_language, gettext, pgettext_lazy

from analytics.stored_words import in_language

# Every word and phrase naming.py can write, with what a person reads for it.
PACE = {
    "faster": pgettext_lazy("phenotype pace", "faster"),
    "slower": pgettext_lazy("phenotype pace", "slower"),
    "slow": pgettext_lazy("phenotype pace", "slow"),
}
STABILITY = {
    "stable": pgettext_lazy("phenotype gait stability", "stable"),
    "moderately unstable": pgettext_lazy("phenotype gait stability", "moderately unstable"),
    "severely unstable": pgettext_lazy("phenotype gait stability", "severely unstable"),
}
PHRASES = {
    "fast": pgettext_lazy("phenotype description", "fast"),
    "slow": pgettext_lazy("phenotype description", "slow"),
    "high cadence": pgettext_lazy("phenotype description", "high cadence"),
    "low cadence": pgettext_lazy("phenotype description", "low cadence"),
    "long strides": pgettext_lazy("phenotype description", "long strides"),
    "short strides": pgettext_lazy("phenotype description", "short strides"),
    "long double support": pgettext_lazy("phenotype description", "long double support"),
    "short double support": pgettext_lazy("phenotype description", "short double support"),
    "wide base": pgettext_lazy("phenotype description", "wide base"),
    "narrow base": pgettext_lazy("phenotype description", "narrow base"),
    "high stride variability": pgettext_lazy("phenotype description", "high stride variability"),
    "low stride variability": pgettext_lazy("phenotype description", "low stride variability"),
    "high lesion volume": pgettext_lazy("phenotype description", "high lesion volume"),
    "low lesion volume": pgettext_lazy("phenotype description", "low lesion volume"),
    "high BPF": pgettext_lazy("phenotype description", "high BPF"),
    "low BPF": pgettext_lazy("phenotype description", "low BPF"),
    "high GMF": pgettext_lazy("phenotype description", "high GMF"),
    "low GMF": pgettext_lazy("phenotype description", "low GMF"),
    "close to the cohort average": pgettext_lazy(
        "phenotype description", "close to the cohort average"
    ),
}
# How well a phenotype survives resampling (engine.stability.flag), not gait stability.
CLUSTER_STABILITY = {
    "stable": pgettext_lazy("cluster stability", "stable"),
    "doubtful": pgettext_lazy("cluster stability", "doubtful"),
    "unstable": pgettext_lazy("cluster stability", "unstable"),
}
# Pace and stability are one name: "faster stable" reads "schnell, stabil" in German.
PACE_AND_STABILITY = pgettext_lazy("phenotype name: pace, stability", "{pace} {stability}")

# core, then an optional "(lead phrase)" that tells apart two clusters of one name, then
# an optional number that tells apart what is still the same.
NAME = re.compile(r"(?P<core>[a-z ]+?)(?: \((?P<lead>[^()]+)\))?(?: (?P<number>\d+))?")


def _core(core: str) -> str | None:
    if core in STABILITY:
        return str(STABILITY[core])
    pace, _, stability = core.partition(" ")
    if pace in PACE and stability in STABILITY:
        return str(PACE_AND_STABILITY).format(pace=PACE[pace], stability=STABILITY[stability])
    return None


def phenotype_name(name: str | None) -> str:
    """A stored phenotype name in the active language ("faster stable", "moderately
    unstable (long strides)", "slower stable 2"); unknown text comes back unchanged."""
    if not name:
        return name or ""
    return _name_in(name, get_language())


# A page names the same few phenotypes once per row: each name is worked out once per
# language (the translation catalogues do not change while the process runs).
@functools.lru_cache(maxsize=512)
def _name_in(name: str, language: str | None) -> str:
    match = NAME.fullmatch(name)
    if match is None:
        return name
    core = _core(match["core"])
    if core is None:
        return name
    out = core
    if match["lead"] is not None:
        if match["lead"] not in PHRASES:
            return name
        out = f"{out} ({PHRASES[match['lead']]})"
    if match["number"] is not None:
        out = f"{out} {match['number']}"
    return out


def phenotype_description(description: str | None) -> str:
    """A stored description (phrases joined by ", ") in the active language; unknown
    text comes back unchanged."""
    if not description:
        return description or ""
    phrases = description.split(", ")
    if not all(p in PHRASES for p in phrases):
        return description
    return ", ".join(str(PHRASES[p]) for p in phrases)


def cluster_stability(flag: str | None) -> str:
    """The stored stability flag of a phenotype (stable, doubtful, unstable)."""
    return in_language(CLUSTER_STABILITY, flag)


CLUSTERABILITY_UNITS = {
    "rows": pgettext_lazy("clusterability unit", "rows"),
    "patients (latest row each)": pgettext_lazy(
        "clusterability unit", "patients (latest row each)"
    ),
}


def clusterability_description(test: dict | None) -> str:
    """The stored clusterability test (ClusteringRun.clusterability) described in the
    active language from its numbers; the engine's own English text if any is missing."""
    if not test:
        return ""
    keys = ("k", "n_null", "dimensions", "n_rows", "n_init")
    if any(test.get(key) is None for key in keys) or test.get("unit") not in CLUSTERABILITY_UNITS:
        return test.get("description", "")
    return gettext(
        "k-means cluster index (within-SS / total SS, k = %(k)s) against %(draws)s draws of "
        "one Gaussian with the data's covariance (%(dimensions)s PCA dimensions, %(n)s "
        "%(unit)s), k-means++ with n_init %(n_init)s"
    ) % {
        "k": test["k"],
        "draws": test["n_null"],
        "dimensions": test["dimensions"],
        "n": test["n_rows"],
        "unit": CLUSTERABILITY_UNITS[test["unit"]],
        "n_init": test["n_init"],
    }

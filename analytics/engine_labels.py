"""The engine's records of a run (preprocessing steps, the k vote) in the language of the
page. The engine writes them in English and stores them with the run; each known form is
read back into its numbers and said again in the active language. A text of another
form (an older algorithm version) is shown as stored, marked as English.
"""

from __future__ import annotations

import re

from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language, gettext, pgettext_lazy

from analytics.engine.preprocess import LOG_TRANSFORM
from analytics.engine.selection import N_INDICES, VOTE_RULE
from analytics.phenotype_labels import clusterability_description
from analytics.stored_words import decimal_text

STEPS = {
    "missing values": pgettext_lazy("preprocessing step", "missing values"),
    "log transform": pgettext_lazy("preprocessing step", "log transform"),
    "z-score": pgettext_lazy("preprocessing step", "z-score"),
    "PCA": pgettext_lazy("preprocessing step", "PCA"),
    "k scan": pgettext_lazy("preprocessing step", "k scan"),
    "k-means": pgettext_lazy("preprocessing step", "k-means"),
    "stability": pgettext_lazy("preprocessing step", "stability"),
    "clusterability": pgettext_lazy("preprocessing step", "clusterability"),
}
METHODS = {
    "complete cases: rows with any missing feature are dropped": pgettext_lazy(
        "preprocessing method", "complete cases: rows with any missing feature are dropped"
    ),
    "median imputation of each missing feature": pgettext_lazy(
        "preprocessing method", "median imputation of each missing feature"
    ),
    f"{LOG_TRANSFORM}: log(x + 1), for right-skewed variables": pgettext_lazy(
        "preprocessing method", "log1p: log(x + 1), for right-skewed variables"
    ),
    "mean 0, SD 1 (population SD of the rows used)": pgettext_lazy(
        "preprocessing method", "mean 0, SD 1 (population SD of the rows used)"
    ),
    "skipped (k fixed)": pgettext_lazy("preprocessing method", "skipped (k fixed)"),
}
VOTE_INDICES = {
    "elbow (WSS)": pgettext_lazy("k vote index", "elbow (WSS)"),
    "silhouette": pgettext_lazy("k vote index", "silhouette"),
    "calinski_harabasz": pgettext_lazy("k vote index", "Calinski–Harabasz"),
    "davies_bouldin": pgettext_lazy("k vote index", "Davies–Bouldin"),
    "gap": pgettext_lazy("k vote index", "gap statistic"),
}
RULES = {
    VOTE_RULE: pgettext_lazy(
        "k vote rule",
        "one vote per index; a k with at least 3 of 5 votes is a clear choice, a plurality "
        "below that is weak, and a tie goes to the smaller k (the simpler model). When the "
        "vote prefers k = 1 (only the gap statistic can), k-means still needs k >= 2: the run "
        "fits the vote among k >= 2 and says so.",
    )
}
SCAN_MODES = {
    "full": pgettext_lazy("k scan mode", "full"),
    "sample": pgettext_lazy("k scan mode", "sample"),
}

PCA_FIXED = re.compile(
    r"fixed: (?P<n>\d+) components: \d+ components \((?P<share>\d+\.\d) % of the variance\)"
)
PCA_SHARE = re.compile(
    r"fewest components reaching (?P<target>[\d.]+) % of the variance: (?P<n>\d+) components "
    r"\((?P<share>\d+\.\d) % of the variance\)"
)
K_SCAN = re.compile(r"(?P<mode>\w+): k = 1 \(gap\) and (?P<ks>[\d, ]+) on (?P<rows>\d+) rows; .+")
K_MEANS = re.compile(
    r"k = (?P<k>\d+) \((?P<how>index vote|set)\), k-means\+\+, n_init (?P<n_init>\d+), seed "
    r"(?P<seed>\d+), iterated until no label changes \((?P<iterations>\d+) iterations\); "
    r"clusters numbered by descending mean velocity"
)
STABILITY = re.compile(
    r"clusterboot: (?P<resamples>\d+) bootstrap resamples of (?P<rows>\d+) rows, "
    r"(?:(?P<centroids>refits seeded from the full-data centroids \(1 start\))"
    r"|k-means\+\+ refits with n_init (?P<n_init>\d+)), mean best Jaccard per cluster"
)


def _as_stored(text: str) -> SafeString:
    """Text the engine wrote in a form not known here: as stored, marked English."""
    if (get_language() or "en").startswith("en"):
        return format_html("{}", text)
    return format_html('<span lang="en">{}</span>', text)


def _vote_text(selection: dict) -> str | None:
    agreement, preferred = selection.get("agreement"), selection.get("preferred")
    tally, chosen = selection.get("tally") or {}, selection.get("chosen")
    top = tally.get(str(preferred))
    if agreement not in ("clear", "weak", "tie") or preferred is None or top is None:
        return None
    if agreement == "tie":
        text = gettext(
            "tie between k = %(ks)s (%(n)s votes each); tie-break: the smaller k (the "
            "simpler model) -> %(k)s"
        ) % {"ks": ", ".join(map(str, selection.get("tied") or [])), "n": top, "k": preferred}
    elif agreement == "weak":
        text = gettext("weak plurality: k = %(k)s with %(n)s of %(total)s votes") % {
            "k": preferred,
            "n": top,
            "total": N_INDICES,
        }
    else:
        text = gettext("clear majority: k = %(k)s with %(n)s of %(total)s votes") % {
            "k": preferred,
            "n": top,
            "total": N_INDICES,
        }
    if chosen is not None and chosen != preferred:
        text += gettext("; k = 1 cannot be partitioned, fitted k = %(k)s") % {"k": chosen}
    return text


def vote_summary(k_selection: dict | None) -> str:
    """The k vote's outcome ("weak plurality: k = 2 with 2 of 5 votes"), rebuilt from the
    numbers stored with it."""
    selection = k_selection or {}
    text = _vote_text(selection)
    return format_html("{}", text) if text is not None else _as_stored(selection.get("summary", ""))


def vote_rule(rule: str | None) -> str:
    return format_html("{}", RULES[rule]) if rule in RULES else _as_stored(rule or "")


def vote_index(index: str | None) -> str:
    return format_html("{}", VOTE_INDICES[index]) if index in VOTE_INDICES else _as_stored(index)


def scan_mode(mode: str | None) -> str:
    return format_html("{}", SCAN_MODES[mode]) if mode in SCAN_MODES else _as_stored(mode or "")


def _method(step: dict, run) -> str | None:
    """A step's method in the active language, or None when its form is not known."""
    method = step.get("method", "")
    if method in METHODS:
        return str(METHODS[method])
    if match := PCA_FIXED.fullmatch(method):
        return gettext("fixed: %(n)s components (%(share)s %% of the variance)") % {
            "n": match["n"],
            "share": decimal_text(match["share"]),
        }
    if match := PCA_SHARE.fullmatch(method):
        return gettext(
            "fewest components reaching %(target)s %% of the variance: %(n)s components "
            "(%(share)s %% of the variance)"
        ) % {
            "target": decimal_text(match["target"]),
            "n": match["n"],
            "share": decimal_text(match["share"]),
        }
    match = K_SCAN.fullmatch(method)
    vote = _vote_text(run.k_selection or {})
    if match and vote is not None and match["mode"] in SCAN_MODES:
        return gettext("%(mode)s: k = 1 (gap) and %(ks)s on %(rows)s rows; %(vote)s") % {
            "mode": SCAN_MODES[match["mode"]],
            "ks": match["ks"],
            "rows": match["rows"],
            "vote": vote,
        }
    if match := K_MEANS.fullmatch(method):
        how = gettext("index vote") if match["how"] == "index vote" else gettext("set by the run")
        return gettext(
            "k = %(k)s (%(how)s), k-means++, n_init %(n_init)s, seed %(seed)s, iterated until "
            "no label changes (%(iterations)s iterations); clusters numbered by descending "
            "mean velocity"
        ) % {**match.groupdict(), "how": how}
    if match := STABILITY.fullmatch(method):
        refits = (
            gettext("refits seeded from the full-data centroids (1 start)")
            if match["centroids"]
            else gettext("k-means++ refits with n_init %(n)s") % {"n": match["n_init"]}
        )
        return gettext(
            "clusterboot: %(resamples)s bootstrap resamples of %(rows)s rows, %(refits)s, "
            "mean best Jaccard per cluster"
        ) % {"resamples": match["resamples"], "rows": match["rows"], "refits": refits}
    test = run.clusterability or {}
    if step.get("step") == "clusterability" and method == test.get("description"):
        return clusterability_description(test)
    return None


def preprocessing_lines(run) -> list[str]:
    """Each preprocessing step of the run as "step: method" in the active language; a
    step of an unknown form as stored, marked English."""
    lines = []
    for step in run.preprocessing or []:
        name, method = step.get("step", ""), _method(step, run)
        if name in STEPS and method is not None:
            lines.append(format_html("{}: {}", STEPS[name], method))
        else:
            lines.append(_as_stored(f"{name}: {step.get('method', '')}"))
    return lines

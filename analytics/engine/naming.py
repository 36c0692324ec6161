"""Names from centroids, in the paper's vocabulary, plus what stands out.

The rule, for any k, on z-scored centroids (cohort mean 0, SD 1 per feature):

- Instability score = mean z of stride length CV, stride time CV and double support.
  Below 0.5 the cluster is "stable", from 0.5 "moderately unstable", from 1.5 "severely
  unstable" (half a cohort SD and one and a half cohort SDs worse than average).
- Pace by speed rank: the fastest cluster is "faster", the slowest "slow", every one in
  between "slower".
- Name = pace + stability, except that an unstable cluster walking at about the speed
  of a steadier cluster (centroid velocities less than 0.5 cohort SD apart) is named by
  its instability alone: pace does not tell the two apart, instability does, and the
  steadier one keeps the pace word. This is the paper's cluster 3 ("moderately
  unstable", speed like cluster 2's "slower stable").
- Names repeated within a run get the leading "what stands out" phrase in brackets
  (then a number if still needed), so every name in a run is unique.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

INSTABILITY = ("stride_length_cv_pct", "stride_time_cv_pct", "double_support_pct")
MODERATE = 0.5
SEVERE = 1.5
SIMILAR_SPEED = 0.5
# Step length and time, stride time, swing and stance mirror stride length, cadence and
# double support almost exactly, and the two CVs move together, so descriptions use one
# phrase per idea instead of saying the same thing twice.
PHRASES = {
    ("velocity_m_s",): ("fast", "slow"),
    ("cadence_steps_min",): ("high cadence", "low cadence"),
    ("stride_length_m",): ("long strides", "short strides"),
    ("double_support_pct",): ("long double support", "short double support"),
    ("base_of_support_m",): ("wide base", "narrow base"),
    ("stride_length_cv_pct", "stride_time_cv_pct"): (
        "high stride variability",
        "low stride variability",
    ),
    ("t2_lesion_volume_ml",): ("high lesion volume", "low lesion volume"),
    ("brain_parenchymal_fraction",): ("high BPF", "low BPF"),
    ("grey_matter_fraction",): ("high GMF", "low GMF"),
}
# Below this |z| a feature does not stand out from the cohort.
STANDS_OUT = 0.3
MAX_NAME_LENGTH = 64


@dataclass(frozen=True)
class Name:
    name: str
    description: str
    instability: float
    stability_word: str
    pace_word: str


def pace_words(velocity_z: np.ndarray) -> list[str]:
    k = len(velocity_z)
    rank = np.empty(k, dtype=int)
    rank[np.argsort(-velocity_z, kind="stable")] = np.arange(k)
    return ["faster" if r == 0 else "slow" if r == k - 1 else "slower" for r in rank]


def stability_word(score: float) -> str:
    if score >= SEVERE:
        return "severely unstable"
    if score >= MODERATE:
        return "moderately unstable"
    return "stable"


def describe(profile: dict[str, float], *, top: int = 3) -> str:
    """The (up to) three ideas furthest from the cohort average, in words; an idea
    spanning several features (stride variability) takes their mean z."""
    scored = []
    for features, (high, low) in PHRASES.items():
        values = [profile[f] for f in features if f in profile]
        if values:
            z = float(np.mean(values))
            if abs(z) >= STANDS_OUT:
                scored.append((-abs(z), high if z > 0 else low))
    return ", ".join(p for _, p in sorted(scored)[:top]) or "close to the cohort average"


def name_clusters(profiles: list[dict[str, float]]) -> list[Name]:
    """One Name per cluster, in the order of `profiles` (z-scored centroids)."""
    k = len(profiles)
    speed = np.array([p.get("velocity_m_s", 0.0) for p in profiles])
    score = np.array([float(np.mean([p.get(f, 0.0) for f in INSTABILITY])) for p in profiles])
    paces = pace_words(speed)
    words = [stability_word(s) for s in score]
    names = []
    for i in range(k):
        steadier_at_same_speed = any(
            score[j] < score[i] and abs(speed[j] - speed[i]) < SIMILAR_SPEED for j in range(k)
        )
        if words[i] != "stable" and steadier_at_same_speed:
            names.append(words[i])
        else:
            names.append(f"{paces[i]} {words[i]}")
    descriptions = [describe(p) for p in profiles]
    names = _unique(names, descriptions)
    return [Name(names[i], descriptions[i], float(score[i]), words[i], paces[i]) for i in range(k)]


def _unique(names: list[str], descriptions: list[str]) -> list[str]:
    out = list(names)
    for name in set(names):
        clash = [i for i, n in enumerate(names) if n == name]
        if len(clash) < 2:
            continue
        for i in clash:
            lead = descriptions[i].split(", ")[0]
            out[i] = f"{name} ({lead})"[:MAX_NAME_LENGTH]
    seen: dict[str, int] = {}
    for i, name in enumerate(out):
        if out.count(name) > 1:
            seen[name] = seen.get(name, 0) + 1
            out[i] = f"{name[: MAX_NAME_LENGTH - 4]} {seen[name]}"
    return out

"""Names from centroids, in the paper's vocabulary: pace by speed rank and stability by
variability and double support, plus a short description of what stands out."""

from __future__ import annotations

import numpy as np

INSTABILITY = ["stride_length_cv_pct", "stride_time_cv_pct", "double_support_pct"]
# Instability score (mean z of the three) above which a cluster is unstable at all.
MODERATE = 0.5
WORDS = {
    "velocity_m_s": ("fast", "slow"),
    "cadence_steps_min": ("high cadence", "low cadence"),
    "stride_length_m": ("long strides", "short strides"),
    "double_support_pct": ("long double support", "short double support"),
    "base_of_support_m": ("wide base", "narrow base"),
    "stride_length_cv_pct": ("variable stride length", "regular stride length"),
    "stride_time_cv_pct": ("variable stride time", "regular stride time"),
    "brain_parenchymal_fraction": ("high BPF", "low BPF"),
    "t2_lesion_volume_ml": ("high lesion volume", "low lesion volume"),
    "grey_matter_fraction": ("high GMF", "low GMF"),
}


def _pace(rank: int, k: int) -> str:
    if rank == 0:
        return "faster"
    if rank == k - 1:
        return "slow"
    return "slower"


def name_clusters(profiles: list[dict[str, float]]) -> list[tuple[str, str]]:
    """(name, description) per cluster, from z-scored centroids (cohort mean 0, SD 1).

    Pace: the fastest cluster is "faster", the slowest "slow", the rest "slower".
    Stability: the most unstable cluster, if its score passes MODERATE, is "severely
    unstable"; others past MODERATE are "moderately unstable", the rest "stable".
    Moderately unstable clusters are named without pace, as in the paper, because
    pace is not what sets them apart.
    """
    k = len(profiles)
    speed = np.array([p.get("velocity_m_s", 0.0) for p in profiles])
    rank = {int(i): r for r, i in enumerate(np.argsort(-speed, kind="stable"))}
    score = np.array([np.mean([p.get(f, 0.0) for f in INSTABILITY]) for p in profiles])
    worst = int(np.argmax(score))
    names = []
    for i in range(k):
        pace = _pace(rank[i], k)
        if score[i] >= MODERATE and i == worst and k > 1:
            name = f"{pace} severely unstable"
        elif score[i] >= MODERATE:
            name = "moderately unstable"
        else:
            name = f"{pace} stable"
        names.append(name)
    # Disambiguate repeated names by pace rank, so every name in a run is unique.
    seen: dict[str, int] = {}
    for i, name in enumerate(names):
        if names.count(name) > 1:
            seen[name] = seen.get(name, 0) + 1
            names[i] = f"{name} ({seen[name]})"
    return [(names[i], describe(profiles[i])) for i in range(k)]


def describe(profile: dict[str, float], top: int = 3) -> str:
    ranked = sorted((f for f in profile if f in WORDS), key=lambda f: abs(profile[f]), reverse=True)
    parts = [WORDS[f][0 if profile[f] > 0 else 1] for f in ranked[:top] if abs(profile[f]) >= 0.3]
    return ", ".join(parts) if parts else "close to the cohort average"

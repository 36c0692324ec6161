"""Consistency rules of the data dictionary. A violation never blocks a save: it is
stored on the record as a data-quality flag for the people who can fix it.

Pure functions over plain mappings, so forms, the importer and bulk writes share them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

Flag = dict[str, str]


def _present(row: Mapping[str, Any], *names: str) -> bool:
    return all(row.get(name) is not None for name in names)


def gait_flags(row: Mapping[str, Any]) -> list[Flag]:
    flags: list[Flag] = []
    if _present(row, "swing_pct", "stance_pct"):
        total = row["swing_pct"] + row["stance_pct"]
        if abs(total - 100) > 3:
            flags.append(
                {
                    "rule": "swing_stance_sum",
                    "message": f"Swing + stance = {total:.1f} % of the gait cycle; "
                    "expected 100 ± 3 %.",
                }
            )
    if _present(row, "stride_length_m", "step_length_m") and row["step_length_m"] > 0:
        ratio = row["stride_length_m"] / row["step_length_m"]
        if not 1.6 <= ratio <= 2.4:
            flags.append(
                {
                    "rule": "stride_step_ratio",
                    "message": f"Stride length / step length = {ratio:.2f}; expected 1.6 … 2.4.",
                }
            )
    if _present(row, "velocity_m_s", "stride_length_m", "cadence_steps_min"):
        expected = row["stride_length_m"] * row["cadence_steps_min"] / 120
        if expected > 0 and abs(row["velocity_m_s"] - expected) > 0.2 * expected:
            flags.append(
                {
                    "rule": "velocity_stride_cadence",
                    "message": f"Velocity {row['velocity_m_s']:g} m/s differs by more than 20 % "
                    f"from stride length × cadence / 120 = {expected:.2f} m/s.",
                }
            )
    if _present(row, "stride_time_s", "cadence_steps_min") and row["cadence_steps_min"] > 0:
        expected = 120 / row["cadence_steps_min"]
        if abs(row["stride_time_s"] - expected) > 0.15 * expected:
            flags.append(
                {
                    "rule": "stride_time_cadence",
                    "message": f"Stride time {row['stride_time_s']:g} s differs by more than 15 % "
                    f"from 120 / cadence = {expected:.2f} s.",
                }
            )
    return flags


def mri_flags(row: Mapping[str, Any]) -> list[Flag]:
    names = ("grey_matter_fraction", "white_matter_fraction", "brain_parenchymal_fraction")
    if not _present(row, *names):
        return []
    total = row["grey_matter_fraction"] + row["white_matter_fraction"]
    if abs(total - row["brain_parenchymal_fraction"]) > 0.05:
        return [
            {
                "rule": "tissue_fractions_sum",
                "message": f"Grey + white matter fraction = {total:.3f}; expected the brain "
                f"parenchymal fraction {row['brain_parenchymal_fraction']:g} ± 0.05.",
            }
        ]
    return []

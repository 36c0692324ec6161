"""Reads of data-quality flags with their acknowledgements: which flags of a record are
still open. (The patient list's flag filter reads the same rule in SQL from the
analytics summary row.)"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from registry.models import FlagAcknowledgement, GaitSession, MriScan

# What each consistency rule of registry.quality checks, in words, for a flag's heading.
RULE_LABELS = {
    "swing_stance_sum": _("Swing and stance do not add up to 100 %"),
    "stride_step_ratio": _("Stride length is not about twice the step length"),
    "velocity_stride_cadence": _("Velocity does not match stride length × cadence"),
    "stride_time_cadence": _("Stride time does not match cadence"),
    "tissue_fractions_sum": _("Grey + white matter fractions do not add up to BPF"),
}


@dataclass(frozen=True)
class ShownFlag:
    kind: str  # "gait" or "mri"
    record: GaitSession | MriScan
    rule: str
    label: str
    message: str
    acknowledgement: FlagAcknowledgement | None

    @property
    def is_open(self) -> bool:
        return self.acknowledgement is None


def _acks(kind: str, ids: list[int]) -> dict[tuple[int, str], FlagAcknowledgement]:
    column = "gait_session_id" if kind == "gait" else "mri_scan_id"
    if not ids:
        return {}
    rows = FlagAcknowledgement.objects.filter(**{f"{column}__in": ids}).select_related(
        "acknowledged_by"
    )
    return {(getattr(a, column), a.rule): a for a in rows}


def flags_shown(*, walks=(), scans=()) -> list[ShownFlag]:
    """Every flag of these records, each with its acknowledgement if that still holds
    (an acknowledgement of other numbers than the flag shows now has lapsed)."""
    out = []
    for kind, records in (("gait", list(walks)), ("mri", list(scans))):
        flagged = [r for r in records if r.quality_flags]
        acks = _acks(kind, [r.pk for r in flagged])
        for record in flagged:
            for flag in record.quality_flags:
                ack = acks.get((record.pk, flag["rule"]))
                if ack is not None and ack.message != flag["message"]:
                    ack = None
                out.append(
                    ShownFlag(
                        kind=kind,
                        record=record,
                        rule=flag["rule"],
                        label=str(RULE_LABELS.get(flag["rule"], flag["rule"])),
                        message=flag["message"],
                        acknowledgement=ack,
                    )
                )
    return out

"""The registry as the five interchange files of the data dictionary, scoped to a
user's centres when a user is given. Export -> import into an empty database ->
export gives identical files."""

from __future__ import annotations

import csv
from pathlib import Path

from registry.importing.spec import SPECS
from registry.models import Center, GaitSession, MriScan, Patient, Visit


def _cell(value) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _queries(user):
    patients = Patient.objects.all() if user is None else Patient.objects.for_user(user)
    centers = Center.objects.filter(id__in=patients.values("center_id").distinct())
    if user is None:
        centers = Center.objects.all()
    return {
        "centers": centers.order_by("code").values_list("code", "name"),
        "patients": patients.order_by("patient_id").values_list(
            "patient_id", "center__code", "sex", "birth_year", "onset_year", "diagnosis_date"
        ),
        "visits": Visit.objects.filter(patient__in=patients)
        .order_by("patient__patient_id", "visit_date")
        .values_list("patient__patient_id", *SPECS["visits"].names[1:]),
        "gait": GaitSession.objects.filter(visit__patient__in=patients)
        .order_by("visit__patient__patient_id", "visit__visit_date", "condition")
        .values_list("visit__patient__patient_id", "visit__visit_date", *SPECS["gait"].names[2:]),
        "mri": MriScan.objects.filter(patient__in=patients)
        .order_by("patient__patient_id", "scan_date")
        .values_list("patient__patient_id", *SPECS["mri"].names[1:]),
    }


def registry_export(*, directory: str | Path, user=None) -> dict[str, int]:
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    written = {}
    for kind, rows in _queries(user).items():
        with (directory / f"{kind}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(SPECS[kind].names)
            n = 0
            for row in rows.iterator(chunk_size=5000):
                writer.writerow([_cell(v) for v in row])
                n += 1
        written[kind] = n
    return written

"""Writes the synthetic demo cohort into the registry with audit history rows for every
record: on PostgreSQL through the importer's COPY write path, elsewhere with bulk
inserts. Idempotent: patients already present are left untouched, so a second run adds
nothing."""

from __future__ import annotations

import io
import math
from dataclasses import dataclass

from django.db import connection, transaction
from simple_history.utils import bulk_create_with_history

from registry.demo.generator import generate_demo_cohort
from registry.importing import copy_upsert
from registry.models import Center, DemoTruth, GaitSession, MriScan, Patient, Visit
from registry.quality import gait_flags, mri_flags
from registry.signals import records_seeded

CHANGE_REASON = "synthetic demo cohort (seed_demo)"
BATCH = 2000


@dataclass(frozen=True)
class SeedReport:
    patients_created: int
    patients_skipped: int
    visits_created: int
    gait_sessions_created: int
    mri_scans_created: int


def _records(frame) -> list[dict]:
    """Rows as dicts with missing values as None (pandas gives NaN)."""
    rows = frame.to_dict("records")
    for row in rows:
        for key, value in row.items():
            if isinstance(value, float) and math.isnan(value):
                row[key] = None
            elif value is not None and hasattr(value, "item") and not isinstance(value, str):
                row[key] = value.item()  # numpy scalar -> Python
    return rows


def _blank(value) -> str:
    return "" if value is None else str(value)


@transaction.atomic
def demo_cohort_seed(*, n_patients: int = 1026, seed: int = 42, user=None) -> SeedReport:
    cohort = generate_demo_cohort(n_patients=n_patients, seed=seed)
    if connection.vendor == "postgresql":
        report = _copy_seed(cohort, user)
        if report.patients_created:
            records_seeded.send(sender=SeedReport)
        return report

    centers = {}
    for row in _records(cohort.centers):
        center, _ = Center.objects.get_or_create(code=row["center"], defaults={"name": row["name"]})
        centers[row["center"]] = center

    wanted = list(cohort.patients["patient_id"])
    existing = set(
        Patient.objects.filter(patient_id__in=wanted).values_list("patient_id", flat=True)
    )
    new_patients = [
        Patient(
            patient_id=row["patient_id"],
            center=centers[row["center"]],
            sex=row["sex"],
            birth_year=row["birth_year"],
            onset_year=row["onset_year"],
            diagnosis_date=row["diagnosis_date"],
        )
        for row in _records(cohort.patients)
        if row["patient_id"] not in existing
    ]
    history = {"batch_size": BATCH, "default_user": user, "default_change_reason": CHANGE_REASON}
    bulk_create_with_history(new_patients, Patient, **history)
    patients = {
        p.patient_id: p
        for p in Patient.objects.filter(patient_id__in=[p.patient_id for p in new_patients])
    }

    visits = [
        Visit(
            patient=patients[row["patient_id"]],
            visit_date=row["visit_date"],
            disease_course=row["disease_course"],
            edss=row["edss"],
            msws12=row["msws12"],
            t25fw_s=row["t25fw_s"],
            walking_aid=row["walking_aid"],
        )
        for row in _records(cohort.visits)
        if row["patient_id"] in patients
    ]
    bulk_create_with_history(visits, Visit, **history)
    visit_ids = {
        (patient_id, visit_date): pk
        for pk, patient_id, visit_date in Visit.objects.filter(
            patient__in=patients.values()
        ).values_list("pk", "patient__patient_id", "visit_date")
    }

    gait = []
    for row in _records(cohort.gait):
        key = (row["patient_id"], row["visit_date"])
        if key not in visit_ids:
            continue
        values = {name: row[name] for name in GaitSession.measurement_fields()}
        gait.append(
            GaitSession(
                visit_id=visit_ids[key],
                condition=row["condition"],
                device=_blank(row["device"]),
                software_version=_blank(row["software_version"]),
                quality_flags=gait_flags(values),
                **values,
            )
        )
    bulk_create_with_history(gait, GaitSession, **history)

    scans = []
    for row in _records(cohort.mri):
        patient = patients.get(row["patient_id"])
        if patient is None:
            continue
        values = {name: row[name] for name in MriScan.measurement_fields()}
        scans.append(
            MriScan(
                patient=patient,
                scan_date=row["scan_date"],
                software=_blank(row["software"]),
                quality_flags=mri_flags(values),
                **values,
            )
        )
    bulk_create_with_history(scans, MriScan, **history)

    DemoTruth.objects.bulk_create(
        [
            DemoTruth(
                visit_id=visit_ids[(row["patient_id"], row["visit_date"])],
                phenotype=row["phenotype"],
            )
            for row in _records(cohort.truth)
            if (row["patient_id"], row["visit_date"]) in visit_ids
        ],
        batch_size=BATCH,
    )
    if new_patients:
        records_seeded.send(sender=SeedReport)
    return SeedReport(
        patients_created=len(new_patients),
        patients_skipped=len(existing),
        visits_created=len(visits),
        gait_sessions_created=len(gait),
        mri_scans_created=len(scans),
    )


def _cells(frame, names: list[str]):
    """Rows of `frame` as dicts of plain values (None for missing), column by column
    converted once rather than value by value."""
    columns = []
    for name in names:
        values = frame[name].astype(object).where(frame[name].notna(), None)
        columns.append([v.item() if hasattr(v, "item") else v for v in values])
    for row in zip(*columns, strict=True):
        yield dict(zip(names, row, strict=True))


def _copy_seed(cohort, user) -> SeedReport:
    """PostgreSQL: the importer's write path (rows staged on disk, COPY, one upsert per
    table that also writes the audit history), for the new patients only; the
    generator's rows need no validation pass (the database's constraints still check
    every row). Much faster and leaner than building model instances."""
    existing = set(
        Patient.objects.filter(patient_id__in=list(cohort.patients["patient_id"])).values_list(
            "patient_id", flat=True
        )
    )

    def new(frame):
        return frame[~frame["patient_id"].isin(existing)] if existing else frame

    frames = {
        "centers": cohort.centers,
        "patients": new(cohort.patients),
        "visits": new(cohort.visits),
        "gait": new(cohort.gait),
        "mri": new(cohort.mri),
    }
    created = {}
    user_id = user.pk if user is not None else None
    for kind, frame in frames.items():
        stage = copy_upsert.Stage(kind)
        try:
            for line, values in enumerate(_cells(frame, stage.spec_names), start=2):
                stage.add(line, values)
            stage.load()
            created[kind] = copy_upsert.upsert(stage, user_id=user_id, reason=CHANGE_REASON)[0]
        finally:
            stage.close()
    truth = new(cohort.truth)[["patient_id", "visit_date", "phenotype"]]
    buffer = io.StringIO()
    truth.to_csv(buffer, index=False, header=False)
    buffer.seek(0)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS seed_truth")
        cursor.execute(
            "CREATE TEMP TABLE seed_truth (patient_id text, visit_date date, phenotype int) "
            "ON COMMIT DROP"
        )
        cursor.copy_expert("COPY seed_truth FROM STDIN WITH (FORMAT csv)", buffer)
        cursor.execute(
            f"INSERT INTO {DemoTruth._meta.db_table} (visit_id, phenotype) "
            "SELECT v.id, t.phenotype FROM seed_truth t "
            "JOIN registry_patient p ON p.patient_id = t.patient_id "
            "JOIN registry_visit v ON v.patient_id = p.id AND v.visit_date = t.visit_date "
            "ON CONFLICT DO NOTHING"
        )
    return SeedReport(
        patients_created=created["patients"],
        patients_skipped=len(existing),
        visits_created=created["visits"],
        gait_sessions_created=created["gait"],
        mri_scans_created=created["mri"],
    )

"""On PostgreSQL, an assignment's four foreign keys become two composite ones:
(visit, patient) -> the visit of that patient, and (phenotype, run) -> the phenotype of
that run. Each published row is checked twice instead of four times, and the database
now also guarantees what the code always assumed: the patient is the visit's patient
(kept so when a visit moves to another patient) and the phenotype is one of the run's.
Elsewhere (SQLite) the existing single-column constraints stay as they are."""

import django.db.models.deletion
from django.db import migrations, models

TABLE = "analytics_phenotypeassignment"
SINGLE = [
    ("patient_id", "registry_patient"),
    ("visit_id", "registry_visit"),
    ("phenotype_id", "analytics_phenotype"),
    ("run_id", "analytics_clusteringrun"),
]


def _foreign_keys(cursor) -> list[str]:
    cursor.execute(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        [TABLE],
    )
    return [name for (name,) in cursor.fetchall()]


def composite(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in _foreign_keys(cursor):
            cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"')
        # A visit moved to another patient left its assignments naming the old one.
        cursor.execute(
            f"UPDATE {TABLE} a SET patient_id = v.patient_id FROM registry_visit v "
            "WHERE v.id = a.visit_id AND a.patient_id <> v.patient_id"
        )
        cursor.execute(
            "CREATE UNIQUE INDEX analytics_visit_of_patient ON registry_visit (id, patient_id)"
        )
        cursor.execute(
            "CREATE UNIQUE INDEX analytics_phenotype_of_run ON analytics_phenotype (id, run_id)"
        )
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT analytics_assignment_visit_of_patient "
            "FOREIGN KEY (visit_id, patient_id) REFERENCES registry_visit (id, patient_id) "
            "ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED"
        )
        cursor.execute(
            f"ALTER TABLE {TABLE} ADD CONSTRAINT analytics_assignment_phenotype_of_run "
            "FOREIGN KEY (phenotype_id, run_id) REFERENCES analytics_phenotype (id, run_id) "
            "DEFERRABLE INITIALLY DEFERRED"
        )


def single(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for name in _foreign_keys(cursor):
            cursor.execute(f'ALTER TABLE {TABLE} DROP CONSTRAINT "{name}"')
        cursor.execute("DROP INDEX IF EXISTS analytics_visit_of_patient")
        cursor.execute("DROP INDEX IF EXISTS analytics_phenotype_of_run")
        for column, target in SINGLE:
            cursor.execute(
                f"ALTER TABLE {TABLE} ADD CONSTRAINT {TABLE[:20]}_{column}_fk "
                f"FOREIGN KEY ({column}) REFERENCES {target} (id) DEFERRABLE INITIALLY DEFERRED"
            )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0012_more_verbose_names"),
        ("registry", "0009_verbose_names"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="phenotypeassignment",
                    name="patient",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="phenotype_assignments",
                        to="registry.patient",
                        verbose_name="patient",
                    ),
                ),
                migrations.AlterField(
                    model_name="phenotypeassignment",
                    name="phenotype",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="assignments",
                        to="analytics.phenotype",
                        verbose_name="phenotype",
                    ),
                ),
                migrations.AlterField(
                    model_name="phenotypeassignment",
                    name="run",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="assignments",
                        to="analytics.clusteringrun",
                        verbose_name="run",
                    ),
                ),
                migrations.AlterField(
                    model_name="phenotypeassignment",
                    name="visit",
                    field=models.ForeignKey(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="phenotype_assignments",
                        to="registry.visit",
                        verbose_name="visit",
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(composite, single)],
        ),
    ]

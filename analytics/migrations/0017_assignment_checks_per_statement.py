"""On PostgreSQL, the two composite foreign keys of an assignment become checks that run
once per statement instead of once per row, with the same guarantees.

A foreign key is checked by a trigger per inserted row: publishing 100,000 labels ran
200,000 lookups, each locking its visit or phenotype row (about 0.7 s of a 1.3 s
publish). The statement-level triggers below check every row a statement added or
changed with one join, and lock what they checked the same way a foreign key does, so
the referenced rows cannot go away before the writing transaction ends:

- the patient is the visit's patient (visit, patient) -> registry_visit (id, patient_id),
  and the phenotype is one of the run's (phenotype, run) -> analytics_phenotype (id,
  run_id), else the statement fails with foreign_key_violation, as before;
- the visits are locked FOR KEY SHARE, as a foreign key locks them (the unique index on
  registry_visit (id, patient_id) keeps patient_id a key column, so a visit cannot be
  moved to another patient under a new label either); a statement adding more than
  BULK rows (a run's publish) locks the visit table in SHARE mode instead of each row,
  for the rest of its transaction: visits cannot be deleted or moved until it commits;
- deleting a visit deletes its labels (per statement) and moving a visit to another
  patient moves them (a row trigger that fires only for a visit whose patient changed,
  so that re-importing many visits pays nothing for it): ON DELETE / ON UPDATE CASCADE;
  deleting a phenotype deletes its labels.

Elsewhere (SQLite) the single-column foreign keys stay as they are."""

from django.db import migrations

TABLE = "analytics_phenotypeassignment"
BULK = 1000

FUNCTIONS = f"""
CREATE FUNCTION analytics_assignment_check() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    n bigint;
    matched bigint;
BEGIN
    SELECT count(*) INTO n FROM added;
    IF n = 0 THEN
        RETURN NULL;
    END IF;
    IF n > {BULK} THEN
        LOCK TABLE registry_visit IN SHARE MODE;
        SELECT count(*) INTO matched FROM added a
            JOIN registry_visit v ON v.id = a.visit_id AND v.patient_id = a.patient_id;
    ELSE
        SELECT count(*) INTO matched FROM (
            SELECT 1 FROM added a
            JOIN registry_visit v ON v.id = a.visit_id AND v.patient_id = a.patient_id
            FOR KEY SHARE OF v) locked;
    END IF;
    IF matched < n THEN
        RAISE EXCEPTION 'an assignment names a visit that does not exist or belongs to another patient'
            USING ERRCODE = 'foreign_key_violation',
                  CONSTRAINT = 'analytics_assignment_visit_of_patient',
                  TABLE = '{TABLE}';
    END IF;
    SELECT count(*) INTO n FROM (SELECT DISTINCT phenotype_id, run_id FROM added) used;
    SELECT count(*) INTO matched FROM (
        SELECT 1 FROM analytics_phenotype p
        WHERE (p.id, p.run_id) IN (SELECT phenotype_id, run_id FROM added)
        FOR KEY SHARE) locked;
    IF matched < n THEN
        RAISE EXCEPTION 'an assignment names a phenotype that is not one of its run''s'
            USING ERRCODE = 'foreign_key_violation',
                  CONSTRAINT = 'analytics_assignment_phenotype_of_run',
                  TABLE = '{TABLE}';
    END IF;
    RETURN NULL;
END $$;

CREATE FUNCTION analytics_assignment_follow_deleted_visits() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {TABLE} a USING gone g WHERE a.visit_id = g.id;
    RETURN NULL;
END $$;

CREATE FUNCTION analytics_assignment_follow_moved_visit() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    UPDATE {TABLE} SET patient_id = NEW.patient_id
    WHERE visit_id = NEW.id AND patient_id <> NEW.patient_id;
    RETURN NULL;
END $$;

CREATE FUNCTION analytics_assignment_follow_deleted_phenotypes() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM {TABLE} a USING gone g WHERE a.phenotype_id = g.id;
    RETURN NULL;
END $$;
"""

TRIGGERS = f"""
CREATE TRIGGER analytics_assignment_check_insert AFTER INSERT ON {TABLE}
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION analytics_assignment_check();
CREATE TRIGGER analytics_assignment_check_update AFTER UPDATE ON {TABLE}
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION analytics_assignment_check();
CREATE TRIGGER analytics_assignment_visit_delete AFTER DELETE ON registry_visit
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION analytics_assignment_follow_deleted_visits();
CREATE TRIGGER analytics_assignment_visit_move AFTER UPDATE OF patient_id ON registry_visit
    FOR EACH ROW WHEN (OLD.patient_id IS DISTINCT FROM NEW.patient_id)
    EXECUTE FUNCTION analytics_assignment_follow_moved_visit();
CREATE TRIGGER analytics_assignment_phenotype_delete AFTER DELETE ON analytics_phenotype
    REFERENCING OLD TABLE AS gone FOR EACH STATEMENT
    EXECUTE FUNCTION analytics_assignment_follow_deleted_phenotypes();
"""

DROP = f"""
DROP TRIGGER IF EXISTS analytics_assignment_check_insert ON {TABLE};
DROP TRIGGER IF EXISTS analytics_assignment_check_update ON {TABLE};
DROP TRIGGER IF EXISTS analytics_assignment_visit_delete ON registry_visit;
DROP TRIGGER IF EXISTS analytics_assignment_visit_move ON registry_visit;
DROP TRIGGER IF EXISTS analytics_assignment_phenotype_delete ON analytics_phenotype;
DROP FUNCTION IF EXISTS analytics_assignment_check();
DROP FUNCTION IF EXISTS analytics_assignment_follow_deleted_visits();
DROP FUNCTION IF EXISTS analytics_assignment_follow_moved_visit();
DROP FUNCTION IF EXISTS analytics_assignment_follow_deleted_phenotypes();
"""

FOREIGN_KEYS = f"""
ALTER TABLE {TABLE} ADD CONSTRAINT analytics_assignment_visit_of_patient
    FOREIGN KEY (visit_id, patient_id) REFERENCES registry_visit (id, patient_id)
    ON UPDATE CASCADE DEFERRABLE INITIALLY DEFERRED;
ALTER TABLE {TABLE} ADD CONSTRAINT analytics_assignment_phenotype_of_run
    FOREIGN KEY (phenotype_id, run_id) REFERENCES analytics_phenotype (id, run_id)
    DEFERRABLE INITIALLY DEFERRED;
"""


def per_statement(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"ALTER TABLE {TABLE} DROP CONSTRAINT IF EXISTS analytics_assignment_visit_of_patient, "
            "DROP CONSTRAINT IF EXISTS analytics_assignment_phenotype_of_run"
        )
        cursor.execute(FUNCTIONS)
        cursor.execute(TRIGGERS)


def per_row(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(DROP)
        cursor.execute(FOREIGN_KEYS)


class Migration(migrations.Migration):
    dependencies = [("analytics", "0016_summary_centre_edss_index")]

    operations = [migrations.RunPython(per_statement, per_row)]

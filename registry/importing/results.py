"""What the import pages show besides the job row: the patients an import touched (read
from the audit history it wrote under the importing user), the data dictionary of the
interchange files and a template of each file."""

from __future__ import annotations

import csv
import io

from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from registry.importing.spec import SPECS
from registry.models import GaitSession, ImportJob, MriScan, Patient, Visit
from registry.models.fields import RangeValidator

# One synthetic example row per file, in column order.
EXAMPLES = {
    "centers": ["TST-X", "Synthetic example centre"],
    "patients": ["SYN-00001", "TST-X", "F", "1980", "2005", "2007-03-01"],
    "visits": ["SYN-00001", "2024-02-03", "RRMS", "2.5", "20.8", "5.4", "none"],
    "gait": [
        "SYN-00001",
        "2024-02-03",
        "comfortable",
        "GAITRite",
        "4.9",
        "1.2",
        "112",
        "0.643",
        "1.286",
        "0.536",
        "1.071",
        "39",
        "61",
        "22",
        "0.1",
        "3",
        "2.5",
    ],
    "mri": [
        "SYN-00001",
        "2024-02-10",
        "3.0",
        "synthetic-seg 1.0",
        "5.2",
        "20",
        "0",
        "0.83",
        "0.45",
        "0.38",
    ],
}


def import_job_touched(*, job: ImportJob, limit: int = 50) -> tuple[list[str], int]:
    """Pseudonyms of the patients whose records this import created or changed (at most
    `limit` of them) and how many there are in all."""
    if job.dry_run or job.started_at is None or job.finished_at is None:
        return [], 0
    window = {
        "history_user": job.user,
        # From the upload on: the database stamps history at its transaction's start.
        "history_date__gte": job.created_at,
        "history_date__lte": job.finished_at,
    }
    ids = set(Patient.history.filter(**window).values_list("id", flat=True))
    ids |= set(Visit.history.filter(**window).values_list("patient_id", flat=True))
    ids |= set(MriScan.history.filter(**window).values_list("patient_id", flat=True))
    visits = GaitSession.history.filter(**window).values_list("visit_id", flat=True)
    ids |= set(Visit.objects.filter(pk__in=set(visits)).values_list("patient_id", flat=True))
    names = list(
        Patient.objects.filter(pk__in=ids)
        .order_by("patient_id")
        .values_list("patient_id", flat=True)[:limit]
    )
    return names, len(ids)


# What a cell holds, by the parser that reads it.
KINDS_OF_CELL = {
    "parse_text": _("text"),
    "parse_int": _("whole number"),
    "parse_decimal": _("number"),
    "parse_date": _("date YYYY-MM-DD"),
}
# Columns that name another record rather than a field of their own.
REFERENCES = {
    "patient_id": (_("Patient"), _("the pseudonym of a patient in patients.csv or the registry")),
    "center": (_("Centre"), _("the code of a centre in centers.csv or the registry")),
    "visit_date": (_("Visit"), _("the date of a visit of that patient")),
}


def _rule(column, field) -> str:
    parts = [str(KINDS_OF_CELL.get(getattr(column.parse, "__name__", ""), _("text")))]
    for validator in field.validators:
        if isinstance(validator, RangeValidator):
            unit = f" {validator.unit}" if validator.unit else ""
            parts.append(f"{validator.low:g} … {validator.high:g}{unit}")
    if field.choices:
        values = ", ".join(str(value) for value, _label in field.choices)
        parts.append(gettext("one of %(values)s") % {"values": values})
    return "; ".join(parts)


def data_dictionary() -> list[dict]:
    """Each interchange file with its columns: label, required, allowed values, help."""
    files = []
    for kind, spec in SPECS.items():
        columns = []
        for column in spec.columns:
            name = column.field or column.name
            field = None if name == "-" else spec.model._meta.get_field(name)
            label, rule = REFERENCES.get(column.name, (column.name, ""))
            columns.append(
                {
                    "name": column.name,
                    "label": capfirst(field.verbose_name) if field else label,
                    "required": column.required,
                    "default": column.default,
                    "rule": _rule(column, field) if field else rule,
                    "help": field.help_text if field else "",
                    "key": column.name in spec.key,
                }
            )
        files.append({"kind": kind, "name": f"{kind}.csv", "columns": columns})
    return files


def file_template(kind: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SPECS[kind].names)
    writer.writerow(EXAMPLES[kind])
    return out.getvalue()

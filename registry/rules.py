"""The data dictionary's rules that span fields, each stated once with its one message.

Single-field rules (ranges, choices, patterns) live with the model fields: a validator
for the message and a named database constraint from the same table. The rules here
compare fields (onset after birth, a visit not before the birth year, nothing in the
future); `Patient.clean`, `Visit.clean` and `MriScan.clean` raise what they return, so
forms, the API and the admin show it, and the importer lists the same messages as
`file:line: column: message`. The database holds them too, as constraints where a row
can state them.
"""

from __future__ import annotations

import datetime

from registry.models.temporal import current_year, today

MIN_BIRTH_YEAR = 1900
# The analysis pairs a gait visit with the patient's nearest MRI scan within this many
# days (either side); the visit page shows the same scan.
MRI_WINDOW_DAYS = 180

Problems = list[tuple[str, str]]  # (field, message)


def patient_problems(
    *, birth_year: int | None, onset_year: int | None, diagnosis_date: datetime.date | None
) -> Problems:
    problems: Problems = []
    year = current_year()
    if birth_year is not None and not MIN_BIRTH_YEAR <= birth_year <= year:
        problems.append(
            (
                "birth_year",
                f"birth_year = {birth_year} is outside the allowed range "
                f"{MIN_BIRTH_YEAR} … {year}.",
            )
        )
        return problems  # a birth year outside its range bounds nothing else
    if onset_year is not None and birth_year is not None and not birth_year <= onset_year <= year:
        problems.append(
            (
                "onset_year",
                f"onset_year = {onset_year} is outside the allowed range "
                f"{birth_year} (birth year) … {year}.",
            )
        )
    if (
        diagnosis_date is not None
        and birth_year is not None
        and not (birth_year <= diagnosis_date.year and diagnosis_date <= today())
    ):
        problems.append(
            (
                "diagnosis_date",
                f"diagnosis_date = {diagnosis_date.isoformat()} is outside the allowed range "
                f"{birth_year}-01-01 … {today().isoformat()} (not in the future).",
            )
        )
    return problems


def dated_problems(*, field: str, day: datetime.date | None, birth_year: int | None) -> Problems:
    """A visit's or scan's date: not in the future, not before the patient's birth year."""
    if day is None:
        return []
    if day > today():
        return [
            (
                field,
                f"{field} = {day.isoformat()} is in the future; "
                f"allowed up to {today().isoformat()}.",
            )
        ]
    if birth_year is not None and day.year < birth_year:
        return [
            (
                field,
                f"{field} = {day.isoformat()} is before the patient's birth year {birth_year}.",
            )
        ]
    return []


def as_errors(problems: Problems) -> dict[str, list[str]]:
    """Problems as a ValidationError's dict: field -> messages."""
    errors: dict[str, list[str]] = {}
    for field, message in problems:
        errors.setdefault(field, []).append(message)
    return errors

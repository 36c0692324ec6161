from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry import rules
from registry.models.centers import Center
from registry.models.fields import CurrentDate, CurrentYear, choice_check, choice_errors
from registry.models.scoping import PatientQuerySet

PATIENT_ID_PATTERN = r"^[A-Za-z0-9_-]{3,32}$"
MIN_BIRTH_YEAR = rules.MIN_BIRTH_YEAR


class Sex(models.TextChoices):
    FEMALE = "F", _("Female")
    MALE = "M", _("Male")
    DIVERSE = "X", _("Diverse / not stated")


class Patient(models.Model):
    """A person with MS, known to the registry by pseudonym only: no names,
    addresses or full birth dates are ever stored."""

    Sex = Sex

    patient_id = models.CharField(
        _("patient id"),
        max_length=32,
        unique=True,
        validators=[
            RegexValidator(
                PATIENT_ID_PATTERN,
                message="patient_id = %(value)r is not a valid pseudonym; allowed 3–32 "
                "characters of A-Z a-z 0-9 _ -.",
            )
        ],
        help_text=_("Pseudonym: 3–32 characters of A-Z a-z 0-9 _ -."),
    )
    center = models.ForeignKey(
        Center, on_delete=models.PROTECT, related_name="patients", verbose_name=_("centre")
    )
    sex = models.CharField(
        _("sex"), max_length=1, choices=Sex.choices, error_messages=choice_errors("sex", Sex.values)
    )
    birth_year = models.IntegerField(_("birth year"), help_text=_("Year only, on purpose."))
    onset_year = models.IntegerField(
        _("onset year"),
        null=True,
        blank=True,
        help_text=_("Year of first MS symptoms; birth year … current year."),
    )
    diagnosis_date = models.DateField(_("diagnosis date"), null=True, blank=True)
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)
    history = HistoricalRecords()

    objects = PatientQuerySet.as_manager()

    class Meta:
        verbose_name = _("patient")
        verbose_name_plural = _("patients")
        ordering = ["patient_id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(patient_id__regex=PATIENT_ID_PATTERN),
                name="registry_patient_patient_id_format",
            ),
            choice_check("registry_patient", "sex", Sex.values),
            models.CheckConstraint(
                condition=Q(birth_year__gte=MIN_BIRTH_YEAR, birth_year__lte=CurrentYear()),
                name="registry_patient_birth_year_range",
            ),
            models.CheckConstraint(
                condition=Q(onset_year__isnull=True)
                | Q(onset_year__gte=F("birth_year"), onset_year__lte=CurrentYear()),
                name="registry_patient_onset_year_range",
            ),
            models.CheckConstraint(
                condition=Q(diagnosis_date__isnull=True)
                | Q(diagnosis_date__year__gte=F("birth_year"), diagnosis_date__lte=CurrentDate()),
                name="registry_patient_diagnosis_date_range",
            ),
        ]

    def __str__(self) -> str:
        return self.patient_id

    def clean(self) -> None:
        problems = rules.patient_problems(
            birth_year=self.birth_year,
            onset_year=self.onset_year,
            diagnosis_date=self.diagnosis_date,
        )
        if problems:
            raise ValidationError(rules.as_errors(problems))

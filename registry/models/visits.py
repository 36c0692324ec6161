from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry import rules
from registry.models.fields import (
    CurrentDate,
    Range,
    RangeValidator,
    choice_check,
    choice_errors,
    measurement,
    range_checks,
)
from registry.models.patients import Patient
from registry.models.scoping import VisitQuerySet

# EDSS moves in half points from 1.0 upwards; 0.5 does not exist on the scale.
EDSS_VALUES = [0.0] + [x / 2 for x in range(2, 21)]
EDSS_RANGE = Range(0, 10)
VISIT_RANGES = {
    "msws12": Range(0, 100),
    "t25fw_s": Range(1.0, 300.0, "s"),
}


def validate_edss(value) -> None:
    RangeValidator("edss", EDSS_RANGE.low, EDSS_RANGE.high)(value)
    if value is not None and float(value) not in EDSS_VALUES:
        raise ValidationError(
            "edss = %(value)s is not a step of the scale; allowed 0, 1.0, 1.5 … 9.5, 10 "
            "(half points from 1.0; 0.5 does not exist).",
            code="invalid_edss_step",
            params={"value": value},
        )


class Course(models.TextChoices):
    CIS = "CIS", _("Clinically isolated syndrome")
    RRMS = "RRMS", _("Relapsing-remitting")
    SPMS = "SPMS", _("Secondary progressive")
    PPMS = "PPMS", _("Primary progressive")


class WalkingAid(models.TextChoices):
    NONE = "none", _("None")
    UNILATERAL = "unilateral", _("Unilateral (cane, crutch)")
    BILATERAL = "bilateral", _("Bilateral")
    WHEELCHAIR = "wheelchair", _("Wheelchair")


class Visit(models.Model):
    """A clinical visit: scores on the day; gait sessions hang below it."""

    Course = Course
    WalkingAid = WalkingAid

    PROGRESSIVE = (Course.SPMS, Course.PPMS)

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="visits", verbose_name=_("patient")
    )
    visit_date = models.DateField(_("visit date"))
    disease_course = models.CharField(
        _("disease course"),
        max_length=4,
        choices=Course.choices,
        error_messages=choice_errors("disease_course", Course.values),
    )
    edss = models.FloatField(
        "EDSS",
        null=True,
        blank=True,
        validators=[validate_edss],
        help_text=_("Expanded Disability Status Scale: 0, 1.0, 1.5 … 9.5, 10."),
    )
    msws12 = measurement(
        VISIT_RANGES, "msws12", verbose_name=_("MSWS-12"), help_text=_("Transformed score.")
    )
    t25fw_s = measurement(
        VISIT_RANGES, "t25fw_s", verbose_name=_("T25FW (s)"), help_text=_("Mean of two trials.")
    )
    walking_aid = models.CharField(
        _("walking aid"),
        max_length=10,
        choices=WalkingAid.choices,
        null=True,
        blank=True,
        error_messages=choice_errors("walking_aid", WalkingAid.values),
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)
    history = HistoricalRecords()

    objects = VisitQuerySet.as_manager()

    class Meta:
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        ordering = ["patient__patient_id", "visit_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "visit_date"], name="registry_visit_natural_key"
            ),
            choice_check("registry_visit", "disease_course", Course.values),
            choice_check(
                "registry_visit",
                "walking_aid",
                WalkingAid.values,
                nullable=True,
            ),
            models.CheckConstraint(
                condition=Q(edss__isnull=True) | Q(edss__in=EDSS_VALUES),
                name="registry_visit_edss_valid",
            ),
            *range_checks("registry_visit", VISIT_RANGES, required=set()),
            models.CheckConstraint(
                condition=Q(visit_date__lte=CurrentDate()),
                name="registry_visit_visit_date_not_future",
            ),
        ]
        indexes = [models.Index(fields=["visit_date"], name="registry_visit_date_idx")]

    def __str__(self) -> str:
        return f"{self.patient.patient_id} @ {self.visit_date.isoformat()}"

    @property
    def age_years(self) -> int | None:
        return self.visit_date.year - self.patient.birth_year if self.visit_date else None

    @property
    def disease_duration_years(self) -> int | None:
        onset = self.patient.onset_year
        return self.visit_date.year - onset if self.visit_date and onset is not None else None

    @property
    def is_progressive(self) -> bool:
        return self.disease_course in self.PROGRESSIVE

    def clean(self) -> None:
        birth_year = self.patient.birth_year if self.patient_id else None
        problems = rules.dated_problems(
            field="visit_date", day=self.visit_date, birth_year=birth_year
        )
        if problems:
            raise ValidationError(rules.as_errors(problems))

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.forms.models import model_to_dict
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from registry import rules
from registry.models.fields import (
    CurrentDate,
    Range,
    choice_check,
    choice_errors,
    measurement,
    range_checks,
)
from registry.models.patients import Patient
from registry.models.scoping import GaitSessionQuerySet, MriScanQuerySet
from registry.models.visits import Visit
from registry.quality import gait_flags, mri_flags
from registry.spreadsheets import no_formula

GAIT_RANGES = {
    "velocity_m_s": Range(0.05, 3.0, "m/s"),
    "cadence_steps_min": Range(20, 250, "steps/min"),
    "step_length_m": Range(0.05, 1.2, "m"),
    "stride_length_m": Range(0.1, 2.4, "m"),
    "step_time_s": Range(0.2, 3.0, "s"),
    "stride_time_s": Range(0.4, 6.0, "s"),
    "swing_pct": Range(5, 60, "% of gait cycle"),
    "stance_pct": Range(40, 95, "% of gait cycle"),
    "double_support_pct": Range(0, 80, "% of gait cycle"),
    "base_of_support_m": Range(0, 0.5, "m"),
    "stride_length_cv_pct": Range(0, 100, "%"),
    "stride_time_cv_pct": Range(0, 100, "%"),
}
GAIT_REQUIRED = {"velocity_m_s", "cadence_steps_min", "step_length_m", "stride_length_m"}
GAIT_FIELDS = list(GAIT_RANGES)

MRI_RANGES = {
    "field_strength_t": Range(0.5, 7.0, "T"),
    "t2_lesion_volume_ml": Range(0, 300, "ml"),
    "t2_lesion_count": Range(0, 1000),
    "gd_enhancing_lesions": Range(0, 200),
    "brain_parenchymal_fraction": Range(0.50, 1.00),
    "grey_matter_fraction": Range(0.20, 0.70),
    "white_matter_fraction": Range(0.15, 0.60),
}
MRI_INTEGER = {"t2_lesion_count", "gd_enhancing_lesions"}
MRI_FIELDS = list(MRI_RANGES)


class Condition(models.TextChoices):
    COMFORTABLE = "comfortable", _("Comfortable (self-selected speed)")
    FAST = "fast", _("Fast")
    DUAL_TASK = "dual_task", _("Dual task")


def _gait_field(name: str, label: str) -> models.Field:
    return measurement(GAIT_RANGES, name, required=name in GAIT_REQUIRED, verbose_name=label)


class GaitSession(models.Model):
    """One instrumented walk at a visit, with the device and software that measured it
    (systems and versions differ systematically, so provenance is part of the data)."""

    Condition = Condition

    visit = models.ForeignKey(
        Visit, on_delete=models.PROTECT, related_name="gait_sessions", verbose_name=_("visit")
    )
    condition = models.CharField(
        _("condition"),
        max_length=12,
        choices=Condition.choices,
        default=Condition.COMFORTABLE,
        error_messages=choice_errors("condition", Condition.values),
    )
    device = models.CharField(
        _("device"),
        max_length=64,
        blank=True,
        help_text=_("e.g. GAITRite"),
        validators=[no_formula],
    )
    software_version = models.CharField(
        _("software version"), max_length=32, blank=True, validators=[no_formula]
    )
    velocity_m_s = _gait_field("velocity_m_s", _("velocity (m/s)"))
    cadence_steps_min = _gait_field("cadence_steps_min", _("cadence (steps/min)"))
    step_length_m = _gait_field("step_length_m", _("step length (m)"))
    stride_length_m = _gait_field("stride_length_m", _("stride length (m)"))
    step_time_s = _gait_field("step_time_s", _("step time (s)"))
    stride_time_s = _gait_field("stride_time_s", _("stride time (s)"))
    # xgettext:no-python-format
    swing_pct = _gait_field("swing_pct", _("swing (% cycle)"))
    # xgettext:no-python-format
    stance_pct = _gait_field("stance_pct", _("stance (% cycle)"))
    # xgettext:no-python-format
    double_support_pct = _gait_field("double_support_pct", _("double support (% cycle)"))
    base_of_support_m = _gait_field("base_of_support_m", _("base of support (m)"))
    stride_length_cv_pct = _gait_field("stride_length_cv_pct", _("stride length CV (%)"))
    stride_time_cv_pct = _gait_field("stride_time_cv_pct", _("stride time CV (%)"))
    quality_flags = models.JSONField(
        verbose_name=_("quality flags"), default=list, blank=True, editable=False
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)
    history = HistoricalRecords()

    objects = GaitSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("gait session")
        verbose_name_plural = _("gait sessions")
        ordering = ["visit__visit_date", "condition"]
        constraints = [
            models.UniqueConstraint(
                fields=["visit", "condition"], name="registry_gaitsession_natural_key"
            ),
            choice_check("registry_gaitsession", "condition", Condition.values),
            *range_checks("registry_gaitsession", GAIT_RANGES, required=GAIT_REQUIRED),
        ]
        # The admin's device and software filters list their values from these.
        indexes = [
            models.Index(fields=["device"], name="registry_gait_device_idx"),
            models.Index(fields=["software_version"], name="registry_gait_software_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.visit} {self.condition}"

    def save(self, *args, **kwargs) -> None:
        self.quality_flags = gait_flags(self.measurements())
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "quality_flags"}
        super().save(*args, **kwargs)

    @staticmethod
    def measurement_fields() -> list[str]:
        return GAIT_FIELDS

    def measurements(self) -> dict:
        return model_to_dict(self, fields=GAIT_FIELDS)


class MriScan(models.Model):
    """One MRI scan. It belongs to the patient, not to a visit: the analysis pairs a
    gait visit with the nearest scan inside a window."""

    patient = models.ForeignKey(
        Patient, on_delete=models.PROTECT, related_name="mri_scans", verbose_name=_("patient")
    )
    scan_date = models.DateField(_("scan date"))
    field_strength_t = measurement(MRI_RANGES, "field_strength_t", verbose_name=_("field (T)"))
    software = models.CharField(
        _("software"),
        max_length=64,
        blank=True,
        help_text=_("Segmentation software."),
        validators=[no_formula],
    )
    t2_lesion_volume_ml = measurement(
        MRI_RANGES, "t2_lesion_volume_ml", verbose_name=_("T2 lesion volume (ml)")
    )
    t2_lesion_count = measurement(
        MRI_RANGES, "t2_lesion_count", integer=True, verbose_name=_("T2 lesion count")
    )
    gd_enhancing_lesions = measurement(
        MRI_RANGES, "gd_enhancing_lesions", integer=True, verbose_name=_("Gd-enhancing lesions")
    )
    brain_parenchymal_fraction = measurement(
        MRI_RANGES, "brain_parenchymal_fraction", verbose_name=_("BPF")
    )
    grey_matter_fraction = measurement(MRI_RANGES, "grey_matter_fraction", verbose_name=_("GMF"))
    white_matter_fraction = measurement(MRI_RANGES, "white_matter_fraction", verbose_name=_("WMF"))
    quality_flags = models.JSONField(
        verbose_name=_("quality flags"), default=list, blank=True, editable=False
    )
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(verbose_name=_("updated at"), auto_now=True)
    history = HistoricalRecords()

    objects = MriScanQuerySet.as_manager()

    class Meta:
        verbose_name = _("MRI scan")
        verbose_name_plural = _("MRI scans")
        ordering = ["patient__patient_id", "scan_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["patient", "scan_date"], name="registry_mriscan_natural_key"
            ),
            *range_checks("registry_mriscan", MRI_RANGES, required=set()),
            models.CheckConstraint(
                condition=Q(scan_date__lte=CurrentDate()),
                name="registry_mriscan_scan_date_not_future",
            ),
        ]
        # The admin's field-strength and software filters list their values from these.
        indexes = [
            models.Index(fields=["field_strength_t"], name="registry_mri_field_idx"),
            models.Index(fields=["software"], name="registry_mri_software_idx"),
        ]

    def __str__(self) -> str:
        return gettext("%(patient)s MRI %(day)s") % {
            "patient": self.patient.patient_id,
            "day": self.scan_date.isoformat(),
        }

    def save(self, *args, **kwargs) -> None:
        self.quality_flags = mri_flags(self.measurements())
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "quality_flags"}
        super().save(*args, **kwargs)

    @staticmethod
    def measurement_fields() -> list[str]:
        return MRI_FIELDS

    def measurements(self) -> dict:
        return model_to_dict(self, fields=MRI_FIELDS)

    def clean(self) -> None:
        birth_year = self.patient.birth_year if self.patient_id else None
        problems = rules.dated_problems(
            field="scan_date", day=self.scan_date, birth_year=birth_year
        )
        if problems:
            raise ValidationError(rules.as_errors(problems))

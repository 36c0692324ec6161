"""One row per patient with what the patient list filters and sorts on.

The patient list filters by the latest visit's course and EDSS and by the current
phenotype; computed per request those are correlated subqueries over every visit and
assignment, which the planner turns into nested loops that grow with the square of the
cohort. Here the clinical side is plain indexed columns instead; the current phenotype
is the run's assignment marked `latest` (`PhenotypeAssignment`, indexed by run and
phenotype), so publishing a run writes no summary row at all.

The row is derived data kept by the analytics app (the registry knows nothing of it):
`analytics.summaries.patient_summaries_refresh` rewrites it from the clinical tables. It
is called by the receivers of the registry's save and delete signals (patient, visit,
gait session, MRI scan, centre) and after an import or a seeding, which write in bulk
without per-row signals. `refresh_patient_summaries` rebuilds every row on demand.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from registry.models.scoping import ScopedQuerySet


class PatientSummaryQuerySet(ScopedQuerySet):
    center_path = "center"


class PatientSummary(models.Model):
    patient = models.OneToOneField(
        "registry.Patient", on_delete=models.CASCADE, primary_key=True, related_name="summary"
    )
    # Copies of the patient's pseudonym and centre, so that sorting and scoping need no
    # join before the LIMIT.
    patient_code = models.CharField(max_length=32)
    center = models.ForeignKey("registry.Center", on_delete=models.CASCADE, related_name="+")
    center_code = models.CharField(max_length=32)
    n_visits = models.PositiveIntegerField(default=0)
    latest_visit_date = models.DateField(null=True, blank=True)
    latest_course = models.CharField(max_length=4, blank=True)
    latest_edss = models.FloatField(null=True, blank=True)
    has_flags = models.BooleanField(default=False)

    objects = PatientSummaryQuerySet.as_manager()

    class Meta:
        verbose_name = _("patient summary")
        verbose_name_plural = _("patient summaries")
        ordering = ["patient_code"]
        # Each sort's index carries the primary key, so that a page's keys are found by
        # an index-only scan however deep the page (`registry.paging.page_rows`).
        indexes = [
            models.Index(
                fields=["patient_code"], include=["patient"], name="analytics_summary_code"
            ),
            models.Index(
                fields=["center", "patient_code"],
                include=["patient"],
                name="analytics_summary_center",
            ),
            models.Index(
                fields=["center_code", "patient_code"],
                include=["patient"],
                name="analytics_summary_ccode",
            ),
            models.Index(
                fields=["latest_course", "patient_code"],
                include=["patient"],
                name="analytics_summary_course",
            ),
            models.Index(
                fields=["-latest_edss", "patient_code"],
                include=["patient", "center_code"],
                name="analytics_summary_edss",
            ),
            # A centre's patients by EDSS: a deep page is an offset into this index,
            # not a walk along the EDSS index that skips the other centres' rows.
            models.Index(
                fields=["center_code", "-latest_edss", "patient_code"],
                include=["patient"],
                name="analytics_summary_ccode_edss",
            ),
            models.Index(
                fields=["-latest_visit_date", "patient_code"],
                include=["patient", "center_code"],
                name="analytics_summary_visit",
            ),
            models.Index(
                fields=["patient_code"],
                include=["patient"],
                condition=models.Q(has_flags=True),
                name="analytics_summary_flagged",
            ),
        ]

    def __str__(self) -> str:
        return self.patient_code

"""Stored results of cohort reanalysis. Runs are never overwritten: each writes new
rows, and "current phenotypes" is a query for the latest succeeded run."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analytics.engine import defaults
from registry.models.fields import choice_check
from registry.models.jobs import LeasedJob
from registry.models.scoping import ScopedQuerySet
from registry.rules import MRI_WINDOW_DAYS


class RunStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    RUNNING = "running", _("Running")
    SUCCEEDED = "succeeded", _("Succeeded")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped (input unchanged)")


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", _("Schedule")
    ADMIN = "admin", _("Admin action")
    COMMAND = "command", _("Management command")
    WEB = "web", _("Web page")
    IMPORT = "import", _("Data import")


class Missing(models.TextChoices):
    COMPLETE = "complete", "Complete cases (rows with a missing feature left out)"
    MEDIAN = "median", "Median imputation"


class ComparisonKind(models.TextChoices):
    CONTINUOUS = "continuous", "Continuous"
    CATEGORICAL = "categorical", "Categorical"


class FeatureSet(models.TextChoices):
    GAIT = "gait", _("Gait (12 spatiotemporal parameters, the paper's set)")
    GAIT_CORE = "gait-core", _("Gait core (8 parameters, exact duplicates removed)")
    GAIT_MRI = "gait+mri", _("Gait + MRI (lesion volume, BPF, GMF)")


class KScan(models.TextChoices):
    FULL = "full", _("Full k scan (on a sample above the diagnostics threshold)")
    SAMPLE = "sample", _("k scan on a sample of 1000 rows")
    SKIP = "skip", _("No k scan (fixed k only)")


class VisitChoice(models.TextChoices):
    LATEST = "latest", _("Latest visit per patient")
    FIRST = "first", _("First visit per patient")
    ALL = "all", _("All visits")


class ClusteringRunQuerySet(models.QuerySet):
    def succeeded(self):
        return self.filter(status=RunStatus.SUCCEEDED)

    def succeeded_newest_first(self):
        """The succeeded runs, the current one first."""
        return self.succeeded().order_by("-finished_at", "-id")

    def current(self):
        """The run whose phenotypes are current: the latest one that succeeded."""
        return self.succeeded_newest_first().first()

    def current_pk(self) -> int | None:
        """Its id alone: safe inside a data migration, whatever columns come later."""
        return self.succeeded_newest_first().values_list("pk", flat=True).first()


class ClusteringRun(LeasedJob):
    failure_field = "error"

    status = models.CharField(
        verbose_name=_("status"),
        max_length=10,
        choices=RunStatus.choices,
        default=RunStatus.PENDING,
        db_index=True,
    )
    trigger = models.CharField(verbose_name=_("trigger"), max_length=10, choices=Trigger.choices)
    triggered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        verbose_name=_("triggered by"),
    )
    # Parameters
    feature_set = models.CharField(
        verbose_name=_("feature set"),
        max_length=10,
        choices=FeatureSet.choices,
        default=FeatureSet.GAIT,
    )
    visit_choice = models.CharField(
        verbose_name=_("visit choice"),
        max_length=6,
        choices=VisitChoice.choices,
        default=VisitChoice.LATEST,
    )
    k_requested = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("Empty = chosen automatically by the index vote."),
        verbose_name=_("k requested"),
    )
    seed = models.PositiveIntegerField(verbose_name=_("seed"), default=defaults.SEED)
    pca_variance = models.FloatField(
        default=defaults.PCA_VARIANCE, verbose_name=_("PCA variance kept")
    )
    bootstrap = models.PositiveSmallIntegerField(
        default=defaults.BOOTSTRAP, verbose_name=_("bootstrap resamples")
    )
    missing = models.CharField(
        max_length=8,
        choices=Missing.choices,
        default=Missing.COMPLETE,
        verbose_name=_("missing values"),
    )
    mri_window_days = models.PositiveSmallIntegerField(
        default=MRI_WINDOW_DAYS, verbose_name=_("MRI window (days)")
    )
    k_scan = models.CharField(
        max_length=6,
        choices=KScan.choices,
        default=KScan.FULL,
        help_text=_("How k is scanned; a skipped scan needs a fixed k."),
        verbose_name=_("k scan"),
    )
    algorithm_version = models.CharField(
        max_length=32, blank=True, verbose_name=_("algorithm version")
    )
    # What went in
    input_fingerprint = models.CharField(
        max_length=64, blank=True, db_index=True, verbose_name=_("input fingerprint")
    )
    n_input = models.PositiveIntegerField(null=True, blank=True, verbose_name=_("patients read"))
    cohort_size = models.PositiveIntegerField(verbose_name=_("cohort size"), null=True, blank=True)
    exclusions = models.JSONField(default=dict, blank=True, verbose_name=_("exclusions"))
    # What came out
    k = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("k"))
    k_selection = models.JSONField(default=dict, blank=True, verbose_name=_("k selection"))
    preprocessing = models.JSONField(default=list, blank=True, verbose_name=_("preprocessing"))
    pca = models.JSONField(default=dict, blank=True, verbose_name=_("PCA"))
    id_mapping = models.JSONField(default=dict, blank=True, verbose_name=_("id mapping"))
    model = models.JSONField(
        null=True,
        blank=True,
        help_text=_("The fitted model (JSON, no pickle)."),
        verbose_name=_("model"),
    )
    clusterability = models.JSONField(
        null=True,
        blank=True,
        help_text=_(
            "Test against a no-cluster null (method, statistic, p_value, n_null, null "
            "summary); empty for runs made before it existed."
        ),
        verbose_name=_("clusterability"),
    )
    within_ss = models.FloatField(
        null=True,
        blank=True,
        help_text=_("Within-cluster sum of squares of the final labels."),
        verbose_name=_("within-cluster sum of squares"),
    )
    diagnostics = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Collinearity, diagnostic sample sizes, compute."),
        verbose_name=_("diagnostics"),
    )
    comparison_scope = models.TextField(
        blank=True,
        help_text=_("Which variables form the adjusted family of tests."),
        verbose_name=_("adjusted family"),
    )
    timings = models.JSONField(default=dict, blank=True, verbose_name=_("timings (s)"))
    skipped_reason = models.TextField(blank=True, verbose_name=_("why skipped"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    created_at = models.DateTimeField(verbose_name=_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(verbose_name=_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(verbose_name=_("finished at"), null=True, blank=True)

    objects = ClusteringRunQuerySet.as_manager()

    class Meta:
        verbose_name = _("reanalysis run")
        verbose_name_plural = _("reanalysis runs")
        ordering = ["-created_at", "-id"]
        constraints = [
            # Two reanalyses at once would race to publish; the database allows one.
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=RunStatus.RUNNING),
                name="analytics_clusteringrun_one_running",
            ),
            choice_check("analytics_clusteringrun", "status", RunStatus.values),
            choice_check("analytics_clusteringrun", "feature_set", FeatureSet.values),
            choice_check("analytics_clusteringrun", "visit_choice", VisitChoice.values),
            models.CheckConstraint(
                condition=Q(k_requested__isnull=True) | Q(k_requested__gte=2, k_requested__lte=8),
                name="analytics_clusteringrun_k_requested_range",
            ),
            choice_check("analytics_clusteringrun", "k_scan", KScan.values),
            choice_check("analytics_clusteringrun", "trigger", Trigger.values),
            choice_check("analytics_clusteringrun", "missing", Missing.values),
            # k = auto is chosen by the scan, so it cannot skip it.
            models.CheckConstraint(
                condition=~Q(k_scan="skip") | Q(k_requested__isnull=False),
                name="analytics_clusteringrun_skip_scan_needs_k",
                violation_error_message="k_scan = skip needs a fixed k (2 … 8), not auto.",
            ),
        ]

    def __str__(self) -> str:
        return gettext("run %(pk)s (%(status)s)") % {
            "pk": self.pk,
            "status": self.get_status_display(),
        }

    @classmethod
    def lost_text(cls) -> str:
        return gettext(
            "The worker stopped during the run (no heartbeat for %(seconds)s s); the previous "
            "phenotypes stay current."
        ) % {"seconds": settings.JOB_LEASE_SECONDS}

    @property
    def duration_s(self) -> float | None:
        if self.started_at and self.finished_at:
            return (self.finished_at - self.started_at).total_seconds()
        return None

    @property
    def k_label(self) -> str:
        return "auto" if self.k_requested is None else str(self.k_requested)


class Phenotype(models.Model):
    run = models.ForeignKey(
        ClusteringRun, on_delete=models.CASCADE, related_name="phenotypes", verbose_name=_("run")
    )
    stable_id = models.PositiveSmallIntegerField(
        help_text=_("Kept across runs by matching centroids (Hungarian algorithm)."),
        verbose_name=_("phenotype id"),
    )
    name = models.CharField(verbose_name=_("name"), max_length=64)
    description = models.CharField(verbose_name=_("description"), max_length=255, blank=True)
    size = models.PositiveIntegerField(
        verbose_name=_("size"),
    )
    share = models.FloatField(
        verbose_name=_("share"),
    )
    centroid = models.JSONField(
        default=dict, help_text=_("Centroid in original feature units."), verbose_name=_("centroid")
    )
    profile = models.JSONField(
        default=dict,
        help_text=_("Centroid as z-scores per feature."),
        verbose_name=_("profile (z)"),
    )
    stability_jaccard = models.FloatField(
        verbose_name=_("stability (Jaccard)"), null=True, blank=True
    )
    stability_flag = models.CharField(verbose_name=_("stability"), max_length=10, blank=True)

    class Meta:
        verbose_name = _("phenotype")
        verbose_name_plural = _("phenotypes")
        ordering = ["run", "stable_id"]
        constraints = [
            models.UniqueConstraint(fields=["run", "stable_id"], name="analytics_phenotype_id"),
        ]

    def __str__(self) -> str:
        from analytics.phenotype_labels import phenotype_name

        return f"{self.stable_id} {phenotype_name(self.name)}"


class AssignmentQuerySet(ScopedQuerySet):
    """Assignments are read with their patient's centre, like the patient itself."""

    center_path = "patient__center"


class PhenotypeAssignment(models.Model):
    # No index of their own on run and patient: the unique (run, visit) and the
    # (patient, run) indexes lead with them, and every index is paid for by each
    # published row. On PostgreSQL the foreign keys are checked per statement by
    # triggers (migration 0017): (visit, patient) is a visit of that patient and
    # (phenotype, run) a phenotype of that run, with one join per statement instead of
    # a lookup per row; deleting or moving a visit takes its labels along.
    run = models.ForeignKey(
        ClusteringRun,
        on_delete=models.CASCADE,
        related_name="assignments",
        db_index=False,
        db_constraint=False,
        verbose_name=_("run"),
    )
    phenotype = models.ForeignKey(
        Phenotype,
        on_delete=models.CASCADE,
        related_name="assignments",
        db_constraint=False,
        verbose_name=_("phenotype"),
    )
    patient = models.ForeignKey(
        "registry.Patient",
        on_delete=models.CASCADE,
        related_name="phenotype_assignments",
        db_index=False,
        db_constraint=False,
        verbose_name=_("patient"),
    )
    visit = models.ForeignKey(
        "registry.Visit",
        on_delete=models.CASCADE,
        related_name="phenotype_assignments",
        db_constraint=False,
        verbose_name=_("visit"),
    )
    distance = models.FloatField(verbose_name=_("distance"))
    # The visit's first two principal component scores under the run's model, stored at
    # publish so that the dashboard's scatter is a read, not a refit of the cohort.
    pc1 = models.FloatField(null=True, blank=True, verbose_name=_("PC1"))
    pc2 = models.FloatField(null=True, blank=True, verbose_name=_("PC2"))
    provisional = models.BooleanField(
        verbose_name=_("provisional"),
        default=False,
        help_text=_("Assigned with this run's model after the run; the next run replaces it."),
    )
    latest = models.BooleanField(
        default=False,
        help_text=_(
            "The label of the patient's latest labelled visit in this run: the "
            "patient's current phenotype while the run is current."
        ),
        verbose_name=_("latest"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("phenotype assignment")
        verbose_name_plural = _("phenotype assignments")
        ordering = ["run", "patient"]
        constraints = [
            models.UniqueConstraint(fields=["run", "visit"], name="analytics_assignment_visit"),
        ]
        indexes = [
            models.Index(fields=["patient", "run"], name="analytics_assign_patient_idx"),
            models.Index(
                fields=["run", "phenotype", "patient"],
                condition=Q(latest=True),
                name="analytics_assign_latest_idx",
            ),
            # The patients with more than one label in a run (the dashboard's transitions).
            models.Index(
                fields=["run", "patient"],
                condition=Q(latest=False),
                name="analytics_assign_earlier_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.visit_id} -> {self.phenotype_id}"


class ComparisonResult(models.Model):
    run = models.ForeignKey(ClusteringRun, on_delete=models.CASCADE, related_name="comparisons")
    order = models.PositiveSmallIntegerField(default=0)
    variable = models.CharField(verbose_name=_("variable"), max_length=64)
    kind = models.CharField(verbose_name=_("kind"), max_length=12, choices=ComparisonKind.choices)
    test = models.CharField(verbose_name=_("test"), max_length=64, blank=True)
    statistic = models.FloatField(null=True, blank=True)
    df = models.FloatField(null=True, blank=True)
    p_value = models.FloatField(null=True, blank=True)
    p_adjusted = models.FloatField(null=True, blank=True)
    adjust_method = models.CharField(max_length=64, blank=True)
    effect_size = models.FloatField(null=True, blank=True)
    effect_size_name = models.CharField(max_length=32, blank=True)
    summaries = models.JSONField(default=dict)
    posthoc = models.JSONField(default=list, blank=True)
    note = models.TextField(verbose_name=_("note"), blank=True)
    inferential = models.BooleanField(
        default=True,
        help_text=_("False: a clustering variable, described but not tested or adjusted."),
    )
    p_method = models.CharField(max_length=255, blank=True)
    p_floor = models.BooleanField(
        default=False, help_text="p_value is a Monte-Carlo floor: the true p is below it."
    )
    asymptotic_p = models.FloatField(null=True, blank=True)
    sparse = models.BooleanField(default=False, help_text=_("An expected count is below 5."))

    class Meta:
        verbose_name = _("comparison result")
        verbose_name_plural = _("comparison results")
        ordering = ["run", "order"]
        constraints = [
            models.UniqueConstraint(fields=["run", "variable"], name="analytics_comparison_var"),
            choice_check("analytics_comparisonresult", "kind", ComparisonKind.values),
            # A described (clustering) variable is never part of the adjusted family.
            models.CheckConstraint(
                condition=Q(inferential=True) | Q(p_adjusted__isnull=True, p_value__isnull=True),
                name="analytics_comparison_descriptive_untested",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.variable} ({self.test})"

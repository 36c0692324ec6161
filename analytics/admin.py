"""Run history in the admin: read-only results, and a rerun action for administrators."""

from django.contrib import admin, messages
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from analytics import formatting
from analytics.models import (
    ClusteringRun,
    ComparisonResult,
    Phenotype,
    PhenotypeAssignment,
    RunStatus,
    Trigger,
)
from analytics.services import clustering_run_request
from registry import access
from registry.admin_access import ReadOnlyAdmin


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class PhenotypeInline(ReadOnlyInline):
    model = Phenotype
    fields = (
        "stable_id",
        "name",
        "description",
        "size",
        "share",
        "stability_jaccard",
        "stability_flag",
    )
    readonly_fields = fields


class ComparisonInline(ReadOnlyInline):
    model = ComparisonResult
    fields = (
        "variable",
        "kind",
        "test",
        "statistic_shown",
        "df",
        "p_shown",
        "p_adjusted_shown",
        "effect_size_shown",
        "note",
    )
    readonly_fields = fields

    # The admin writes floats out in full (a p of 1e-159 as 160 digits): format them.
    @admin.display(description=_("statistic"))
    def statistic_shown(self, obj):
        return formatting.significant(obj.statistic, 4)

    @admin.display(description="p")
    def p_shown(self, obj):
        return formatting.p_value(obj.p_value)

    @admin.display(description=_("adjusted p"))
    def p_adjusted_shown(self, obj):
        return formatting.p_value(obj.p_adjusted)

    @admin.display(description=_("effect size"))
    def effect_size_shown(self, obj):
        if obj.effect_size is None:
            return "—"
        return f"{obj.effect_size_name} {formatting.significant(obj.effect_size, 3)}".strip()


@admin.register(ClusteringRun)
class ClusteringRunAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "status",
        "trigger",
        "feature_set",
        "visit_choice",
        "k_label",
        "k",
        "cohort_size",
        "created_at",
        "duration",
    )
    list_filter = ("status", "trigger", "feature_set", "visit_choice")
    inlines = (PhenotypeInline, ComparisonInline)
    actions = ("rerun",)
    exclude = ("model",)

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields if f.name != "model"]

    @admin.display(description=_("k requested"))
    def k_label(self, obj):
        return obj.k_label

    @admin.display(description=_("duration (s)"))
    def duration(self, obj):
        return f"{obj.duration_s:.1f}" if obj.duration_s is not None else "—"

    def has_rerun_permission(self, request):
        return access.can_rerun(request.user)

    @admin.action(description=_("Rerun now with the same parameters"), permissions=["rerun"])
    def rerun(self, request, queryset):
        for old in queryset.order_by("id")[:1]:
            run = clustering_run_request(
                trigger=Trigger.ADMIN,
                user=request.user,
                k=old.k_requested,
                feature_set=old.feature_set,
                visit_choice=old.visit_choice,
                seed=old.seed,
                pca_variance=old.pca_variance,
                bootstrap=old.bootstrap,
                missing=old.missing,
                mri_window_days=old.mri_window_days,
                k_scan=old.k_scan,
            )
            run.refresh_from_db()
            if run.status == RunStatus.FAILED:
                self.message_user(request, run.error, messages.ERROR)
                continue
            self.message_user(
                request,
                gettext("Run %(new)s queued (parameters of run %(old)s).")
                % {"new": run.pk, "old": old.pk},
                messages.SUCCESS,
            )
        if queryset.count() > 1:
            self.message_user(
                request,
                gettext("Only one run is queued at a time: the first selected."),
                messages.WARNING,
            )


@admin.register(PhenotypeAssignment)
class PhenotypeAssignmentAdmin(ReadOnlyAdmin):
    """Which phenotype each analysed visit received, per run; provisional rows come from
    the current model between runs. Scoped to the user's centres like every record."""

    list_display = ("patient", "visit", "run", "phenotype", "distance", "provisional")
    list_filter = ("provisional", "run", "phenotype__name")
    search_fields = ("patient__patient_id",)
    list_select_related = ("patient", "visit__patient", "run", "phenotype")
    list_per_page = 50  # as the record tables': each row reads five objects
    # Newest first, by the primary key's index: the model's order (run, patient) sorts
    # every assignment of every run.
    ordering = ("-pk",)

    def get_queryset(self, request):
        # A row shows its run and phenotype by name only: their JSON results (the fitted
        # model, the exclusions, the k scan, …) would be read and decoded once per row.
        heavy = [
            f"{relation}__{field.name}"
            for relation, model in (("run", ClusteringRun), ("phenotype", Phenotype))
            for field in model._meta.fields
            if isinstance(field, models.JSONField | models.TextField)
        ]
        return super().get_queryset(request).for_user(request.user).defer(*heavy)

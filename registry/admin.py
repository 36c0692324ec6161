"""The Django admin, scoped like every other door: a user sees the centres they
belong to, researchers read only, clinicians and admins edit their own centres."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db.models import Count, OuterRef, Subquery
from django.utils.text import capfirst
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from simple_history.admin import SimpleHistoryAdmin

from registry import access, admin_sign_ins  # noqa: F401  (re-registers the sign-in logs)
from registry.admin_access import (
    IndexedValuesFilter,
    ReadOnlyAdmin,
    ReadOnlyHistory,
    ScopedAdmin,
    ScopedInline,
    ScopedPermissions,
    VisibleCenterFilter,
)
from registry.models import Center, GaitSession, ImportJob, MriScan, Patient, User, Visit

admin.site.site_header = _("MS mobility registry")
admin.site.site_title = _("MS mobility registry")
admin.site.index_title = _("Registry administration")


class LabelledTabularInline(admin.TabularInline):
    """Django's tabular inline names its fields only in the column headers; each input
    (and the delete box) also gets its label as aria-label, so a screen reader says what
    it is."""

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        formfield = super().formfield_for_dbfield(db_field, request, **kwargs)
        if formfield is not None:
            formfield.widget.attrs.setdefault("aria-label", capfirst(db_field.verbose_name))
        return formfield

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)

        class LabelledFormSet(formset):
            def add_fields(self, form, index):
                super().add_fields(form, index)
                if "DELETE" in form.fields:
                    form.fields["DELETE"].widget.attrs.setdefault("aria-label", _("Delete"))

        return LabelledFormSet


class VisitInline(ScopedInline, LabelledTabularInline):
    model = Visit
    fields = ("visit_date", "disease_course", "edss", "msws12", "t25fw_s", "walking_aid")
    ordering = ("visit_date",)


class MriScanInline(ScopedInline, LabelledTabularInline):
    model = MriScan
    fields = (
        "scan_date",
        "field_strength_t",
        "t2_lesion_volume_ml",
        "brain_parenchymal_fraction",
        "grey_matter_fraction",
        "white_matter_fraction",
        "quality_flags",
    )
    readonly_fields = ("quality_flags",)
    ordering = ("scan_date",)


class GaitSessionInline(ScopedInline, admin.StackedInline):
    model = GaitSession
    readonly_fields = ("quality_flags",)
    fieldsets = (
        (None, {"fields": (("condition", "device", "software_version"),)}),
        (
            "Spatiotemporal parameters",
            {
                "fields": (
                    ("velocity_m_s", "cadence_steps_min"),
                    ("step_length_m", "stride_length_m"),
                    ("step_time_s", "stride_time_s"),
                    ("swing_pct", "stance_pct", "double_support_pct"),
                    ("base_of_support_m",),
                    ("stride_length_cv_pct", "stride_time_cv_pct"),
                    "quality_flags",
                )
            },
        ),
    )


def _count_per_row(model, parent: str) -> Subquery:
    """How many `model` rows point at each listed row, counted by `parent`'s index for
    the rows of the page only (a join with GROUP BY would read the whole table)."""
    return Subquery(
        model.objects.filter(**{parent: OuterRef("pk")})
        .order_by()
        .values(parent)
        .annotate(n=Count("*"))
        .values("n")
    )


@admin.register(Center)
class CenterAdmin(ScopedPermissions, ReadOnlyHistory, SimpleHistoryAdmin):
    list_display = ("code", "name", "patient_count")
    search_fields = ("code", "name")

    def get_queryset(self, request):
        # Counted per listed centre by the patients' centre index; a join with GROUP BY
        # would read every patient, and again for each count of the list.
        return (
            super()
            .get_queryset(request)
            .for_user(request.user)
            .annotate(n_patients=_count_per_row(Patient, "center"))
        )

    @admin.display(description=_("patients"), ordering="n_patients")
    def patient_count(self, obj):
        return obj.n_patients or 0

    # Centres are created and renamed by the people who run the whole registry.
    def has_add_permission(self, request, obj=None):
        return access.can_manage_centers(request.user)

    def has_change_permission(self, request, obj=None):
        return access.can_manage_centers(request.user)

    def has_delete_permission(self, request, obj=None):
        return access.can_manage_centers(request.user)


@admin.register(Patient)
class PatientAdmin(ScopedAdmin):
    list_display = ("patient_id", "center", "sex", "birth_year", "onset_year", "visit_count")
    list_filter = (("center", VisibleCenterFilter), "sex", "visits__disease_course")
    search_fields = ("patient_id",)
    readonly_fields = ("created_at", "updated_at")
    inlines = (VisitInline, MriScanInline)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("center")
            # Counted for the rows of the page only (a GROUP BY would read every visit).
            .annotate(n_visits=_count_per_row(Visit, "patient"))
        )

    @admin.display(description=_("visits"), ordering="n_visits")
    def visit_count(self, obj):
        return obj.n_visits or 0


class NewestFirstAdmin(ScopedAdmin):
    """The large record tables: newest entries first, by the primary key's index (the
    model's own order sorts every row across a join)."""

    ordering = ("-pk",)


@admin.register(Visit)
class VisitAdmin(NewestFirstAdmin):
    list_display = (
        "patient",
        "visit_date",
        "disease_course",
        "edss",
        "msws12",
        "t25fw_s",
        "walking_aid",
        "age_years",
        "is_progressive",
    )
    list_filter = (
        ("patient__center", VisibleCenterFilter),
        "disease_course",
        "walking_aid",
        "gait_sessions__condition",
        # Not a date hierarchy: that reads every row for the years it offers.
        ("visit_date", admin.DateFieldListFilter),
    )
    search_fields = ("patient__patient_id",)
    list_select_related = ("patient",)
    readonly_fields = (
        "age_years",
        "disease_duration_years",
        "is_progressive",
        "mri_near_visit",
        "created_at",
        "updated_at",
    )
    inlines = (GaitSessionInline,)

    @admin.display(description=_("age at visit (years)"))
    def age_years(self, obj):
        return obj.age_years if obj.pk else "—"

    @admin.display(description=_("disease duration (years)"))
    def disease_duration_years(self, obj):
        return obj.disease_duration_years if obj.pk else "—"

    @admin.display(description=_("progressive"), boolean=True)
    def is_progressive(self, obj):
        return obj.is_progressive

    @admin.display(description=_("MRI scans of this patient"))
    def mri_near_visit(self, obj):
        if not obj.pk:
            return "—"
        scans = obj.patient.mri_scans.order_by("scan_date")
        line = gettext("%(day)s (%(days)+d days): BPF %(bpf)s, lesions %(volume)s ml")
        lines = [
            line
            % {
                "day": s.scan_date.isoformat(),
                "days": (s.scan_date - obj.visit_date).days,
                "bpf": s.brain_parenchymal_fraction or "—",
                "volume": s.t2_lesion_volume_ml if s.t2_lesion_volume_ml is not None else "—",
            }
            for s in scans
        ]
        return "; ".join(lines) or gettext("no MRI scan")


@admin.register(GaitSession)
class GaitSessionAdmin(NewestFirstAdmin):
    list_display = (
        "visit",
        "condition",
        "velocity_m_s",
        "cadence_steps_min",
        "stride_length_m",
        "double_support_pct",
        "stride_time_cv_pct",
        "device",
        "flag_count",
    )
    list_filter = (
        ("visit__patient__center", VisibleCenterFilter),
        "condition",
        ("device", IndexedValuesFilter),
        ("software_version", IndexedValuesFilter),
    )
    search_fields = ("visit__patient__patient_id",)
    list_select_related = ("visit__patient",)
    readonly_fields = ("quality_flags", "created_at", "updated_at")

    @admin.display(description=_("flags"))
    def flag_count(self, obj):
        return len(obj.quality_flags or [])


@admin.register(MriScan)
class MriScanAdmin(NewestFirstAdmin):
    list_display = (
        "patient",
        "scan_date",
        "field_strength_t",
        "t2_lesion_volume_ml",
        "brain_parenchymal_fraction",
        "grey_matter_fraction",
        "software",
        "flag_count",
    )
    list_filter = (
        ("patient__center", VisibleCenterFilter),
        ("field_strength_t", IndexedValuesFilter),
        ("software", IndexedValuesFilter),
        ("scan_date", admin.DateFieldListFilter),
    )
    search_fields = ("patient__patient_id",)
    list_select_related = ("patient",)
    readonly_fields = ("quality_flags", "created_at", "updated_at")

    @admin.display(description=_("flags"))
    def flag_count(self, obj):
        return len(obj.quality_flags or [])


@admin.register(User)
class RegistryUserAdmin(UserAdmin):
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Registry access"), {"fields": ("role", "centers")}),
    )
    add_fieldsets = (
        *UserAdmin.add_fieldsets,
        (_("Registry access"), {"fields": ("role", "centers")}),
    )
    list_display = ("username", "role", "is_staff", "is_superuser", "center_list")
    list_filter = ("role", "centers", "is_staff", "is_superuser")
    filter_horizontal = ("centers", "groups", "user_permissions")

    def has_module_permission(self, request):
        return access.is_global_admin(request.user)

    def has_view_permission(self, request, obj=None):
        return access.is_global_admin(request.user)

    def has_add_permission(self, request):
        return access.is_global_admin(request.user)

    def has_change_permission(self, request, obj=None):
        return access.is_global_admin(request.user)

    def has_delete_permission(self, request, obj=None):
        return access.is_global_admin(request.user)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("centers")

    @admin.display(description=_("centres"))
    def center_list(self, obj):
        return ", ".join(c.code for c in obj.centers.all())


@admin.register(ImportJob)
class ImportJobAdmin(ReadOnlyAdmin):
    """Imports from the upload page, for the people who run the whole registry. Read
    only: a job is a record of what happened."""

    list_display = ("created_at", "user", "status", "dry_run", "rows_done", "error_count")
    list_filter = ("status", "dry_run")
    search_fields = ("user__username",)
    list_select_related = ("user",)
    date_hierarchy = "created_at"

    def has_module_permission(self, request):
        return access.is_global_admin(request.user)

"""The admin's doors, each asking `registry.access`: object permissions from role and
centre, a read-only audit history, and saves and deletes through the write services.
The admin classes of `registry.admin` and `analytics.admin` are built from these."""

from django.contrib import admin
from django.contrib.admin.utils import unquote
from django.db import connections
from django.http import Http404, HttpResponseNotAllowed
from simple_history.admin import SimpleHistoryAdmin

from registry import access, services
from registry.admin_paging import LargeTableAdminMixin
from registry.models import Center


def _staff(request) -> bool:
    user = request.user
    return bool(user.is_active and user.is_staff)


class VisibleCenterFilter(admin.RelatedFieldListFilter):
    """The user's centres, read from the centre table: the related-only filter would
    read every row of the listed table to find the centres in use."""

    def field_choices(self, field, request, model_admin):
        centers = Center.objects.for_user(request.user).order_by("code")
        return [(c.pk, str(c)) for c in centers]


# Each distinct value of an indexed column found by one index probe per value (a "loose
# index scan"), not by reading every row: `SELECT DISTINCT` over a million gait sessions
# reads them all.
_DISTINCT_BY_INDEX = """
WITH RECURSIVE found(value) AS (
    SELECT MIN({column}) FROM {table}
    UNION ALL
    SELECT (SELECT MIN({column}) FROM {table} WHERE {column} > found.value)
    FROM found WHERE found.value IS NOT NULL
)
SELECT value FROM found WHERE value IS NOT NULL
UNION ALL
SELECT NULL WHERE EXISTS (SELECT 1 FROM {table} WHERE {column} IS NULL)
"""


class IndexedValuesFilter(admin.AllValuesFieldListFilter):
    """The values of a column of the listed table, as Django's filter lists them. For a
    user who reads every centre they are read by the column's index on PostgreSQL
    (`_DISTINCT_BY_INDEX`); for anyone else from their own centres' rows, as before (a
    value only another centre uses is not shown)."""

    def __init__(self, field, request, params, model, model_admin, field_path):
        super().__init__(field, request, params, model, model_admin, field_path)
        database = model_admin.get_queryset(request).db
        connection = connections[database]
        if connection.vendor == "postgresql" and access.readable_center_ids(request.user) is None:
            quote = connection.ops.quote_name
            sql = _DISTINCT_BY_INDEX.format(
                table=quote(model._meta.db_table), column=quote(field.column)
            )
            with connection.cursor() as cursor:
                cursor.execute(sql)
                self.lookup_choices = [field.to_python(row[0]) for row in cursor.fetchall()]


class ScopedPermissions:
    """Object permissions from role and centre (asked of `registry.access`), in place of
    per-model Django permissions."""

    def has_module_permission(self, request):
        return _staff(request)

    def has_view_permission(self, request, obj=None):
        if not _staff(request):
            return False
        return obj is None or access.can_read_center(request.user, access.owning_center_id(obj))

    def has_add_permission(self, request, obj=None):
        return _staff(request) and access.has_writing_role(request.user)

    def has_change_permission(self, request, obj=None):
        if not (_staff(request) and access.has_writing_role(request.user)):
            return False
        return obj is None or access.can_edit_center(request.user, access.owning_center_id(obj))

    def has_delete_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class ReadOnlyHistory:
    """The audit history is for reading. Reverting to an old version is not offered: it
    would write every field of the old row at once (owning centre included) past the
    rules of the write services; to restore old values, edit the record. A record the
    user may not read has no history either: 404, as for one that does not exist."""

    def revert_disabled(self, request, obj=None):
        return True

    def _readable_or_404(self, request, object_id) -> None:
        if access.is_global_admin(request.user):
            return  # superusers also read the history of deleted records
        try:
            found = self.get_queryset(request).filter(pk=unquote(object_id)).exists()
        except (ValueError, TypeError):
            found = False
        if not found:
            raise Http404("No such record.")

    def history_view(self, request, object_id, extra_context=None):
        self._readable_or_404(request, object_id)
        return super().history_view(request, object_id, extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        self._readable_or_404(request, object_id)
        if request.method not in ("GET", "HEAD"):
            return HttpResponseNotAllowed(["GET", "HEAD"])
        return super().history_form_view(request, object_id, version_id, extra_context)


class ServiceWrites:
    """Saves and deletes, of the record and of its inline rows, go through the write
    services (rules, access, history under the acting user, the analysis hook)."""

    def save_model(self, request, obj, form, change):
        services.record_save(user=request.user, record=obj)

    def delete_model(self, request, obj):
        services.record_delete(user=request.user, record=obj)

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            services.record_delete(user=request.user, record=obj)

    def save_formset(self, request, form, formset, change):
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            services.record_delete(user=request.user, record=obj)
        for obj in instances:
            services.record_save(user=request.user, record=obj)
        formset.save_m2m()


class ScopedAdmin(
    LargeTableAdminMixin, ScopedPermissions, ReadOnlyHistory, ServiceWrites, SimpleHistoryAdmin
):
    list_per_page = 50

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if hasattr(related.objects, "editable_by"):
            # Only what the user may write to: another centre's record is not a choice,
            # exactly like one that does not exist.
            kwargs["queryset"] = related.objects.editable_by(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ScopedInline(ScopedPermissions):
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return self.has_change_permission(request, obj)


class ReadOnlyAdmin(LargeTableAdminMixin, admin.ModelAdmin):
    """Records of what happened (runs, assignments, imports): staff read them, nobody
    edits them here."""

    def has_module_permission(self, request):
        return _staff(request) and access.can_read_analysis(request.user)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

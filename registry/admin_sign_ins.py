"""django-axes' sign-in logs in the admin, paged like the large record tables: every
sign-in adds a row to the access log, so it grows without end. Same columns, filters
and search; 50 rows a page, an estimated page count, no full-table count."""

from axes.admin import AccessFailureLogAdmin, AccessLogAdmin
from axes.models import AccessFailureLog, AccessLog
from django.contrib import admin

from registry.admin_paging import LargeTableAdminMixin


class SignInLogAdmin(LargeTableAdminMixin, AccessLogAdmin):
    list_per_page = 50


class FailedSignInLogAdmin(LargeTableAdminMixin, AccessFailureLogAdmin):
    list_per_page = 50


for model, model_admin in ((AccessLog, SignInLogAdmin), (AccessFailureLog, FailedSignInLogAdmin)):
    if admin.site.is_registered(model):  # AXES_ENABLE_ADMIN
        admin.site.unregister(model)
        admin.site.register(model, model_admin)

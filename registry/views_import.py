"""The import pages: clinicians (into their own centres) and administrators upload the
interchange files; a worker imports them while the status page shows the progress.
A user sees their own imports only; a superuser sees everyone's."""

from __future__ import annotations

from decimal import Decimal

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.formats import number_format
from django.utils.translation import gettext, gettext_lazy
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from registry import access
from registry.access import import_scope
from registry.importing.jobs import (
    ALLOWED_NAMES,
    ImportRefused,
    dry_run_uploads_ready,
    error_report_path,
    import_job_create,
    import_job_errors,
    import_job_from_dry_run,
    import_job_list,
)
from registry.importing.results import data_dictionary, file_template, import_job_touched
from registry.importing.spec import SPECS

SHOWN_ERRORS = 100


class CsvFilesInput(forms.FileInput):
    allow_multiple_selected = True


class CsvFilesField(forms.FileField):
    """Several files in one input; each is checked as a FileField would check one."""

    def __init__(self, **kwargs):
        kwargs.setdefault("widget", CsvFilesInput(attrs={"multiple": True, "accept": ".csv"}))
        super().__init__(**kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        # None (nothing chosen) gets the ordinary "This field is required." message.
        items = (data if isinstance(data, list | tuple) else [data]) or [None]
        files = [single(item, initial) for item in items]
        # The size limit is enforced while the upload streams in (`UploadSizeLimit`).
        return files


class ImportForm(forms.Form):
    files = CsvFilesField(
        label=gettext_lazy("Files"),
        help_text="One or more of " + ", ".join(ALLOWED_NAMES) + " (recognised by name).",
    )

    dry_run = forms.BooleanField(
        label=gettext_lazy("Validate only (dry run)"),
        required=False,
        help_text=gettext_lazy("Check every row and count what would change; write nothing."),
    )

    def __init__(self, *args, too_large: str | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        # The upload stopped at this file (`UploadSizeLimit`): what came after it never
        # arrived, so the whole upload is refused with that one reason.
        self.too_large = too_large
        if too_large is not None:
            self.fields["files"].required = False
        # Read per form, so the page always shows the limit in force.
        self.fields["files"].help_text = gettext(
            "One or more of %(names)s (recognised by name), at most %(limit)s MB each. "
            "Validation of a file stops after %(errors)s errors."
        ) % {
            "names": ", ".join(ALLOWED_NAMES),
            "limit": _limit_mb_text(),
            "errors": settings.IMPORT_MAX_ERRORS_PER_FILE,
        }

    def clean(self):
        if self.too_large is not None:
            raise forms.ValidationError({"files": _too_large_message(self.too_large)})
        return super().clean()


def _limit_mb_text() -> str:
    """The per-file limit in MB as the page's language writes the number (25, 0,05)."""
    return number_format(Decimal(f"{settings.IMPORT_MAX_UPLOAD_MB:g}"))


def _limit_bytes() -> int:
    return int(settings.IMPORT_MAX_UPLOAD_MB * 1024 * 1024)


class UploadSizeLimit(FileUploadHandler):
    """Stops an upload as soon as one of its files passes the per-file limit: the rest of
    the request is read and dropped, never spooled to disk, and the page refuses the whole
    upload naming that file (`request.upload_too_large`)."""

    def new_file(self, *args, **kwargs) -> None:
        super().new_file(*args, **kwargs)
        self.received = 0

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > _limit_bytes():
            self.request.upload_too_large = self.file_name
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size):
        return None


def _too_large_message(name: str) -> str:
    return gettext(
        "%(name)s is larger than %(limit)s MB; each file may be at most %(limit)s MB. "
        "Split it into smaller files and upload them one after another. Nothing was imported."
    ) % {"name": name, "limit": _limit_mb_text()}


def _forbidden(request):
    return render(request, "registry/import_forbidden.html", {"nav": "imports"}, status=403)


@login_required
@csrf_exempt  # only so that the size limit is in place before the body is read; see below
def import_new(request):
    request.upload_handlers.insert(0, UploadSizeLimit(request))
    return _import_new(request)


@csrf_protect
def _import_new(request):
    try:
        scope = import_scope(request.user)
    except PermissionError:
        return _forbidden(request)
    posted = request.method == "POST"
    form = ImportForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        too_large=getattr(request, "upload_too_large", None),
    )
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_create(
                user=request.user,
                files=form.cleaned_data["files"],
                dry_run=form.cleaned_data["dry_run"],
            )
        except ImportRefused as exc:
            form.add_error("files", str(exc))
        except PermissionError:
            return _forbidden(request)
        else:
            return redirect("import-detail", job_id=job.pk)
    return render(
        request,
        "registry/import_form.html",
        {
            "form": form,
            "scope": None if scope is None else sorted(scope),
            "kinds": list(SPECS),
            "nav": "imports",
        },
    )


@login_required
@require_GET
def import_list(request):
    page = Paginator(import_job_list(user=request.user), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "registry/import_list.html",
        {
            "page": page,
            "can_import": access.can_import(request.user),
            "all_users": access.is_global_admin(request.user),
            "nav": "imports",
        },
    )


@login_required
@require_GET
def import_detail(request, job_id):
    job = get_object_or_404(import_job_list(user=request.user), pk=job_id)
    errors = import_job_errors(job=job, limit=SHOWN_ERRORS) if job.error_count else []
    touched, n_touched = import_job_touched(job=job)
    context = {
        "job": job,
        "errors": errors,
        "import_now": dry_run_uploads_ready(job) and job.user_id == request.user.pk,
        "touched": touched,
        "n_touched": n_touched,
        "keep_hours": settings.IMPORT_DRY_RUN_KEEP_HOURS,
        "retention_days": settings.IMPORT_REPORT_RETENTION_DAYS,
        "nav": "imports",
    }
    return render(request, "registry/import_detail.html", context)


@login_required
@require_GET
def import_errors_csv(request, job_id):
    job = get_object_or_404(import_job_list(user=request.user), pk=job_id)
    path = error_report_path(job)
    if not path.exists():
        raise Http404("This import has no error report.")
    return FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"import-{str(job.pk)[:8]}-errors.csv",
        content_type="text/csv; charset=utf-8",
    )


@login_required
@require_POST
def import_now(request, job_id):
    job = get_object_or_404(import_job_list(user=request.user), pk=job_id, user=request.user)
    try:
        new = import_job_from_dry_run(user=request.user, job=job)
    except ImportRefused as exc:
        messages.error(request, str(exc))
        return redirect("import-detail", job_id=job.pk)
    except PermissionError:
        return _forbidden(request)
    return redirect("import-detail", job_id=new.pk)


@login_required
@require_GET
def import_dictionary(request):
    return render(
        request,
        "registry/import_dictionary.html",
        {"files": data_dictionary(), "nav": "imports"},
    )


@login_required
@require_GET
def import_template(request, kind):
    if kind not in SPECS:
        raise Http404("no such interchange file")
    response = HttpResponse(file_template(kind), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kind}.csv"'
    return response

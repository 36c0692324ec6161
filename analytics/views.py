"""Pages for clinicians and researchers. Each view checks access, calls one selector and
renders; every queryset goes through the centre/role scoping."""

from __future__ import annotations

import json

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import BadRequest, PermissionDenied
from django.http import Http404, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from django.utils.translation import get_language, gettext
from django.views.decorators.http import require_POST

from analytics import answer_cache, selectors, selectors_record
from analytics.exports import comparisons_csv_write
from analytics.models import ClusteringRun, Phenotype, RunStatus, Trigger
from registry import access
from registry.forms import PatientFilterForm
from registry.models import Course, Sex
from registry.paging import CappedCountPaginator
from registry.selectors import center_list


@login_required
def home(request):
    run = selectors.run_for_dashboard(None)
    # Counting every summary row the user may see is most of the page's work.
    counts = answer_cache.answer(
        "counts", user=request.user, compute=lambda: selectors.visible_counts(user=request.user)
    )
    return render(request, "analytics/home.html", {"counts": counts, "run": run, "nav": "home"})


@login_required
def patient_list(request):
    params = request.GET
    filters = PatientFilterForm(params)
    filters.is_valid()
    edss_min, edss_max = filters.edss_range()
    patients = selectors.patient_list(
        user=request.user,
        q=params.get("q", ""),
        center=params.get("center", ""),
        course=params.get("course", ""),
        phenotype=params.get("phenotype", ""),
        edss_min=edss_min,
        edss_max=edss_max,
        flagged=params.get("flagged") == "1",
        sort=params.get("sort", "patient"),
    )
    page = CappedCountPaginator(patients, 50).get_page(params.get("page"))
    # The current run's id only: its fitted model and results are not needed here.
    run_id = ClusteringRun.objects.current_pk()
    page.object_list = selectors.with_current_phenotypes(page.object_list, run_id=run_id)
    # Worked out once for the page, not once per row: each label of a choice (a
    # translation) and the link around a pseudonym (A-Z a-z 0-9 _ -, the database
    # allows nothing else, so no character of it is ever quoted).
    sexes = {value: str(label) for value, label in Sex.choices}
    for row in page.object_list:
        row.sex_label = sexes.get(row.patient.sex, row.patient.sex)
    link = reverse("patient-detail", args=["PSEUDONYM"]).split("PSEUDONYM")
    centers = center_list(user=request.user)
    query = params.copy()
    query.pop("page", None)
    return render(
        request,
        "analytics/patient_list.html",
        {
            "page": page,
            "filters": filters,
            "centers": centers,
            "courses": Course.values,
            "phenotypes": Phenotype.objects.filter(run_id=run_id).order_by("stable_id").only("name")
            if run_id
            else [],
            "params": params,
            "query": query.urlencode(),
            "link_before": link[0],
            "link_after": link[1],
            "can_add": access.has_writing_role(request.user),
            "nav": "patients",
        },
    )


@login_required
def patient_detail(request, patient_id: str):
    patient, can_edit = access.patient_for_user(request.user, patient_id)
    timeline = selectors.patient_timeline(patient=patient)
    scans = selectors_record.patient_scans(patient=patient, timeline=timeline)
    return render(
        request,
        "analytics/patient_detail.html",
        {
            "patient": patient,
            "timeline": timeline,
            "scans": scans,
            "flags": selectors_record.patient_flags(timeline=timeline, scans=scans),
            "can_edit": can_edit,
            "series": selectors.patient_series(patient=patient, timeline=timeline),
            "nav": "patients",
        },
    )


def _run_number(request, name: str) -> int | None:
    """The run number in ?run= or ?compare=, or BadRequest saying what is wrong."""
    raw = request.GET.get(name, "")
    if raw == "":
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) < 1:
        raise BadRequest(
            gettext("%(name)s = %(value)r is not a run number (a whole number from 1).")
            % {"name": name, "value": raw[:40]}
        )
    return int(raw)


@login_required
def phenotype_dashboard(request):
    try:
        run_id, compare_id = _run_number(request, "run"), _run_number(request, "compare")
    except BadRequest as exc:
        return HttpResponseBadRequest(str(exc), content_type="text/plain; charset=utf-8")
    run = selectors.run_for_dashboard(run_id)
    if run_id and run is None:
        raise Http404("no such run")
    context = {
        "run": run,
        "runs": selectors.recent_runs(),
        "can_rerun": access.can_rerun(request.user),
        "nav": "phenotypes",
    }
    if run is not None and run.status == RunStatus.SUCCEEDED:
        phenotypes, rows = selectors.comparison_table(run=run)
        profiles = selectors.phenotype_profiles(run=run)
        context.update(
            phenotypes=phenotypes,
            rows=rows,
            loadings=selectors.pca_loadings(run=run),
            profiles=profiles,
            profile_rows=selectors.profile_rows(profiles=profiles),
            transitions=selectors.transitions(run=run, user=request.user),
        )
        other = selectors.run_for_dashboard(compare_id) if compare_id else None
        if other is not None and other.status == RunStatus.SUCCEEDED:
            context["agreement"] = {
                "other": other,
                **selectors.run_agreement(run=run, other=other),
            }
    return render(request, "analytics/dashboard.html", context)


@login_required
def pca_data(request, run_id: int):
    """The dashboard scatter's points as JSON, fetched by the page (never inlined): a
    cohort-level run, its points narrowed to the patients the user may read."""
    if not access.can_read_analysis(request.user):
        raise PermissionDenied
    run = get_object_or_404(ClusteringRun, pk=run_id, status=RunStatus.SUCCEEDED)
    if not answer_cache.enabled():
        return JsonResponse(selectors.pca_points(run=run, user=request.user))
    # The key names the reader's scope and the records' generation: the browser keeps
    # the answer and asks again with it (304 while nothing changed).
    key = answer_cache.answer_key(
        "pca",
        user=request.user,
        parameters=f"{run.pk}|{get_language()}|{selectors.PCA_POINT_LIMIT}",
    )
    etag = f'"{key.rsplit(":", 1)[1]}"'
    response = get_conditional_response(request, etag=etag)
    if response is None:
        body = answer_cache.kept(
            key, lambda: json.dumps(selectors.pca_points(run=run, user=request.user)).encode()
        )
        response = HttpResponse(body, content_type="application/json")
    response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    return response


@login_required
def comparisons_csv(request, run_id: int):
    if not access.can_read_analysis(request.user):
        raise PermissionDenied
    run = get_object_or_404(ClusteringRun, pk=run_id)
    if run.status != RunStatus.SUCCEEDED:
        raise Http404("this run has no results")
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="comparisons-run-{run.pk}.csv"'
    comparisons_csv_write(run=run, out=response)
    return response


@login_required
@require_POST
def rerun(request):
    if not access.can_rerun(request.user):
        raise PermissionDenied(gettext("Only administrators start a reanalysis."))
    from analytics.services import clustering_run_request

    run = clustering_run_request(trigger=Trigger.WEB, user=request.user)
    run.refresh_from_db()
    if run.status == RunStatus.FAILED:
        messages.error(request, run.error)
    else:
        messages.success(
            request,
            gettext("Run %(pk)s queued; it appears here when the worker is done.") % {"pk": run.pk},
        )
    return redirect(f"{reverse('phenotype-dashboard')}?run={run.pk}")

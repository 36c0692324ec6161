"""The route table: every URL pattern and every API route, for every role, with records
of the user's own centre and of another centre, either asks `registry.access` or refuses
before serving anything. A new page or API route that forgets to ask fails here.

Routes are found by walking the URL configuration, not listed by hand: a route whose
arguments this test cannot fill fails too, so it gets a sample below when it is added.
"""

from __future__ import annotations

import re
import uuid

import pytest
from django.contrib import admin
from django.urls import reverse
from django.utils import timezone

from analytics.models import ClusteringRun, ComparisonResult, Phenotype, PhenotypeAssignment
from registry import access
from registry.models import ImportJob, Role
from tests.factories import CenterFactory, GaitSessionFactory, MriScanFactory, UserFactory
from tests.routes import all_routes

pytestmark = pytest.mark.django_db

# Routes that show no record of the registry, with the reason. Everything else must ask.
PUBLIC = {
    "login": "the sign-in form",
    "logout": "signing out",
    "api-root": "links to the API's lists, no records",
    "api-schema": "the API's description, no records",
    "api-docs": "the API's documentation page, no records",
    "import-dictionary": "the interchange files' columns and rules, no records",
    "import-template": "an empty interchange file with its header, no records",
    "admin:login": "the admin's sign-in form",
    "admin:logout": "signing out",
    "admin:password_change": "the user's own password",
    "admin:password_change_done": "the user's own password",
    "admin:jsi18n": "translations for the admin's scripts",
    "admin:view_on_site": "a redirect to the record's own page, which asks",
    "(unnamed) favicon.ico": "the site icon",
    "(unnamed) api/^(?P<path>.*/)$": "the API's 404 for unknown addresses",
}

ROLES = {
    "researcher": {"role": Role.RESEARCHER},
    "researcher-no-staff": {"role": Role.RESEARCHER, "is_staff": False},
    "clinician": {"role": Role.CLINICIAN},
    "admin": {"role": Role.ADMIN},
    "superuser": {"role": Role.ADMIN, "is_superuser": True},
}

REFUSED = {302, 401, 403, 404, 405}


@pytest.fixture
def world():
    today = timezone.now()
    sides = {}
    for side, code in (("own", "TST-A"), ("other", "TST-B")):
        center = CenterFactory(code=code)
        walk = GaitSessionFactory(
            visit__patient__center=center, visit__patient__patient_id=f"SYN-{code[-1]}1"
        )
        scan = MriScanFactory(patient=walk.visit.patient)
        sides[side] = {"center": center, "walk": walk, "scan": scan}
    run = ClusteringRun.objects.create(
        status="succeeded", trigger="command", started_at=today, finished_at=today, k=1
    )
    phenotype = Phenotype.objects.create(run=run, stable_id=1, name="one", size=2, share=1.0)
    for side in sides.values():
        side["assignment"] = PhenotypeAssignment.objects.create(
            run=run,
            phenotype=phenotype,
            patient=side["walk"].visit.patient,
            visit=side["walk"].visit,
            distance=0.5,
        )
    comparison = ComparisonResult.objects.create(run=run, variable="edss", kind="continuous")
    users = {
        name: UserFactory(username=f"route-{name}", centers=[sides["own"]["center"]], **fields)
        for name, fields in ROLES.items()
    }
    for side, owner in (("own", users["clinician"]), ("other", UserFactory(role=Role.CLINICIAN))):
        sides[side]["job"] = ImportJob.objects.create(user=owner, file_names=["visits.csv"])
    return {"sides": sides, "run": run, "phenotype": phenotype, "comparison": comparison, **users}


def _admin_model(name: str):
    """The model of an admin route name such as admin:registry_patient_change."""
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}_"
        if name.startswith(prefix):
            return model
    return None


def _instance(world, model, side: str):
    records = world["sides"][side]
    by_model = {
        "registry.center": records["center"],
        "registry.patient": records["walk"].visit.patient,
        "registry.visit": records["walk"].visit,
        "registry.gaitsession": records["walk"],
        "registry.mriscan": records["scan"],
        "registry.importjob": records["job"],
        "analytics.phenotypeassignment": records["assignment"],
        "analytics.clusteringrun": world["run"],
    }
    found = by_model.get(model._meta.label_lower)
    return found if found is not None else model._default_manager.order_by("pk").first()


API_RECORDS = {
    "visit": lambda w, s: w["sides"][s]["walk"].visit.pk,
    "gaitsession": lambda w, s: w["sides"][s]["walk"].pk,
    "mriscan": lambda w, s: w["sides"][s]["scan"].pk,
    "assignment": lambda w, s: w["sides"][s]["assignment"].pk,
    "run": lambda w, s: w["run"].pk,
    "phenotype": lambda w, s: w["phenotype"].pk,
    "comparison": lambda w, s: w["comparison"].pk,
}


def _sample(world, name: str, argument: str, side: str):
    records = world["sides"][side]
    if argument == "patient_id":
        return records["walk"].visit.patient.patient_id
    if argument == "visit_id":
        return records["walk"].visit.pk
    if argument == "kind":
        return "gait"
    if argument == "record_id":
        return records["walk"].pk
    if argument == "job_id":
        return records["job"].pk
    if argument == "run_id":
        return world["run"].pk
    if argument == "format":
        return "json"
    if argument == "id" and name == "admin:auth_user_password_change":
        return world["clinician"].pk
    if argument == "pk" and name.startswith("api-"):
        return API_RECORDS[name.removeprefix("api-").removesuffix("-detail")](world, side)
    model = _admin_model(name)
    if model is not None and argument == "object_id":
        obj = _instance(world, model, side)
        return obj.pk if obj is not None else 1
    if model is not None and argument == "version_id":
        obj = _instance(world, model, side)
        history = getattr(obj, "history", None)
        return history.earliest().history_id if history is not None else 1
    raise AssertionError(
        f"route {name}: no sample value for its argument {argument!r}; add one to this test"
    )


def _requests(world):
    """(route name, side, url) for every route; app-level admin pages once per app."""
    for name, text, arguments in all_routes():
        if name in PUBLIC:
            continue
        if name.startswith("(unnamed) admin/"):
            continue  # the admin's redirects (an old change address, a missing slash)
        if name.startswith("(unnamed)"):
            raise AssertionError(f"route {text} has no name: name it, or list it in PUBLIC")
        if arguments == ("app_label",):
            for label in sorted({m._meta.app_label for m in admin.site._registry}):
                yield name, "own", reverse(name, kwargs={"app_label": label})
            continue
        if not arguments:
            yield name, "own", reverse(name)
            continue
        positional = re.search(r"\((?!\?)", text) is not None
        urls = {}
        for side in ("own", "other"):
            values = {a: _sample(world, name, a, side) for a in arguments}
            if positional:
                urls[side] = reverse(name, args=list(values.values()))
            else:
                urls[side] = reverse(name, kwargs=values)
        yield name, "own", urls["own"]
        if urls["other"] != urls["own"]:  # the route names a record of one centre
            yield name, "other", urls["other"]


def test_every_route_asks_the_access_module_or_refuses(client, world):
    requests = list(_requests(world))
    assert len(requests) > 100  # pages, API and admin are all in the walk
    problems = []
    for role in ROLES:
        user = world[role]
        client.force_login(user)
        for name, side, url in requests:
            with access.recording() as asked:
                response = client.get(url)
                if response.status_code == 405 and not access.has_writing_role(user):
                    response = client.post(url, {})
            status = response.status_code
            if status >= 500:
                problems.append(f"{role} {url}: {status}")
            elif status not in REFUSED and not asked:
                problems.append(f"{role} {url} ({name}): {status} without asking registry.access")
            elif (
                side == "other"
                and role != "superuser"
                and status == 200
                and _names_other_centre(name)
            ):
                problems.append(f"{role} {url} ({name}): another centre's record was served")
    assert problems == [], "\n".join(problems)


def test_every_route_refuses_a_visitor_who_is_not_signed_in(client, world):
    served = []
    for name, _side, url in _requests(world):
        response = client.get(url)
        if response.status_code not in REFUSED:
            served.append(f"{url} ({name}): {response.status_code}")
    assert served == []


def _names_other_centre(name: str) -> bool:
    """Routes whose argument is a record of one centre (not a cohort-level result)."""
    cohort_level = ("api-run", "api-phenotype", "api-comparison", "comparisons-csv", "pca-data")
    if name.startswith(cohort_level):
        return False
    model = _admin_model(name)
    if model is not None:
        centred = {"center", "patient", "visit", "gaitsession", "mriscan"}
        return model._meta.model_name in centred or model._meta.label_lower == (
            "analytics.phenotypeassignment"
        )
    return True


def test_the_walk_finds_pages_api_and_admin_routes():
    names = {name for name, _text, _arguments in all_routes()}
    for expected in (
        "patient-detail",
        "visit-edit",
        "api-patient-detail",
        "api-assignment-list",
        "admin:registry_patient_history",
        "admin:registry_patient_simple_history",
        "import-errors",
    ):
        assert expected in names


def test_ids_that_exist_nowhere_are_refused_like_another_centres(client, world):
    client.force_login(world["clinician"])
    assert client.get(reverse("import-detail", args=[uuid.uuid4()])).status_code == 404
    assert client.get(reverse("visit-edit", args=["SYN-A1", 987654])).status_code == 404
    assert client.get(reverse("patient-detail", args=["SYN-NOBODY"])).status_code == 404

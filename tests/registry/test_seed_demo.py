from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command

from registry.demo.accounts import demo_users_ensure
from registry.models import DemoTruth, GaitSession, MriScan, Patient, User, Visit

pytestmark = pytest.mark.django_db

PAPER_SHARES = {1: 47.8, 2: 32.3, 3: 12.6, 4: 7.4}


def _counts() -> dict[str, int]:
    models = (Patient, Visit, GaitSession, MriScan, DemoTruth)
    return {model.__name__: model.objects.count() for model in models}


def test_seed_demo_twice_gives_the_same_counts():
    call_command("seed_demo", "--patients", "150", "--seed", "3", stdout=StringIO())
    first = _counts()
    out = StringIO()
    call_command("seed_demo", "--patients", "150", "--seed", "3", stdout=out)
    assert _counts() == first
    assert "0 patients created, 150 already present" in out.getvalue()
    assert first["Patient"] == 150 and first["Visit"] >= 150


def test_demo_patients_are_marked_synthetic_and_flags_are_computed():
    call_command("seed_demo", "--patients", "60", stdout=StringIO())
    assert not Patient.objects.exclude(patient_id__startswith="DEMO-").exists()
    assert GaitSession.objects.filter(condition="comfortable").count() == Visit.objects.count()
    flagged = [g for g in GaitSession.objects.all() if g.quality_flags]
    # Stored flags equal what the rules say now (bulk writes evaluate them too).
    from registry.quality import gait_flags

    assert all(g.quality_flags == gait_flags(g.measurements()) for g in GaitSession.objects.all())
    assert len(flagged) <= 0.1 * GaitSession.objects.count()


def test_bulk_seeded_records_have_audit_history():
    call_command("seed_demo", "--patients", "40", stdout=StringIO())
    assert Patient.history.count() == Patient.objects.count() == 40
    assert Visit.history.count() == Visit.objects.count()
    assert GaitSession.history.count() == GaitSession.objects.count()
    reasons = set(Visit.history.values_list("history_change_reason", flat=True))
    assert reasons == {"synthetic demo cohort (seed_demo)"}


@pytest.mark.slow
def test_full_demo_cohort_has_the_papers_phenotype_shares():
    call_command("seed_demo", stdout=StringIO())
    assert Patient.objects.count() == 1026
    latest = {}
    for patient_id, phenotype in DemoTruth.objects.values_list(
        "visit__patient_id", "phenotype"
    ).order_by("visit__visit_date"):
        latest[patient_id] = phenotype
    shares = Counter(latest.values())
    for phenotype, expected in PAPER_SHARES.items():
        assert abs(100 * shares[phenotype] / 1026 - expected) <= 3


def test_seed_demo_refuses_an_absurd_size():
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--patients = 0 is outside the allowed range"):
        call_command("seed_demo", "--patients", "0", stdout=StringIO())


def test_demo_logins_exist_once_per_role_and_print_passwords_once():
    call_command("seed_demo", "--patients", "30", stdout=StringIO())
    created = demo_users_ensure()
    assert set(created) == {"demo-clinician", "demo-researcher", "demo-admin"}
    assert demo_users_ensure() == {}
    clinician = User.objects.get(username="demo-clinician")
    assert clinician.check_password(created["demo-clinician"])
    assert clinician.role == "clinician" and clinician.centers.count() == 3
    assert User.objects.get(username="demo-admin").is_superuser
    assert not User.objects.get(username="demo-researcher").is_staff
    out = StringIO()
    call_command("demo_users", stdout=out)
    assert "already exist" in out.getvalue()

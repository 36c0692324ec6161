"""The whole record where people look for it: the visit page, editing demographics,
deleting a visit, flags and their acknowledgement, the printable report."""

import datetime
import io

import pytest
from django.urls import reverse

from analytics.formatting import p_value, significant
from registry.models import FlagAcknowledgement, GaitSession, Role, Visit
from tests.factories import (
    CenterFactory,
    GaitSessionFactory,
    MriScanFactory,
    PatientFactory,
    UserFactory,
    VisitFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit():
    patient = PatientFactory(
        patient_id="SYN-V1", center=CenterFactory(code="TST-V"), birth_year=1980, onset_year=2005
    )
    visit = VisitFactory(patient=patient, visit_date=datetime.date(2024, 3, 1), edss=3.5)
    GaitSessionFactory(visit=visit, condition="comfortable")
    GaitSessionFactory(visit=visit, condition="fast", velocity_m_s=1.31, swing_pct=50.0)
    MriScanFactory(patient=patient, scan_date=datetime.date(2024, 3, 20))
    MriScanFactory(patient=patient, scan_date=datetime.date(2019, 1, 5))  # far from any visit
    return visit


def _login(client, visit, role=Role.CLINICIAN):
    user = UserFactory(role=role, centers=[visit.patient.center])
    client.force_login(user)
    return user


def test_a_researcher_reads_every_score_walk_and_scan_metric_on_the_visit_page(client, visit):
    _login(client, visit, Role.RESEARCHER)
    url = reverse("visit-detail", args=["SYN-V1", visit.pk])
    html = client.get(url).content.decode()
    assert "Fast" in html and "1.31" in html  # the fast-speed walk is shown
    for label in ("Velocity (m/s)", "Stride time CV (%)", "Base of support (m)", "Swing (% cycle)"):
        assert label in html
    assert "2024-03-20" in html and "synthetic-seg 1.0" in html and "WMF" in html
    assert ">44<" in html  # age at visit
    assert "19 years" in html  # disease duration since onset 2005
    assert "Edit" not in html.split("<main>")[1].split("</h1>")[0]


def test_the_patient_page_lists_every_scan_even_far_from_visits(client, visit):
    _login(client, visit, Role.RESEARCHER)
    html = client.get(reverse("patient-detail", args=["SYN-V1"])).content.decode()
    assert "2019-01-05" in html and "outside the 180-day window" in html


def test_a_clinician_edits_demographics_with_history(client, visit):
    user = _login(client, visit)
    url = reverse("patient-edit", args=["SYN-V1"])
    data = {"patient_id": "SYN-V1", "center": visit.patient.center.pk, "sex": "M"}
    response = client.post(url, {**data, "birth_year": "1979", "onset_year": "2004"})
    assert response.status_code == 302
    patient = visit.patient.__class__.objects.get(pk=visit.patient.pk)
    assert (patient.sex, patient.birth_year) == ("M", 1979)
    assert patient.history.first().history_user == user


def test_a_researcher_may_not_edit_or_delete(client, visit):
    _login(client, visit, Role.RESEARCHER)
    assert client.get(reverse("patient-edit", args=["SYN-V1"])).status_code == 403
    assert client.post(reverse("visit-delete", args=["SYN-V1", visit.pk])).status_code == 403
    assert Visit.objects.filter(pk=visit.pk).exists()


def test_deleting_a_visit_asks_first_and_is_audited(client, visit):
    user = _login(client, visit)
    url = reverse("visit-delete", args=["SYN-V1", visit.pk])
    assert "Delete this visit" in client.get(url).content.decode()
    assert Visit.objects.filter(pk=visit.pk).exists()
    assert client.post(url).status_code == 302
    assert not Visit.objects.filter(pk=visit.pk).exists()
    assert not GaitSession.objects.filter(visit_id=visit.pk).exists()
    deleted = Visit.history.filter(id=visit.pk, history_type="-").get()
    assert deleted.history_user == user
    assert visit.patient.mri_scans.count() == 2


def test_an_acknowledged_flag_stops_counting_and_lapses_when_values_change(client, visit):
    user = _login(client, visit)
    walk = visit.gait_sessions.get(condition="fast")
    assert walk.quality_flags  # swing 50 + stance 61
    flagged = client.get(reverse("patient-list"), {"flagged": "1"}).content.decode()
    assert "SYN-V1" in flagged
    response = client.post(
        reverse("flag-acknowledge", args=["SYN-V1", "gait", walk.pk]),
        {"rule": "swing_stance_sum", "note": "value confirmed on the walkway printout"},
    )
    assert response.status_code == 302
    ack = FlagAcknowledgement.objects.get()
    assert ack.acknowledged_by == user and ack.history.first().history_user == user
    assert "SYN-V1" not in client.get(reverse("patient-list"), {"flagged": "1"}).content.decode()
    page = client.get(reverse("visit-detail", args=["SYN-V1", visit.pk])).content.decode()
    assert "value confirmed on the walkway printout" in page
    walk.swing_pct = 52.0
    walk.save()
    assert "SYN-V1" in client.get(reverse("patient-list"), {"flagged": "1"}).content.decode()


def test_an_acknowledgement_needs_a_note(client, visit):
    _login(client, visit)
    walk = visit.gait_sessions.get(condition="fast")
    url = reverse("flag-acknowledge", args=["SYN-V1", "gait", walk.pk])
    response = client.post(url, {"rule": "swing_stance_sum", "note": " "}, follow=True)
    assert "Note is required" in response.content.decode()
    assert not FlagAcknowledgement.objects.exists()


def test_a_visit_saved_after_the_run_is_pending_analysis_until_it_has_a_phenotype(client, visit):
    from analytics.models import PhenotypeAssignment
    from tests.factories import PublishedRunFactory

    _login(client, visit)
    url = reverse("patient-detail", args=["SYN-V1"])
    assert "pending analysis" not in client.get(url).content.decode()  # no run: nothing comes
    run = PublishedRunFactory(results__patients=[visit.patient])
    later = VisitFactory(patient=visit.patient, visit_date=datetime.date(2024, 9, 1))
    GaitSessionFactory(visit=later)  # saved after the run started
    assert "pending analysis" in client.get(url).content.decode()
    PhenotypeAssignment.objects.create(
        run=run,
        patient=visit.patient,
        visit=later,
        phenotype=run.phenotypes.first(),
        provisional=True,
        distance=0.5,
    )
    assert "pending analysis" not in client.get(url).content.decode()


def test_home_cards_link_to_their_lists_and_export_is_in_the_navigation(client, visit):
    _login(client, visit)
    html = client.get(reverse("home")).content.decode()
    assert f'href="{reverse("patient-list")}?flagged=1"' in html
    assert html.count(f'href="{reverse("export-deidentified")}"') >= 1
    assert "<nav" in html and reverse("export-deidentified") in html.split("</nav>")[0]


def test_an_administrator_gets_a_run_now_button_on_a_fresh_install(client):
    client.force_login(UserFactory(role=Role.ADMIN))
    html = client.get(reverse("phenotype-dashboard")).content.decode()
    assert 'class="run-now"' in html and "in the admin" not in html
    client.force_login(UserFactory(role=Role.RESEARCHER))
    assert 'class="run-now"' not in client.get(reverse("phenotype-dashboard")).content.decode()


def test_numbers_are_formatted_for_people():
    assert p_value(6.47e-159) == "6.5\u00a0×\u00a010⁻¹⁵⁹"
    assert p_value(0.0432) == "0.043"
    assert significant(123.456) == "123"
    assert significant(0.012345) == "0.0123"


def test_the_report_pdf_has_the_patients_record_in_its_text(client, visit):
    from pypdf import PdfReader

    _login(client, visit, Role.RESEARCHER)
    html = client.get(reverse("patient-report", args=["SYN-V1"])).content.decode()
    assert "<svg" in html and "Mobility report" in html
    response = client.get(reverse("patient-report-pdf", args=["SYN-V1"]))
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    assert 1 <= len(reader.pages) <= 2
    text = " ".join(page.extract_text() for page in reader.pages)
    for expected in ("SYN-V1", "TST-V", "Latest MRI", "2024-03-20", "EDSS", "Printed"):
        assert expected in text, expected
    assert "Swing and stance do not add up" in text


def test_comparison_rows_are_labelled_for_people():
    from analytics.selectors import variable_label

    assert variable_label("velocity_m_s") == "Velocity (m/s)"
    assert variable_label("brain_parenchymal_fraction") == "BPF"
    assert variable_label("age_years") == "Age (years)"


def test_tiny_p_values_read_as_powers_of_ten_on_the_dashboard_and_the_admin_run_page(client):
    from analytics.models import ComparisonResult
    from tests.factories import PublishedRunFactory

    GaitSessionFactory()
    run = PublishedRunFactory()
    ComparisonResult.objects.filter(run=run).delete()
    ComparisonResult.objects.create(
        run=run, order=0, variable="edss", kind="continuous", test="Kruskal–Wallis",
        statistic=731.25, df=3, p_value=6.47e-159, p_adjusted=6.47e-159,
        effect_size=0.71, effect_size_name="epsilon²",
    )  # fmt: skip
    client.force_login(UserFactory(is_superuser=True))
    dashboard = client.get(reverse("phenotype-dashboard")).content.decode()
    admin = client.get(reverse("admin:analytics_clusteringrun_change", args=[run.pk]))
    for html in (dashboard, admin.content.decode()):
        assert "6.5\u00a0×\u00a010⁻¹⁵⁹" in html or "6.5&nbsp;×&nbsp;10⁻¹⁵⁹" in html
        assert "0.000000000000" not in html and "e-159" not in html


def test_the_report_speaks_german_when_the_reader_does(client, visit):
    from pypdf import PdfReader

    _login(client, visit, Role.RESEARCHER)
    response = client.get(reverse("patient-report-pdf", args=["SYN-V1"]), HTTP_ACCEPT_LANGUAGE="de")
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    assert "Mobilitätsbericht" in text and "Ganggeschwindigkeit" in text
    assert "01.03.2024" in text  # dates as Germans write them


def test_the_report_pdf_stays_within_two_pages_for_a_long_record(client, visit):
    """Forty visits, each with an implausible walk: the table shows the latest visits and
    the flags list the first ones, each saying how many more there are."""
    from pypdf import PdfReader

    patient = visit.patient
    for n in range(40):
        day = datetime.date(2010 + n // 12, 1 + n % 12, 15)
        earlier = VisitFactory(patient=patient, visit_date=day)
        GaitSessionFactory(visit=earlier, condition="comfortable", swing_pct=50.0)
    _login(client, visit, Role.RESEARCHER)
    html = client.get(reverse("patient-report", args=["SYN-V1"])).content.decode()
    assert "29 earlier visits are in the registry" in html
    assert "more flags, listed on the patient" in html
    reader = PdfReader(
        io.BytesIO(client.get(reverse("patient-report-pdf", args=["SYN-V1"])).content)
    )
    assert 1 <= len(reader.pages) <= 2
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "2024-03-01" in text and "SYN-V1" in text

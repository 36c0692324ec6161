"""Factories with obviously synthetic data (ids prefixed SYN-, centres TST-)."""

import datetime

import factory

from registry.models import Center, GaitSession, MriScan, Patient, Role, User, Visit


class CenterFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Center
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"TST-{n}")
    name = factory.LazyAttribute(lambda o: f"Synthetic test centre {o.code}")


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    patient_id = factory.Sequence(lambda n: f"SYN-{n:05d}")
    center = factory.SubFactory(CenterFactory)
    sex = "F"
    birth_year = 1980
    onset_year = 2005
    diagnosis_date = datetime.date(2007, 3, 1)


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    patient = factory.SubFactory(PatientFactory)
    visit_date = factory.Sequence(lambda n: datetime.date(2020, 1, 1) + datetime.timedelta(days=n))
    disease_course = "RRMS"
    edss = 2.0
    msws12 = 20.0
    t25fw_s = 5.5
    walking_aid = "none"


class GaitSessionFactory(factory.django.DjangoModelFactory):
    """A coherent comfortable-speed walk at 1.2 m/s: stride = v * 120 / cadence, and so on."""

    class Meta:
        model = GaitSession

    visit = factory.SubFactory(VisitFactory)
    condition = "comfortable"
    device = "GAITRite"
    software_version = "4.9"
    velocity_m_s = 1.2
    cadence_steps_min = 112.0
    stride_length_m = 1.286  # 1.2 m/s x 120 / 112 steps/min
    step_length_m = 0.643
    stride_time_s = factory.LazyAttribute(lambda o: round(120 / o.cadence_steps_min, 3))
    step_time_s = factory.LazyAttribute(lambda o: round(o.stride_time_s / 2, 3))
    double_support_pct = 22.0
    swing_pct = 39.0
    stance_pct = 61.0
    base_of_support_m = 0.1
    stride_length_cv_pct = 3.0
    stride_time_cv_pct = 2.5


class MriScanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = MriScan

    patient = factory.SubFactory(PatientFactory)
    scan_date = factory.Sequence(lambda n: datetime.date(2020, 2, 1) + datetime.timedelta(days=n))
    field_strength_t = 3.0
    software = "synthetic-seg 1.0"
    t2_lesion_volume_ml = 5.0
    t2_lesion_count = 20
    gd_enhancing_lesions = 0
    brain_parenchymal_fraction = 0.83
    grey_matter_fraction = 0.45
    white_matter_fraction = 0.38


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"synthetic-user-{n}")
    role = Role.CLINICIAN
    is_staff = True
    password = factory.django.Password("synthetic-pass-123")

    @factory.post_generation
    def centers(self, create, extracted, **kwargs):
        if create and extracted:
            self.centers.set(extracted)

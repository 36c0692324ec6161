"""Data-entry forms. Ranges, choices and messages come from the model fields, so a form
says exactly what the database would refuse, naming the field and the allowed range."""

from django import forms
from django.forms import inlineformset_factory

from registry.models import GAIT_FIELDS, Center, GaitSession, MriScan, Patient, Visit
from registry.models.scoping import visible_center_ids

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class PatientForm(forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["patient_id", "center", "sex", "birth_year", "onset_year", "diagnosis_date"]
        widgets = {"diagnosis_date": DATE}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        visible = visible_center_ids(user)
        centers = Center.objects.all() if visible is None else Center.objects.filter(id__in=visible)
        self.fields["center"].queryset = centers


class VisitForm(forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["visit_date", "disease_course", "edss", "msws12", "t25fw_s", "walking_aid"]
        widgets = {"visit_date": DATE}


class GaitForm(forms.ModelForm):
    class Meta:
        model = GaitSession
        fields = ["condition", "device", "software_version", *GAIT_FIELDS]


GaitFormSet = inlineformset_factory(
    Visit, GaitSession, form=GaitForm, extra=1, can_delete=True, max_num=3
)


class MriForm(forms.ModelForm):
    """An optional scan entered with the visit; leave the date empty to add none."""

    class Meta:
        model = MriScan
        fields = [
            "scan_date",
            "field_strength_t",
            "software",
            "t2_lesion_volume_ml",
            "t2_lesion_count",
            "gd_enhancing_lesions",
            "brain_parenchymal_fraction",
            "grey_matter_fraction",
            "white_matter_fraction",
        ]
        widgets = {"scan_date": DATE}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scan_date"].required = False

    def has_scan(self) -> bool:
        return bool(self.cleaned_data.get("scan_date"))

    def _post_clean(self):
        # Without a date there is no scan to validate against the model.
        if self.cleaned_data.get("scan_date"):
            super()._post_clean()

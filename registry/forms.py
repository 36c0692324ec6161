"""Data-entry forms. Ranges, choices and messages come from the model fields, so a form
says exactly what the database would refuse, naming the field and the allowed range."""

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS
from django.forms import BaseInlineFormSet, inlineformset_factory
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from registry.labels import labelled
from registry.models import GAIT_FIELDS, GaitSession, MriScan, Patient, Visit
from registry.selectors import center_choices_for_writing

# What a date looks like in the page's language (placeholder and error message).
DATE_HINT = pgettext_lazy("date format hint", "YYYY-MM-DD")


class PageLanguageDateInput(forms.DateInput):
    """A date written as the page's language writes it: 01.10.2025 on a German page,
    2025-10-01 on an English one. A native date picker follows the phone's or browser's
    locale instead, so a German page on an English phone would read 10/01/2025; a text
    field shows the same date format as every other date on the page."""

    input_type = "text"

    def __init__(self, attrs=None):
        defaults = {"placeholder": DATE_HINT, "autocomplete": "off", "spellcheck": "false"}
        super().__init__(attrs={**defaults, **(attrs or {})})


class PageLanguageDateField(forms.DateField):
    """Accepts the page language's date format and ISO (config/formats); a date it
    cannot read is refused with the field, the text typed and the format to use."""

    widget = PageLanguageDateInput

    def __init__(self, *, help_text="", **kwargs):
        # The format stays in view once the field is filled (a placeholder would not).
        super().__init__(help_text=help_text or DATE_HINT, **kwargs)

    def bound_data(self, data, initial):
        # A date typed in another accepted form (ISO on a German page) is shown back in
        # the page's format when the form comes back with errors: the reading is visible.
        try:
            return self.to_python(data) or data
        except forms.ValidationError:
            return data

    def to_python(self, value):
        try:
            return super().to_python(value)
        except forms.ValidationError as exc:
            if getattr(exc, "code", None) != "invalid":
                raise
            raise forms.ValidationError(
                gettext("%(label)s = “%(value)s” is not a date; write it as %(hint)s."),
                code="invalid",
                params={"label": self.label, "value": str(value).strip()[:40], "hint": DATE_HINT},
            ) from None


def _same_day_record(instance, date_field: str, day):
    """Another record of the instance's patient on that day (the natural key a visit and a
    scan share), or None: the form names the clash before the database refuses it."""
    return (
        type(instance)
        .objects.filter(patient_id=instance.patient_id, **{date_field: day})
        .exclude(pk=instance.pk)
        .first()
    )


class LabelledErrors:
    """Error messages name fields by their label ("Birth year = 1850 …"), not by the
    column name the shared validators use."""

    def full_clean(self):
        super().full_clean()
        model = self._meta.model
        for name, errors in list(self._errors.items()):
            self._errors[name] = self.error_class(
                [labelled(m, model) for m in errors],
                error_class="nonfield" if name == NON_FIELD_ERRORS else None,
                renderer=self.renderer,
            )


class PatientForm(LabelledErrors, forms.ModelForm):
    class Meta:
        model = Patient
        fields = ["patient_id", "center", "sex", "birth_year", "onset_year", "diagnosis_date"]
        labels = {
            "patient_id": _("Pseudonym"),
            "center": _("Centre"),
            "sex": _("Sex"),
            "birth_year": _("Birth year"),
            "onset_year": _("Onset year"),
            "diagnosis_date": _("Diagnosis date"),
        }
        field_classes = {"diagnosis_date": PageLanguageDateField}

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the centres the user writes in: another centre's code is "not a choice",
        # the same answer as a code that does not exist.
        self.fields["center"].queryset = center_choices_for_writing(user=user)


class VisitForm(LabelledErrors, forms.ModelForm):
    class Meta:
        model = Visit
        fields = ["visit_date", "disease_course", "edss", "msws12", "t25fw_s", "walking_aid"]
        labels = {
            "visit_date": _("Visit date"),
            "disease_course": _("Disease course"),
            "walking_aid": _("Walking aid"),
        }
        field_classes = {"visit_date": PageLanguageDateField}

    def clean_visit_date(self):
        day = self.cleaned_data.get("visit_date")
        visit = self.instance
        if day is None:
            return day
        other = _same_day_record(visit, "visit_date", day)
        if other is not None:
            raise forms.ValidationError(
                format_html(
                    '{} <a href="{}">{}</a>',
                    gettext("This patient already has a visit on %(day)s.")
                    % {"day": date_format(day, "SHORT_DATE_FORMAT")},
                    reverse("visit-detail", args=[visit.patient.patient_id, other.pk]),
                    gettext("Open that visit"),
                ),
                code="duplicate_visit",
            )
        return day


class GaitForm(LabelledErrors, forms.ModelForm):
    class Meta:
        model = GaitSession
        fields = ["condition", "device", "software_version", *GAIT_FIELDS]
        labels = {
            "condition": _("Condition"),
            "device": _("Device"),
            "software_version": _("Software version"),
        }


class BaseGaitFormSet(BaseInlineFormSet):
    def get_unique_error_message(self, unique_check):
        if "condition" in unique_check:
            return gettext(
                "Two gait sessions have the same condition; a visit has at most one walk "
                "per condition (comfortable, fast, dual task). Change the condition of one "
                "or remove it."
            )
        return super().get_unique_error_message(unique_check)

    def get_form_error(self):
        return gettext("This walk's condition is used by another gait session of this visit.")


GaitFormSet = inlineformset_factory(
    Visit,
    GaitSession,
    form=GaitForm,
    formset=BaseGaitFormSet,
    extra=1,
    can_delete=True,
    max_num=3,
)


class MriForm(LabelledErrors, forms.ModelForm):
    """An optional scan entered with the visit; leave the date empty to add none. On an
    existing visit it shows the patient's scan nearest to the visit, to correct it."""

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
        labels = {"scan_date": _("Scan date"), "software": _("Software")}
        field_classes = {"scan_date": PageLanguageDateField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scan_date"].required = False

    def has_scan(self) -> bool:
        return bool(self.cleaned_data.get("scan_date"))

    def clean_scan_date(self):
        day = self.cleaned_data.get("scan_date")
        scan = self.instance
        if day is None:
            return day
        other = _same_day_record(scan, "scan_date", day)
        if other is not None:
            raise forms.ValidationError(
                format_html(
                    '{} <a href="{}#mri-{}">{}</a>',
                    gettext(
                        "This patient already has an MRI scan of %(day)s; change that scan "
                        "instead of adding it again."
                    )
                    % {"day": date_format(day, "SHORT_DATE_FORMAT")},
                    reverse("patient-detail", args=[scan.patient.patient_id]),
                    other.pk,
                    gettext("Open that scan"),
                ),
                code="duplicate_scan",
            )
        return day

    def _post_clean(self):
        # Without a date there is no scan to validate against the model.
        if self.cleaned_data.get("scan_date"):
            super()._post_clean()


class PatientFilterForm(forms.Form):
    """The patient list's EDSS range. A value that cannot be a filter is said so next to
    the list instead of silently matching nobody."""

    edss_min = forms.CharField(required=False, label=_("EDSS from"))
    edss_max = forms.CharField(required=False, label=_("EDSS to"))

    def _edss(self, name: str) -> float | None:
        raw = (self.cleaned_data.get(name) or "").strip()
        if not raw:
            return None
        label = self.fields[name].label
        try:
            value = float(raw.replace(",", "."))
        except ValueError:
            value = None
        if value is None or not 0 <= value <= 10:
            raise forms.ValidationError(
                _("%(label)s = “%(value)s” is not an EDSS value; enter a number from 0 to 10."),
                code="invalid",
                params={"label": label, "value": raw},
            )
        return value

    def clean_edss_min(self) -> float | None:
        return self._edss("edss_min")

    def clean_edss_max(self) -> float | None:
        return self._edss("edss_max")

    def clean(self):
        low, high = self.cleaned_data.get("edss_min"), self.cleaned_data.get("edss_max")
        if low is not None and high is not None and low > high:
            raise forms.ValidationError(
                _(
                    "EDSS from %(low)s is above EDSS to %(high)s, so no patient could match; "
                    "the range was not applied."
                ),
                code="reversed",
                params={"low": f"{low:g}", "high": f"{high:g}"},
            )
        return self.cleaned_data

    def edss_range(self) -> tuple[float | None, float | None]:
        """The bounds that passed every check; a bad one is left out of the query."""
        if self.non_field_errors():
            return None, None
        data = self.cleaned_data
        return data.get("edss_min"), data.get("edss_max")


class FlagAcknowledgeForm(forms.Form):
    rule = forms.CharField(max_length=40, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note"),
        max_length=500,
        error_messages={
            "required": _("Note is required: say what was checked (e.g. “value confirmed”)."),
            "max_length": _("Note is too long; allowed up to 500 characters."),
        },
    )

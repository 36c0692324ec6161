from django.urls import path, re_path

from registry import views, views_import
from registry.views_export import deidentified_export

urlpatterns = [
    # Not under /patients/: every name there may be a pseudonym (even "new").
    path("new-patient/", views.patient_new, name="patient-new"),
    path("patients/<str:patient_id>/visits/new/", views.visit_edit, name="visit-new"),
    path("patients/<str:patient_id>/edit/", views.patient_edit, name="patient-edit"),
    path(
        "patients/<str:patient_id>/visits/<int:visit_id>/edit/",
        views.visit_edit,
        name="visit-edit",
    ),
    path(
        "patients/<str:patient_id>/visits/<int:visit_id>/delete/",
        views.visit_delete_confirm,
        name="visit-delete",
    ),
    re_path(
        r"^patients/(?P<patient_id>[^/]+)/flags/(?P<kind>gait|mri)/(?P<record_id>[0-9]+)/acknowledge/$",
        views.flag_acknowledge_view,
        name="flag-acknowledge",
    ),
    path("exports/deidentified/", deidentified_export, name="export-deidentified"),
    path("imports/", views_import.import_list, name="import-list"),
    path("imports/new/", views_import.import_new, name="import-new"),
    path("imports/<uuid:job_id>/", views_import.import_detail, name="import-detail"),
    path("imports/<uuid:job_id>/errors.csv", views_import.import_errors_csv, name="import-errors"),
    path("imports/<uuid:job_id>/import-now/", views_import.import_now, name="import-now"),
    path("imports/dictionary/", views_import.import_dictionary, name="import-dictionary"),
    re_path(
        r"^imports/templates/(?P<kind>[a-z]+)\.csv$",
        views_import.import_template,
        name="import-template",
    ),
]

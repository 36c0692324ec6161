from django.urls import path

from registry import views, views_import
from registry.views_export import deidentified_export

urlpatterns = [
    path("patients/new/", views.patient_new, name="patient-new"),
    path("patients/<str:patient_id>/visits/new/", views.visit_edit, name="visit-new"),
    path("patients/<str:patient_id>/visits/<int:visit_id>/", views.visit_edit, name="visit-edit"),
    path("exports/deidentified/", deidentified_export, name="export-deidentified"),
    path("imports/", views_import.import_list, name="import-list"),
    path("imports/new/", views_import.import_new, name="import-new"),
    path("imports/<uuid:job_id>/", views_import.import_detail, name="import-detail"),
    path("imports/<uuid:job_id>/errors.csv", views_import.import_errors_csv, name="import-errors"),
]

from django.urls import path

from registry import views
from registry.views_export import deidentified_export

urlpatterns = [
    path("patients/new/", views.patient_new, name="patient-new"),
    path("patients/<str:patient_id>/visits/new/", views.visit_edit, name="visit-new"),
    path("patients/<str:patient_id>/visits/<int:visit_id>/", views.visit_edit, name="visit-edit"),
    path("exports/deidentified/", deidentified_export, name="export-deidentified"),
]

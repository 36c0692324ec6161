from django.urls import path

from analytics import views, views_record

urlpatterns = [
    path("", views.home, name="home"),
    path("patients/", views.patient_list, name="patient-list"),
    path("patients/<str:patient_id>/", views.patient_detail, name="patient-detail"),
    path(
        "patients/<str:patient_id>/visits/<int:visit_id>/",
        views_record.visit_detail,
        name="visit-detail",
    ),
    path("patients/<str:patient_id>/report/", views_record.patient_report, name="patient-report"),
    path(
        "patients/<str:patient_id>/report.pdf",
        views_record.patient_report_pdf,
        name="patient-report-pdf",
    ),
    path("phenotypes/", views.phenotype_dashboard, name="phenotype-dashboard"),
    path("runs/<int:run_id>/pca.json", views.pca_data, name="pca-data"),
    path("runs/rerun/", views.rerun, name="rerun"),
    path("runs/<int:run_id>/comparisons.csv", views.comparisons_csv, name="comparisons-csv"),
]

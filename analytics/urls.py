from django.urls import path

from analytics import views

urlpatterns = [
    path("", views.home, name="home"),
    path("patients/", views.patient_list, name="patient-list"),
    path("patients/<str:patient_id>/", views.patient_detail, name="patient-detail"),
    path("phenotypes/", views.phenotype_dashboard, name="phenotype-dashboard"),
    path("runs/rerun/", views.rerun, name="rerun"),
    path("runs/<int:run_id>/comparisons.csv", views.comparisons_csv, name="comparisons-csv"),
]

from django.urls import path

from . import export_views, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("exports/scans.csv", export_views.scans_csv, name="export-scans"),
    path("exports/cases.csv", export_views.cases_csv, name="export-cases"),
    path(
        "api/v1/items/<str:gtin>/<str:serial>/epcis",
        export_views.ItemEpcisView.as_view(),
        name="api-item-epcis",
    ),
]

from django.urls import path

from . import epcis_views, export_views, views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("metrics", views.metrics, name="metrics"),
    path("exports/scans.csv", export_views.scans_csv, name="export-scans"),
    path("exports/cases.csv", export_views.cases_csv, name="export-cases"),
    # The EPCIS 2.0 REST binding's capture and events query, the subset that fits.
    path("api/v1/epcis/capture", epcis_views.CaptureView.as_view(), name="api-epcis-capture"),
    path(
        "api/v1/epcis/capture/<str:capture_id>",
        epcis_views.CaptureJobView.as_view(),
        name="api-epcis-capture-job",
    ),
    path("api/v1/epcis/events", epcis_views.EventsView.as_view(), name="api-epcis-events"),
    path(
        "api/v1/items/<str:gtin>/<str:serial>/epcis",
        export_views.ItemEpcisView.as_view(),
        name="api-item-epcis",
    ),
]

from django.urls import path

from . import portfolio_views, views

urlpatterns = [
    path("", views.application_list, name="applications"),
    path("sharing/", portfolio_views.sharing, name="sharing"),
    path("sharing/remove", portfolio_views.unshare, name="unshare"),
    path("<str:ref>/", views.application_detail, name="application"),
    path("<str:ref>/<slug:action>/", views.application_action, name="application_action"),
]

# The officers' catalogue, under the verifier's pages (config/urls.py).
catalogue_urlpatterns = [
    path("", portfolio_views.catalogue, name="catalogue"),
    path("<str:gtin>/", portfolio_views.catalogue_product, name="catalogue-product"),
]

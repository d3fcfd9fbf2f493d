from django.urls import path

from . import api, mandate_views, portfolio_views, statistics_views, views

urlpatterns = [
    path("", views.application_list, name="applications"),
    path("sharing/", portfolio_views.sharing, name="sharing"),
    path("sharing/remove", portfolio_views.unshare, name="unshare"),
    path("alerts/", portfolio_views.alerts, name="risk-alerts"),
    path("statistics/", statistics_views.detention_statistics, name="detention-statistics"),
    path("representatives/", mandate_views.representatives, name="representatives"),
    path("representatives/act-for", mandate_views.act_for, name="act-for"),
    path("representatives/<str:ref>/withdraw", mandate_views.withdraw_mandate, name="mandate-withdraw"),
    path("alerts/<int:pk>/withdraw", portfolio_views.withdraw_alert, name="risk-alert-withdraw"),
    path("<str:ref>/", views.application_detail, name="application"),
    path("<str:ref>/<slug:action>/", views.application_action, name="application_action"),
]

# The officers' catalogue, under the verifier's pages (config/urls.py).
catalogue_urlpatterns = [
    path("", portfolio_views.catalogue, name="catalogue"),
    path("<str:gtin>/", portfolio_views.catalogue_product, name="catalogue-product"),
]

# The API, under /api/v1/ (config/urls.py).
api_urlpatterns = [
    path("applications", api.ApplicationListView.as_view(), name="api-applications"),
    path("applications/<str:ref>", api.ApplicationDetailView.as_view(), name="api-application"),
    path("applications/<str:ref>/decision", api.DecisionView.as_view(), name="api-application-decision"),
    path(
        "applications/<str:ref>/extension-request",
        api.ExtensionRequestView.as_view(),
        name="api-application-extension-request",
    ),
    path("applications/<str:ref>/extension", api.ExtensionView.as_view(), name="api-application-extension"),
    path(
        "applications/<str:ref>/suspension", api.SuspensionView.as_view(), name="api-application-suspension"
    ),
    path(
        "applications/<str:ref>/revocation", api.RevocationView.as_view(), name="api-application-revocation"
    ),
    path("catalogue", api.CatalogueView.as_view(), name="api-catalogue"),
    path("portfolio/shares", api.SharesView.as_view(), name="api-portfolio-shares"),
    path("portfolio/looks", api.LooksView.as_view(), name="api-portfolio-looks"),
    path("risk-alerts", api.RiskAlertListView.as_view(), name="api-risk-alerts"),
    path("representatives", api.RepresentativeListView.as_view(), name="api-representatives"),
    path("mandates", api.MandateListView.as_view(), name="api-mandates"),
    path("mandates/<str:ref>/withdrawal", api.MandateWithdrawalView.as_view(), name="api-mandate-withdrawal"),
    path(
        "risk-alerts/<int:pk>/withdrawal",
        api.RiskAlertWithdrawalView.as_view(),
        name="api-risk-alert-withdrawal",
    ),
]

from django.urls import path, re_path

from . import api, case_views, file_views, views

urlpatterns = [
    path("verify/", views.verify_page, name="verify"),
    path("verify/offline/", views.offline_page, name="verify-offline"),
    path("verify/proof/", views.proof_page, name="verify-proof"),
    path("verify/consignment/", views.consignment_page, name="verify-consignment"),
    path("verify/sw.js", views.service_worker, name="verify-sw"),
    path("verify/manifest.webmanifest", views.manifest, name="verify-manifest"),
    path("verify/trust-list.json", views.trust_list, name="trust-list"),
    path("verify/status-list", views.status_list_view, name="status-list"),
    path("verify/suspect", views.suspect, name="verify-suspect"),
    path("verify/cases/", case_views.case_list, name="cases"),
    path("verify/cases/new", case_views.case_new, name="case-new"),
    path("verify/cases/<int:pk>/", case_views.case_detail, name="case"),
    path("verify/cases/<int:pk>/action", case_views.case_action, name="case-action"),
    path("verify/cases/<int:pk>/evidence.zip", case_views.case_evidence, name="case-evidence"),
    path("verify/cases/<int:case_pk>/photos/<int:pk>", file_views.case_photo, name="case-photo"),
    path("verify/products/<int:pk>/image", file_views.product_image, name="product-image"),
    path("verify/guide-photos/<int:pk>", file_views.guide_photo, name="guide-photo"),
    # GS1 Digital Link: /01/<GTIN>/21/<serial>, the serial possibly percent-encoded.
    # The serial is the path's last qualifier: the rest of the path, "/" included (decoded %2F).
    re_path(r"^01/(?P<gtin>\d{8,14})/21/(?P<serial>.{1,60})$", views.label_landing, name="label-landing"),
    re_path(r"^01/(?P<gtin>\d{8,14})$", views.product_landing, name="product-landing"),
    path(".well-known/gs1resolver", views.gs1_resolver_description, name="gs1-resolver"),
]

api_urlpatterns = [
    path("verify", api.VerifyView.as_view(), name="api-verify"),
    path("verify/offline", api.OfflineScansView.as_view(), name="api-verify-offline"),
    path("cases", api.CasesView.as_view(), name="api-cases"),
    path("cases/<int:pk>", api.CaseView.as_view(), name="api-case"),
    path("cases/<int:pk>/answer", api.CaseAnswerView.as_view(), name="api-case-answer"),
    path("cases/<int:pk>/extend", api.CaseExtendView.as_view(), name="api-case-extend"),
    path("cases/<int:pk>/declarant", api.CaseDeclarantView.as_view(), name="api-case-declarant"),
    path("cases/<int:pk>/close", api.CaseCloseView.as_view(), name="api-case-close"),
]

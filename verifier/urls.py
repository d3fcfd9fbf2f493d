from django.urls import path, re_path

from . import views

urlpatterns = [
    path("verify/", views.verify_page, name="verify"),
    path("verify/trust-list.json", views.trust_list, name="trust-list"),
    # GS1 Digital Link: /01/<GTIN>/21/<serial>, the serial possibly percent-encoded.
    re_path(r"^01/(?P<gtin>\d{8,14})/21/(?P<serial>[^/]{1,60})$", views.label_landing, name="label-landing"),
]

api_urlpatterns = [path("verify", views.VerifyView.as_view(), name="api-verify")]

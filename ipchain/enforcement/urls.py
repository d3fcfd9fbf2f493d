from django.urls import path

from . import views

urlpatterns = [
    path("", views.application_list, name="applications"),
    path("<str:ref>/", views.application_detail, name="application"),
    path("<str:ref>/<slug:action>/", views.application_action, name="application_action"),
]

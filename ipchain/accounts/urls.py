from django.urls import path

from . import views

urlpatterns = [
    path("invitation/<str:token>/", views.accept_invitation, name="accept-invitation"),
]

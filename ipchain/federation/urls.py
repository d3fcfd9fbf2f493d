from django.urls import path

from . import views

witness_urlpatterns = [
    path("witness/add-checkpoint", views.add_checkpoint, name="witness-add-checkpoint"),
    path("witness/key", views.witness_key, name="witness-key"),
]

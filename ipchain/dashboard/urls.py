from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("", views.dashboard, name="page"),
    path("<slug:name>.csv", views.table_csv, name="csv"),
    path("failed-tasks/<int:pk>/retry/", views.retry_task, name="retry"),
    path("audit/", views.run_audit, name="run_audit"),
]

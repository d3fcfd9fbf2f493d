from django.apps import AppConfig


class DashboardConfig(AppConfig):
    name = "ipchain.dashboard"
    label = "dashboard"
    verbose_name = "Office dashboard"

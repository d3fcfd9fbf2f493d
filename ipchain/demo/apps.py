from django.apps import AppConfig


class DemoConfig(AppConfig):
    """Demo data for a fresh node (`manage.py ipchain_demo`): above every other app, it fills
    them all; nothing imports it."""

    name = "ipchain.demo"
    label = "demo"
    verbose_name = "Demo data"

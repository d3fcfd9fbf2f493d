from django.apps import AppConfig


class FederationConfig(AppConfig):
    name = "ipchain.federation"
    label = "federation"
    verbose_name = "Federation"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (connects the cosigning trigger)

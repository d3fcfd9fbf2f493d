from django.apps import AppConfig


class OperationsConfig(AppConfig):
    name = "ipchain.operations"
    label = "operations"
    verbose_name = "Operations"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (records failed Celery tasks)

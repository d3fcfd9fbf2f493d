from django.apps import AppConfig


class OutboxConfig(AppConfig):
    name = "ipchain.outbox"
    label = "outbox"
    verbose_name = "Tasks waiting for the broker"

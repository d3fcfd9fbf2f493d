from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "ipchain.ledger"
    label = "ledger"
    verbose_name = "Ledger"

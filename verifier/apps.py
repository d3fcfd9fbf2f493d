from django.apps import AppConfig


class VerifierConfig(AppConfig):
    name = "verifier"
    label = "verifier"
    verbose_name = "Customs verifier"

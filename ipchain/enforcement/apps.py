from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "ipchain.enforcement"
    label = "enforcement"
    verbose_name = "Customs enforcement"

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_save

        from ipchain.registry.rule_runs import firing_applied
        from verifier import plugins

        from . import portfolio, risk_alerts
        from .applications import rule_fired
        from .covers import covering
        from .models import Application, PortfolioShare

        # The rights rules end applications for action (docs/rules.md); the registry, below
        # this app, tells of each firing it applies.
        firing_applied.connect(rule_fired, dispatch_uid="enforcement-afa-firings")
        # Which application covers detained goods sets a case's procedure (verifier/cases.py).
        plugins.add_case_cover(covering)
        # Customs see a holder's guides when it shares them or an application names them.
        plugins.add_guide_gate(portfolio.guide_shared)
        for model in (Application, PortfolioShare):
            post_save.connect(
                portfolio.forget, sender=model, dispatch_uid=f"portfolio-{model.__name__}-saved"
            )
            post_delete.connect(
                portfolio.forget, sender=model, dispatch_uid=f"portfolio-{model.__name__}-gone"
            )
        # The holders' risk alerts, on the officers' pages.
        plugins.add_officer_notices(risk_alerts.officer_notices)

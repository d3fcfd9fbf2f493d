from django.apps import AppConfig


class EnforcementConfig(AppConfig):
    name = "ipchain.enforcement"
    label = "enforcement"
    verbose_name = "Customs enforcement"

    def ready(self) -> None:
        from ipchain.registry.rule_runs import firing_applied
        from verifier import plugins

        from .applications import rule_fired
        from .covers import covering

        # The rights rules end applications for action (docs/rules.md); the registry, below
        # this app, tells of each firing it applies.
        firing_applied.connect(rule_fired, dispatch_uid="enforcement-afa-firings")
        # Which application covers detained goods sets a case's procedure (verifier/cases.py).
        plugins.add_case_cover(covering)

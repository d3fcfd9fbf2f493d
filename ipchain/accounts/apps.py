from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ipchain.accounts"
    label = "accounts"
    verbose_name = "Organisations and roles"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from .roles import sync_role_groups

        # After every app's migrations, not just ours: the roles hold permissions of apps
        # that migrate after accounts (registry, verifier). The sync is idempotent.
        post_migrate.connect(sync_role_groups, dispatch_uid="ipchain.accounts.sync_role_groups")

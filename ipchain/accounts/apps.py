from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "ipchain.accounts"
    label = "accounts"
    verbose_name = "Organisations and roles"

    def ready(self) -> None:
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group
        from django.db.models.signals import post_migrate

        from . import changes
        from .models import Membership, Organisation
        from .roles import sync_role_groups

        # After every app's migrations, not just ours: the roles hold permissions of apps
        # that migrate after accounts (registry, verifier). The sync is idempotent.
        post_migrate.connect(sync_role_groups, dispatch_uid="ipchain.accounts.sync_role_groups")
        user = get_user_model()
        # What memberships and permissions depend on: processes read them again when one of
        # these changes (changes.py).
        from rest_framework.authtoken.models import Token

        changes.watch(
            Token,
            Organisation,
            Membership,
            user,
            user.groups.through,
            user.user_permissions.through,
            Group,
            Group.permissions.through,
        )

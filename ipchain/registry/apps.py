from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class RegistryConfig(AppConfig):
    name = "ipchain.registry"
    label = "registry"
    verbose_name = "Rights holders, products and items"

    def ready(self) -> None:
        from .keys import encryption_keys
        from .keystore import KeystoreError

        # Every process (web, worker, command) refuses to start with unusable key-encryption
        # keys, rather than failing at the first signature.
        try:
            encryption_keys()
        except KeystoreError as exc:
            raise ImproperlyConfigured(f"IPCHAIN_KEY_ENCRYPTION_KEYS: {exc}") from None

        from ipchain.accounts import changes

        from .models import IpRight, Licence, OrgKey, Product, RightEvent

        # What a registration depends on: processes read it again when one of these changes.
        changes.watch(Product, Product.rights.through, IpRight, RightEvent, Licence, OrgKey)

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class VerifierConfig(AppConfig):
    name = "verifier"
    label = "verifier"
    verbose_name = "Customs verifier"

    def ready(self):
        from ipchain.accounts.models import Organisation
        from ipchain.registry.models import OrgKey, Product

        from . import trustlist

        # What the offline trust list is built from: a change drops the cached list.
        for model in (OrgKey, Product, Organisation):
            uid = f"trust-list-{model.__name__}"
            post_save.connect(trustlist.forget, sender=model, dispatch_uid=uid)
            post_delete.connect(trustlist.forget, sender=model, dispatch_uid=uid + "-deleted")

from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save


class VerifierConfig(AppConfig):
    name = "verifier"
    label = "verifier"
    verbose_name = "Customs verifier"

    def ready(self):
        from ipchain.accounts.models import Organisation
        from ipchain.registry.models import ItemEvent, OrgKey, Product
        from ipchain.registry.standing import standing_changed

        from . import status_list, trustlist

        # Status changes for the offline status list, recorded with each event that makes one.
        post_save.connect(status_list.item_event_saved, sender=ItemEvent, dispatch_uid="status-list-change")
        # And with each change to what labels stand on (an IP right lapsed, assigned...).
        standing_changed.connect(status_list.standing_changed, dispatch_uid="status-list-standing")

        # What the offline trust list is built from: a change drops the cached list.
        for model in (OrgKey, Product, Organisation):
            uid = f"trust-list-{model.__name__}"
            post_save.connect(trustlist.forget, sender=model, dispatch_uid=uid)
            post_delete.connect(trustlist.forget, sender=model, dispatch_uid=uid + "-deleted")

from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ipchain.portal"
    label = "portal"
    verbose_name = "Brand and office portal"

from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "ipchain.registry"
    label = "registry"
    verbose_name = "Rights holders, products and items"

"""Products: the GTINs a brand sells, with the identification guide for customs."""

from django.db import IntegrityError, transaction

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import require

from .digital_link import DigitalLinkError, normalize_gtin
from .errors import RegistryError
from .models import IpRight, Product, ProductImage
from .rights import publish_product
from .standing import guide_hash

GUIDE_FIELDS = ["description", "genuine_features", "packaging", "made_in", "trade_routes", "contact"]


def create_product(*, actor, brand: Organisation, gtin: str, name: str, rights=None, **guide) -> Product:
    """A product, protected by `rights` (IpRight rows of the brand; by default every live
    right it holds: narrowed later on the product's page), published in the log."""
    require(actor, "registry.add_product", brand)
    try:
        gtin14 = normalize_gtin(gtin.strip())
    except DigitalLinkError as exc:
        raise RegistryError(exc.reason, str(exc)) from None
    name = name.strip()
    if not name:
        raise RegistryError("name_required", "a product needs a name")
    if unknown := set(guide) - set(GUIDE_FIELDS) - {"image"}:
        raise RegistryError("unknown_field", f"unknown fields: {', '.join(sorted(unknown))}")
    if rights is None:
        rights = list(brand.ip_rights.filter(status=IpRight.Status.REGISTERED))
    else:
        rights = list(IpRight.objects.filter(pk__in=[getattr(r, "pk", r) for r in rights]))
    if any(right.holder_id != brand.pk for right in rights):
        raise RegistryError("bad_rights", "a product stands on one or more of your own rights")
    try:
        with transaction.atomic():
            product = Product.objects.create(brand=brand, gtin=gtin14, name=name[:200], **guide)
            product.rights.set(rights)
            publish_product(product)
            return product
    except IntegrityError:
        raise RegistryError("duplicate_gtin", f"GTIN {gtin14} is already registered") from None


def update_product(*, actor, product: Product, **changes) -> Product:
    require(actor, "registry.change_product", product.brand)
    if unknown := set(changes) - set(GUIDE_FIELDS) - {"name", "image"}:
        raise RegistryError("unknown_field", f"unknown fields: {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        # As a form saves it: for the image, None keeps the file and False clears it.
        Product._meta.get_field(field).save_form_data(product, value)
    with transaction.atomic():
        before = Product.objects.get(pk=product.pk)
        product.save()
        if guide_hash(before) != guide_hash(product):
            publish_product(product)  # peers learn the guide changed (a hash, not its text)
    return product


def add_photo(*, actor, product: Product, photo, caption: str = "") -> ProductImage:
    """A photo for the identification guide: the genuine product, its packaging, its labels."""
    require(actor, "registry.change_product", product.brand)
    return ProductImage.objects.create(product=product, image=photo, caption=caption.strip()[:200])

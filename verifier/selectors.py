"""The verifier's reads that decide what a person may act on."""

import uuid

from django.core.exceptions import PermissionDenied
from django.db.models import Q

from ipchain.errors import DomainError
from ipchain.registry.digital_link import DigitalLinkError, normalize_gtin
from ipchain.registry.models import IpRight, Product

from . import plugins
from .models import Scan
from .scanners import scanner_for


class SelectorError(DomainError):
    """What an officer named is not found, or not found once."""


def officer_scan(*, user, ref: str) -> Scan:
    """A scan made by this officer of goods whose product is registered here (the item's, or
    the product a forged label's GTIN names) or at a peer office: customs can act on it with
    its rights holder. Anything else is refused alike, so nothing leaks."""
    if not scanner_for(user).trusted:
        raise PermissionDenied("only customs officers act on a scan")
    scan = scan_by_ref(ref)
    if scan is None or scan.officer_id != user.pk or not _of_known_holder(scan):
        raise PermissionDenied("no such scan of a registered product by you")
    return scan


def _of_known_holder(scan: Scan) -> bool:
    return scan_product(scan) is not None or plugins.peer_holder(scan.gtin, scan.serial) is not None


def scan_product(scan: Scan) -> Product | None:
    """The registered product a scan's goods claim to be, if any."""
    if scan.item is not None:
        return scan.item.product
    return Product.objects.select_related("brand").filter(gtin=scan.gtin).first() if scan.gtin else None


def scan_by_ref(ref: str) -> Scan | None:
    try:
        ref = uuid.UUID(str(ref))
    except ValueError:
        return None
    return Scan.objects.select_related("item__product__brand").filter(ref=ref).first()


def product_by_gtin(gtin: str) -> Product | None:
    """A registered product by its GTIN, as typed or scanned (any GTIN form)."""
    try:
        gtin = normalize_gtin(str(gtin))
    except DigitalLinkError:
        return None
    return Product.objects.select_related("brand").filter(gtin=gtin).first()


def right_by_number(number: str) -> IpRight:
    """The IP right in force with this registration number, at any office; refused when none
    or several (then the officer names the product instead)."""
    number = str(number).strip().replace(" ", "")
    found = list(
        IpRight.objects.select_related("holder").filter(
            registration_number__iexact=number, status="registered"
        )[:2]
    )
    if len(found) != 1:
        raise SelectorError(
            "unknown_right" if not found else "ambiguous_right",
            "no IP right in force has this number"
            if not found
            else "several rights have this number: name the product",
        )
    return found[0]


def holder_product_scans(holder):
    """Scans of the holder's products: of its items, and of codes naming one of its GTINs with
    no item (forged labels)."""
    return Scan.objects.filter(
        Q(item__product__brand=holder) | Q(item__isnull=True, gtin__in=holder.products.values("gtin"))
    )

"""Who sees a rights holder's product knowledge, and the officers' catalogue of it.

A holder's identification guides, photos, trade routes and contacts go to the customs
authorities its granted applications for action name, to those it shares them with here, to
the IP office and to itself (docs/enforcement.md). Every officer's look is kept: a verdict's
through its scan (verifier.Scan), a catalogue page's as a GuideView; the holder sees which
authority looked at what.
"""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import membership_of, require
from ipchain.errors import DomainError
from ipchain.registry.models import IpRight, Product
from ipchain.remembered import Remembered
from verifier.selectors import holder_product_scans

from .models import Application, GuideView, PortfolioShare

# authority id -> the holders whose portfolio it sees; read once per cache period per process
# (the verifier asks on every officer's scan), forgotten here on every change.
_shared = Remembered(factor=1)
CATALOGUE_PAGE = 24


class PortfolioError(DomainError):
    pass


def _read_shared(authority_id: int) -> frozenset[int]:
    today = timezone.now().date()
    by_application = Application.objects.filter(
        status__in=Application.IN_FORCE, valid_until__gte=today, authorities=authority_id
    ).values_list("holder_id", flat=True)
    by_choice = PortfolioShare.objects.filter(authority_id=authority_id).values_list("holder_id", flat=True)
    return frozenset([*by_application, *by_choice])


def shared_holders(authority_id: int) -> frozenset[int]:
    return _shared.get(authority_id, _read_shared)


def guide_shared(authority_id: int | None, holder_id: int) -> bool:
    """The verifier's plug-in (verifier.plugins.guide_gate): does this authority see it?"""
    return authority_id is not None and holder_id in shared_holders(authority_id)


def forget(**kwargs) -> None:
    """A share or an application changed: read again (a signal receiver too)."""
    _shared.clear()


def share(*, actor, holder: Organisation, authority: Organisation) -> PortfolioShare:
    require(actor, "enforcement.add_application", holder)
    if authority.kind != Organisation.Kind.CUSTOMS:
        raise PortfolioError("bad_authority", "portfolios are shared with customs authorities")
    with transaction.atomic():
        found, _ = PortfolioShare.objects.get_or_create(
            holder=holder, authority=authority, defaults={"shared_by": actor if actor.pk else None}
        )
    transaction.on_commit(forget)
    return found


def unshare(*, actor, holder: Organisation, authority: Organisation) -> None:
    require(actor, "enforcement.add_application", holder)
    PortfolioShare.objects.filter(holder=holder, authority=authority).delete()
    transaction.on_commit(forget)


def who_sees(holder: Organisation) -> list[dict]:
    """The customs authorities that see the holder's portfolio, and why."""
    today = timezone.now().date()
    rows: dict[int, dict] = {}
    applications = Application.objects.filter(
        holder=holder, status__in=Application.IN_FORCE, valid_until__gte=today
    ).prefetch_related("authorities")
    for application in applications:
        for authority in application.authorities.all():
            row = rows.setdefault(authority.pk, {"authority": authority, "applications": [], "shared": False})
            row["applications"].append(application.ref)
    for chosen in PortfolioShare.objects.filter(holder=holder).select_related("authority"):
        row = rows.setdefault(chosen.authority_id, {"authority": chosen.authority, "applications": []})
        row["shared"] = True
    return sorted(rows.values(), key=lambda r: r["authority"].name)


def _officer_authority(user) -> Organisation | None:
    membership = membership_of(user)
    if membership is None or membership.organisation.kind != Organisation.Kind.CUSTOMS:
        return None
    return membership.organisation


def may_see(user, product: Product) -> bool:
    """The product's guide, for this user: its holder, the office, or an authority it is
    shared with."""
    membership = membership_of(user)
    if membership is None:
        return False
    org = membership.organisation
    if org.kind == Organisation.Kind.OFFICE or org.pk == product.brand_id:
        return True
    return org.kind == Organisation.Kind.CUSTOMS and guide_shared(org.pk, product.brand_id)


def record_view(*, user, product: Product) -> None:
    authority = _officer_authority(user)
    if authority is not None:
        GuideView.objects.create(product=product, authority=authority, officer=user)


def views_of(holder: Organisation, *, limit: int = 200) -> list[dict]:
    """Which customs authority looked at which of the holder's products, newest first: in the
    catalogue, and on a verdict (an officer's scan shows the guide)."""
    looked = [
        {"at": v.at, "authority": v.authority.name, "product": v.product, "via": "catalogue"}
        for v in GuideView.objects.filter(product__brand=holder).select_related("authority", "product")[
            :limit
        ]
    ]
    scans = (
        holder_product_scans(holder)
        .filter(trusted=True, authority__isnull=False)
        .select_related("authority", "item__product")
        .order_by("-created_at")[:limit]
    )
    products = {p.gtin: p for p in holder.products.all()} if scans else {}
    scanned = [
        {
            "at": s.created_at,
            "authority": s.authority.name,
            "product": s.item.product if s.item_id else products.get(s.gtin),
            "via": "scan",
        }
        for s in scans
    ]
    return sorted(looked + scanned, key=lambda row: row["at"], reverse=True)[:limit]


def catalogue(user, *, text: str = "", gtin: str = "", right: str = "", klass: int | None = None):
    """The products whose knowledge `user` may see, matching the search: text in the product's
    or the brand's name, a GTIN (any part), an IP right's number, a Nice or Locarno class."""
    membership = membership_of(user)
    if membership is None:
        raise PermissionDenied("sign in to search the catalogue")
    org = membership.organisation
    found = Product.objects.select_related("brand").prefetch_related("images", "rights")
    if org.kind == Organisation.Kind.CUSTOMS:
        found = found.filter(brand_id__in=shared_holders(org.pk))
    elif org.kind == Organisation.Kind.BRAND:
        found = found.filter(brand=org)
    elif org.kind != Organisation.Kind.OFFICE:
        return found.none()
    for word in text.split()[:5]:
        found = found.filter(Q(name__icontains=word) | Q(brand__name__icontains=word))
    if gtin:
        found = found.filter(gtin__contains=gtin.strip())
    # By subquery, not a join: a join repeats a product per right and needs DISTINCT over
    # every column, which cost ten times the search on 50,000 products (bench/catalogue.py).
    links = Product.rights.through.objects
    if right:
        number = right.strip().replace(" ", "")
        found = found.filter(
            pk__in=links.filter(ipright__registration_number__icontains=number).values("product_id")
        )
    if klass is not None:
        found = found.filter(pk__in=links.filter(ipright_id__in=_rights_in_class(klass)).values("product_id"))
    return found.order_by("brand__name", "name", "pk")


def _rights_in_class(klass: int) -> list[int]:
    """Rights with this Nice or Locarno class: read in Python, as SQLite has no JSON
    containment (rights are few next to products)."""
    rows = IpRight.objects.values_list("pk", "nice_classes", "locarno_classes")
    return [pk for pk, nice, locarno in rows.iterator() if klass in (nice or []) or klass in (locarno or [])]


def not_shared_with(user) -> int:
    """How many holders' portfolios this officer's authority does not see (the catalogue says
    so, and whom to ask)."""
    authority = _officer_authority(user)
    if authority is None:
        return 0
    holders = Organisation.objects.filter(kind=Organisation.Kind.BRAND, products__isnull=False).distinct()
    return holders.exclude(pk__in=shared_holders(authority.pk)).count()

"""What a label stands on: the rights protecting its product, read from the log.

A right's state is its records folded in log order (right_rules.fold), so the node, an
auditor and a peer mirroring the log reason from the same facts. An item keeps its standing
(Item.right_standing, Item.licence) so a scan needs no reading of rights; `restand` renews it
when a right's past changes.
"""

import hashlib
import json
from collections import defaultdict
from datetime import UTC, date

from django.conf import settings
from django.db.models import Q
from django.db.models.functions import TruncDate
from django.dispatch import Signal

from ipchain.accounts.models import Organisation
from ipchain.ledger.models import LogEntry

from . import records, right_rules
from .models import IpRight, Item, Licence, Product, RightEvent

# Sent with [(item id, GTIN, serial, new standing)] when labels' standing changes, in the
# transaction that changes it (the verifier lists them for phones offline).
standing_changed = Signal()

GUIDE_FIELDS = ("name", "description", "genuine_features", "packaging", "made_in", "trade_routes", "contact")


def parameters() -> right_rules.Parameters:
    return right_rules.Parameters(**settings.IPCHAIN_RIGHT_RULES)


def guide_hash(product: Product) -> str:
    """SHA-256 of the identification guide's fields as JSON (sorted keys), hex."""
    guide = {name: getattr(product, name) for name in GUIDE_FIELDS}
    return hashlib.sha256(json.dumps(guide, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def right_states(rights) -> dict[int, right_rules.RightState]:
    """Each right's state from its records in the log (pending ones included, in the order
    they were appended)."""
    rights = list(rights)
    bodies = defaultdict(list)
    rows = (
        RightEvent.objects.filter(right__in=rights)
        .order_by("entry_id")
        .values_list("right_id", "entry_id", "entry__body")
    )
    for right_id, entry_id, body in rows:
        bodies[right_id].append((entry_id, json.loads(bytes(body))))
    states = {}
    for right in rights:
        ledger = right_rules.Ledger()
        if not bodies[right.pk]:
            _legacy(ledger, right)
        for entry_id, record in bodies[right.pk]:
            right_rules.fold(ledger, entry_id, record)
        states[right.pk] = ledger.rights[right_rules.right_key(right.names)]
    return states


def _legacy(ledger: right_rules.Ledger, right: IpRight) -> None:
    """A right recorded before the log kept rights: its columns, until a rule run records it."""
    since = right.registration_date or date(2000, 1, 1)
    ledger.rights[right_rules.right_key(right.names)] = right_rules.RightState(
        right_rules.right_key(right.names), right.kind, since, right.expiry_date, [(since, right.holder.slug)]
    )


def right_state(right: IpRight) -> right_rules.RightState:
    return right_states([right])[right.pk]


def products_for(org: Organisation, gtins) -> dict[str, Product]:
    """The products `org` may register items of: its own, and those a licence it holds or held
    covers (label_standing then says whether it is in force)."""
    licensed = Q(rights__licences__licensee=org)
    products = Product.objects.filter(Q(brand=org) | licensed, gtin__in=set(gtins)).distinct()
    return {p.gtin: p for p in products.select_related("brand").prefetch_related("rights")}


def label_standing(
    products: dict[str, Product], org: Organisation, day: date
) -> dict[str, right_rules.Standing]:
    """For each product, whether `org` may sign its labels on `day`."""
    by_product = {gtin: list(p.rights.all()) for gtin, p in products.items()}
    states = right_states({r for rights in by_product.values() for r in rights})
    return {
        gtin: right_rules.standing([states[r.pk] for r in rights], org=org.slug, gtin=gtin, day=day)
        for gtin, rights in by_product.items()
    }


def licence_by_ref(refs) -> dict[str, Licence]:
    return {licence.ref: licence for licence in Licence.objects.filter(ref__in=set(refs))}


def restand(right: IpRight) -> int:
    """Re-read the standing of every label of the right's products; returns how many changed.
    One standing per product, signer and day (a production line signs thousands a day)."""
    products = list(Product.objects.filter(rights=right).prefetch_related("rights"))
    if not products:
        return 0
    states = right_states({r for p in products for r in p.rights.all()})
    slugs = dict(Organisation.objects.values_list("pk", "slug"))
    groups = (
        Item.objects.filter(product__in=products)
        .annotate(day=TruncDate("registered_at", tzinfo=UTC))
        .values_list("product_id", "owner_id", "day")
        .distinct()
    )
    by_pk = {p.pk: p for p in products}
    licences = {}
    changes: list[tuple[int, str, str, str]] = []
    for product_id, owner_id, day in groups:
        product = by_pk[product_id]
        verdict = right_rules.standing(
            [states[r.pk] for r in product.rights.all()], org=slugs[owner_id], gtin=product.gtin, day=day
        )
        licence_id = None
        if verdict.licence is not None:
            licences.setdefault(verdict.licence.ref, Licence.objects.filter(ref=verdict.licence.ref).first())
            licence_id = getattr(licences[verdict.licence.ref], "pk", None)
        stale = (
            Item.objects.filter(product_id=product_id, owner_id=owner_id)
            .annotate(day=TruncDate("registered_at", tzinfo=UTC))
            .filter(day=day)
            .exclude(right_standing=verdict.reason, licence_id=licence_id)
        )
        found = list(stale.values_list("pk", "serial"))
        for start in range(0, len(found), 5000):
            chunk = [pk for pk, _serial in found[start : start + 5000]]
            Item.objects.filter(pk__in=chunk).update(right_standing=verdict.reason, licence_id=licence_id)
        changes += [(pk, product.gtin, serial, verdict.reason) for pk, serial in found]
    if changes:
        standing_changed.send(sender=IpRight, changes=changes)
    return len(changes)


def log_records(kinds=records.RIGHT_TYPES, *, upto: int | None = None):
    """The integrated records of `kinds`, in index order, as (index, record)."""
    rows = LogEntry.objects.filter(leaf_index__isnull=False, kind__in=kinds)
    if upto is not None:
        rows = rows.filter(leaf_index__lt=upto)
    for index, body in (
        rows.order_by("leaf_index").values_list("leaf_index", "body").iterator(chunk_size=2000)
    ):
        yield index, json.loads(bytes(body))

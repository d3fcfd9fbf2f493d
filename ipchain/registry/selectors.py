"""The registry's reads: which items an organisation may see, and an item's history.

Every page and API view reads items through these, so "who sees what" is written once: the
office sees every item, a rights holder the items of its products and the items it owns,
anyone else none.
"""

from django.db.models import Q, QuerySet

from ipchain.accounts.models import Organisation

from .digital_link import DigitalLinkError, normalize_gtin
from .errors import RegistryError
from .models import IpRight, Item
from .provenance import history_step


def visible_items(organisation: Organisation | None) -> QuerySet[Item]:
    if organisation is None:
        return Item.objects.none()
    if organisation.kind == Organisation.Kind.OFFICE:
        return Item.objects.all()
    if organisation.kind == Organisation.Kind.BRAND:
        return Item.objects.filter(Q(product__brand=organisation) | Q(owner=organisation))
    return Item.objects.none()


def visible_item(organisation: Organisation | None, *, gtin: str, serial: str) -> Item:
    """One item the organisation may see; RegistryError("not_found") otherwise, the same for
    an item that does not exist and one that is another's (nothing leaks)."""
    try:
        gtin14 = normalize_gtin(gtin)
    except DigitalLinkError as exc:
        raise RegistryError(exc.reason, str(exc)) from None
    item = (
        visible_items(organisation)
        .select_related("product__brand", "owner", "key", "registration_entry")
        .filter(product__gtin=gtin14, serial=serial)
        .first()
    )
    if item is None:
        raise RegistryError("not_found", "no such item")
    return item


def item_history(item: Item, *, with_entries: bool = False) -> list[dict]:
    """The item's chain of records, registration first (provenance.history_step each, `by` the
    signer's name). With `with_entries`, each step also carries its log entry (`entry`) and
    the signer's identifier (`signer`), for those who show the signed records themselves.

    Without entries, an item whose head is still its registration has no later records: no
    query for them (most scans; the item must be fresh from the database, as the verifier's
    is)."""
    entry = item.registration_entry
    brand = item.product.brand
    first = history_step(
        event="registered", time=item.registered_at, by=brand.name, ledger_index=entry.leaf_index
    )
    if with_entries:
        first |= {"entry": entry, "signer": brand.slug}
    history = [first]
    if not with_entries and bytes(item.head_hash) == bytes(entry.leaf_hash):
        return history  # before building a queryset: that alone costs half a millisecond
    events = item.events.order_by("recorded_at", "pk")
    if not with_entries:
        for kind, occurred_at, signer, index, details in events.values_list(
            "kind", "occurred_at", "signer__name", "entry__leaf_index", "details"
        ):
            history.append(
                history_step(event=kind, time=occurred_at, by=signer, ledger_index=index, details=details)
            )
        return history
    for event in events.select_related("signer", "entry"):
        step = history_step(
            event=event.kind,
            time=event.occurred_at,
            by=event.signer.name,
            ledger_index=event.entry.leaf_index,
            details=event.details,
        )
        history.append(step | {"entry": event.entry, "signer": event.signer.slug})
    return history


def right_named(name: dict, *, holder: Organisation | None = None) -> IpRight | None:
    """The right a record or a request names ({"office", "kind", "number"}), if it is held
    here (and by `holder`, when given)."""
    found = IpRight.objects.filter(
        office=name["office"], kind=name["kind"], registration_number=name["number"]
    )
    if holder is not None:
        found = found.filter(holder=holder)
    return found.first()

"""Items and their provenance: register, record events, accept records signed offline.

Each write is one transaction holding both the index rows (Item, ItemEvent) and the
ledger entries, so there is never an item without its record or a record without its item.
"""

import copy
import hmac
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from ipchain.accounts.changes import Kept
from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import require
from ipchain.ledger import log
from ipchain.ledger.canonical import RecordError

from . import provenance, records, standing
from .digital_link import DigitalLinkError, build_label_uri, label_message, normalize_gtin, validate_serial
from .errors import RegistryError
from .keys import signing_key
from .models import Item, ItemEvent, Licence, OrgKey, Product
from .signing import PublicKey, SignatureError, b64url_decode, b64url_encode, sign_record, verify_record
from .st3 import is_st3_code

MAX_LOT = 20
MAX_DETAIL = 200


@dataclass(frozen=True)
class ItemRow:
    """One item to register, already checked by `check_item_row`."""

    gtin: str
    serial: str
    lot: str = ""
    production_date: date | None = None
    origin: str = ""
    line: int = 0


def check_item_row(
    *,
    gtin: str,
    serial: str,
    lot: str = "",
    production_date: str | date | None = None,
    origin: str = "",
    line=0,
) -> ItemRow:
    """Normalise and check one item's fields; raises RegistryError with the first problem."""
    for name, value in (("gtin", gtin), ("serial", serial), ("lot", lot), ("origin", origin)):
        if value is not None and not isinstance(value, str):
            raise RegistryError(f"bad_{name}", f"{name} must be text")
    if production_date is not None and not isinstance(production_date, str | date):
        raise RegistryError("bad_date", "production date must be YYYY-MM-DD")
    try:
        gtin14 = normalize_gtin((gtin or "").strip())
        serial = validate_serial((serial or "").strip())
    except DigitalLinkError as exc:
        raise RegistryError(exc.reason, str(exc)) from None
    lot = (lot or "").strip()
    if len(lot) > MAX_LOT:
        raise RegistryError("bad_lot", f"lot is longer than {MAX_LOT} characters")
    if isinstance(production_date, str) and production_date.strip():
        try:
            production_date = date.fromisoformat(production_date.strip())
        except ValueError:
            raise RegistryError("bad_date", "production date must be YYYY-MM-DD") from None
    elif not isinstance(production_date, date):
        production_date = None
    if production_date and production_date > timezone.now().date():
        raise RegistryError("bad_date", "production date is in the future")
    origin = (origin or "").strip().upper()
    if origin and not is_st3_code(origin):
        raise RegistryError("bad_country", f"{origin!r} is not a WIPO ST.3 code")
    return ItemRow(gtin14, serial, lot, production_date, origin, line)


def _check_brand(brand: Organisation) -> None:
    if brand.kind != Organisation.Kind.BRAND:
        raise RegistryError("not_a_brand", f"{brand} is not a rights holder")
    if not brand.is_admitted:
        raise RegistryError("brand_not_admitted", f"{brand} is not admitted by the office")


def brand_products(brand: Organisation, gtins) -> dict[str, Product]:
    """The products the brand may register items of: its own and those licensed to it."""
    return standing.products_for(brand, gtins)


STANDING_TEXT = {
    "right_lapsed": "no IP right protecting this product is in force",
    "not_right_holder": "the IP right protecting this product is held by another rights holder",
    "outside_licence": "your licence for this product is not in force today",
    "no_right": "no IP right of yours protects this product: link one on the product's page",
}


@dataclass(frozen=True)
class Terms:
    """On what the brand may sign a product's labels today: the product (None: not one it may
    register), the licence (None: its own right) or the reason it may not (STANDING_TEXT)."""

    product: Product | None
    licence: Licence | None = None
    refusal: str = ""


_terms = Kept("registration terms")


def registration_terms(brand: Organisation, gtins) -> dict[str, Terms]:
    """Each product's terms for the brand today, kept while no product, right, licence or
    organisation changes (ipchain/accounts/changes.py): a production line asks thousands of
    times a minute."""
    day = timezone.now().date()
    keys = [(brand.pk, day, gtin) for gtin in set(gtins)]
    kept = _terms.get_many(keys, lambda missing: _read_terms(brand, missing))
    # Copies: nothing one request sets on a product or licence reaches the next.
    return {
        gtin: Terms(copy.copy(terms.product), copy.copy(terms.licence), terms.refusal)
        for (_brand, _day, gtin), terms in kept.items()
    }


def _read_terms(brand: Organisation, keys) -> dict:
    if not keys:
        return {}
    day = keys[0][1]
    products = brand_products(brand, [gtin for _b, _d, gtin in keys])
    verdicts = standing.label_standing(products, brand, day)
    licences = standing.licence_by_ref(v.licence.ref for v in verdicts.values() if v.licence)
    terms = {}
    for key in keys:
        gtin = key[2]
        if gtin not in products:
            terms[key] = Terms(None)
        elif not verdicts[gtin].holds:
            terms[key] = Terms(products[gtin], refusal=verdicts[gtin].reason)
        else:
            licence = verdicts[gtin].licence
            terms[key] = Terms(products[gtin], licences[licence.ref] if licence else None)
    return terms


def _terms_or_refusal(brand: Organisation, rows) -> tuple[dict[str, Product], dict[str, Licence | None]]:
    """The products and licences of the rows' labels; RegistryError for the first row of a
    product the brand may not register, then for the first product (by GTIN) it may not sign."""
    terms = registration_terms(brand, (row.gtin for row in rows))
    for row in rows:
        if terms[row.gtin].product is None:
            raise RegistryError("unknown_product", f"line {row.line}: no product {row.gtin} for {brand}")
    for gtin, found in sorted(terms.items()):
        if found.refusal:
            raise RegistryError(found.refusal, f"product {gtin}: {STANDING_TEXT[found.refusal]}")
    return _products_and_licences(terms)


def _products_and_licences(terms: dict[str, Terms]) -> tuple[dict[str, Product], dict[str, Licence | None]]:
    return {g: t.product for g, t in terms.items()}, {g: t.licence for g, t in terms.items()}


def register_item(*, actor, brand: Organisation, **fields) -> Item:
    """Register one item with the brand's node-held key (a web form or an API call)."""
    require(actor, "registry.add_item", brand)
    return register_rows(brand=brand, rows=[check_item_row(**fields)])[0]


MAX_BATCH = 1000
BATCH_FIELDS = {"gtin", "serial", "lot", "production_date", "origin"}


class BatchRefused(RegistryError):
    """A batch with bad items: nothing was registered; `items` says which and why."""

    def __init__(self, items: list[dict]):
        super().__init__("bad_items", f"{len(items)} of the items cannot be registered: nothing was")
        self.items = items


def register_batch(*, actor, brand: Organisation, items) -> list[Item]:
    """Register up to MAX_BATCH items in one transaction, all or nothing: BatchRefused lists
    every bad item by its index, with its reason (the same reasons as one item's)."""
    require(actor, "registry.add_item", brand)
    if not isinstance(items, list) or not 1 <= len(items) <= MAX_BATCH:
        raise RegistryError("bad_batch", f"items is a list of 1 to {MAX_BATCH} items")
    rows, problems, seen = [], [], {}
    for index, fields in enumerate(items):
        if not isinstance(fields, dict) or not set(fields) <= BATCH_FIELDS:
            problems.append(
                _problem(index, "bad_row", f"an item is an object of {', '.join(sorted(BATCH_FIELDS))}")
            )
            continue
        try:
            row = check_item_row(
                gtin=fields.get("gtin"),
                serial=fields.get("serial"),
                lot=fields.get("lot", ""),
                production_date=fields.get("production_date"),
                origin=fields.get("origin", ""),
                line=index,
            )
        except RegistryError as exc:
            problems.append(_problem(index, exc.reason, str(exc)))
            continue
        if (row.gtin, row.serial) in seen:
            problems.append(
                _problem(index, "duplicate_in_file", f"the same item as item {seen[row.gtin, row.serial]}")
            )
            continue
        seen[row.gtin, row.serial] = index
        rows.append(row)
    problems += _unregistrable(rows, registration_terms(brand, {row.gtin for row in rows}))
    if problems:
        raise BatchRefused(sorted(problems, key=lambda p: p["index"]))
    return register_rows(brand=brand, rows=rows)


def _unregistrable(rows: list[ItemRow], terms: dict[str, Terms]) -> list[dict]:
    """The rows' problems with their products (`terms`, registration_terms) and serials: not
    the brand's to register, not to be signed today, or registered already (`line` is each
    row's index in the batch)."""
    problems = [
        _problem(r.line, "unknown_product", f"no product {r.gtin} of yours")
        for r in rows
        if terms[r.gtin].product is None
    ]
    problems += [
        _problem(r.line, terms[r.gtin].refusal, f"product {r.gtin}: {STANDING_TEXT[terms[r.gtin].refusal]}")
        for r in rows
        if terms[r.gtin].refusal
    ]
    products = [t.product for t in terms.values() if t.product is not None]
    taken = set(
        Item.objects.filter(product__in=products, serial__in={r.serial for r in rows}).values_list(
            "product__gtin", "serial"
        )
    )
    return problems + [
        _problem(r.line, "already_registered", "already registered")
        for r in rows
        if (r.gtin, r.serial) in taken
    ]


def _problem(index: int, reason: str, message: str) -> dict:
    return {"index": index, "reason": reason, "message": message}


def register_rows(*, brand: Organisation, rows: Sequence[ItemRow], bulk_job=None) -> list[Item]:
    """Sign and register checked rows in one transaction; all or nothing.

    Raises RegistryError("already_registered") if any serial exists, leaving nothing written.
    """
    _check_brand(brand)
    key, private = signing_key(brand)
    products, licences = _terms_or_refusal(brand, rows)
    now = timezone.now()
    signed, label_sigs = [], []
    for row in rows:
        label_sig = private.sign(label_message(row.gtin, row.serial))
        record = records.item_registered_record(
            brand=brand.slug,
            gtin=row.gtin,
            serial=row.serial,
            label_sig=b64url_encode(label_sig),
            lot=row.lot,
            production_date=row.production_date,
            origin=row.origin,
            moment=now,
        )
        signed.append(sign_record(record, private))
        label_sigs.append(label_sig)
    keys = [key] * len(rows)
    return _store_items(brand, keys, products, rows, signed, label_sigs, now, bulk_job, licences)


def _store_items(brand, keys, products, rows, signed, label_sigs, now, bulk_job, licences) -> list[Item]:
    try:
        with transaction.atomic():
            entries = log.append_many(signed)
            items = [
                Item(
                    product=products[row.gtin],
                    serial=row.serial,
                    lot=row.lot,
                    production_date=row.production_date,
                    origin_country=row.origin,
                    owner=brand,
                    key=key,
                    label_sig=label_sig,
                    registration_entry=entry,
                    head_hash=entry.leaf_hash,
                    registered_at=now,
                    bulk_job=bulk_job,
                    licence=licences[row.gtin],
                )
                for row, key, label_sig, entry in zip(rows, keys, label_sigs, entries, strict=True)
            ]
            if connection.vendor == "postgresql":
                _insert_items(items)
                return items
            return Item.objects.bulk_create(items)
    except IntegrityError:
        raise RegistryError(
            "already_registered", "an item with this GTIN and serial is already registered"
        ) from None
    except RecordError as exc:
        raise RegistryError(exc.reason, str(exc)) from None


_ITEM_FIELDS = [f for f in Item._meta.concrete_fields if not f.primary_key]


def _insert_items(items: list[Item]) -> None:
    """INSERT the items from one array a column: Django's bulk_create spends about 110 ms of
    CPU on 1,000 items building and binding a VALUES list, this 19 ms (a quarter of a batch's
    CPU). Every concrete column is written, from the model's own fields."""
    columns = ", ".join(connection.ops.quote_name(f.column) for f in _ITEM_FIELDS)
    # Arrays of the bare type (varchar, not varchar(20)): an explicit cast would cut a long
    # value short; assigned to the column, it is refused.
    arrays = ", ".join(f"%s::{re.sub(r'[(][0-9, ]+[)]', '', f.db_type(connection))}[]" for f in _ITEM_FIELDS)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Item._meta.db_table} ({columns}) SELECT * FROM unnest({arrays}) RETURNING id",  # noqa: S608
            [[getattr(item, f.attname) for item in items] for f in _ITEM_FIELDS],
        )
        # Ids come from a sequence in row order; RETURNING promises no order, so sort them.
        ids = sorted(item_id for (item_id,) in cursor.fetchall())
    for item, item_id in zip(items, ids, strict=True):
        item.pk = item_id
        item._state.adding, item._state.db = False, connection.alias


def label_uri(item: Item) -> str:
    return build_label_uri(
        settings.IPCHAIN_PUBLIC_HOST,
        item.product.gtin,
        item.serial,
        item.key.kid,
        bytes(item.label_sig),
        scheme=settings.IPCHAIN_PUBLIC_SCHEME,
    )


# --- provenance events ----------------------------------------------------------------


def _check_event(item: Item, kind: str, signer: Organisation, details: dict) -> Organisation | None:
    """Check an event may happen; returns the new owner for a transfer."""
    if kind not in provenance.EVENT_SIGNERS:
        raise RegistryError("bad_event", f"unknown event {kind!r}")
    if item.status in provenance.FINAL_STATUSES:
        raise RegistryError("item_final", f"item is {item.status}: no further events")
    is_owner, is_brand = signer.pk == item.owner_id, signer.pk == item.product.brand_id
    if not provenance.may_sign(kind, is_owner=is_owner, is_brand=is_brand):
        raise RegistryError("not_allowed", f"{signer} may not record '{kind}' for this item")
    if not isinstance(details, dict) or any(
        not isinstance(k, str) or not isinstance(v, str) or len(v) > MAX_DETAIL for k, v in details.items()
    ):
        raise RegistryError(
            "bad_details", f"details must map names to strings of at most {MAX_DETAIL} characters"
        )
    if kind == "ownership_transferred":
        new_owner = Organisation.objects.filter(slug=details.get("to", "")).first()
        if new_owner is None:
            raise RegistryError("unknown_organisation", "details.to must name the new owner's identifier")
        if new_owner.kind == Organisation.Kind.CUSTOMS:
            # A customs authority holds goods, it does not own items: as owner it would freeze
            # every owner's event of the item.
            raise RegistryError("owner_is_customs", "an item cannot be transferred to a customs authority")
        if new_owner.pk == item.owner_id:
            raise RegistryError("same_owner", "the item already belongs to that organisation")
        return new_owner
    if kind == "licensed" and not details.get("licensee"):
        raise RegistryError("bad_details", "a licence needs details.licensee")
    return None


def record_event(
    *, actor, item: Item, kind: str, details: dict | None = None, occurred_at: datetime | None = None
) -> ItemEvent:
    """Record a provenance event signed with the actor's organisation's node-held key."""
    membership = require(actor, "registry.add_itemevent")
    signer = membership.organisation
    details = details or {}
    with transaction.atomic():
        item = Item.objects.select_for_update().select_related("product").get(pk=item.pk)
        new_owner = _check_event(item, kind, signer, details)
        key, private = signing_key(signer)
        now = timezone.now()
        record = records.item_event_record(
            event=kind,
            gtin=item.product.gtin,
            serial=item.serial,
            prev=bytes(item.head_hash),
            by=signer.slug,
            details=details,
            moment=occurred_at or now,
        )
        return _store_event(
            item, kind, signer, key, sign_record(record, private), details, new_owner, occurred_at or now
        )


def _store_event(item, kind, signer, key, signed, details, new_owner, occurred_at) -> ItemEvent:
    try:
        entry = log.append(signed)
    except RecordError as exc:
        raise RegistryError(exc.reason, str(exc)) from None
    event = ItemEvent.objects.create(
        item=item,
        kind=kind,
        signer=signer,
        key=key,
        entry=entry,
        prev_hash=bytes(item.head_hash),
        occurred_at=occurred_at,
        details=details,
    )
    item.head_hash = entry.leaf_hash
    item.status = provenance.status_after(kind, item.status)
    if new_owner is not None:
        item.owner = new_owner
    item.save(update_fields=["head_hash", "status", "owner"])
    return event


# --- records signed offline by the holder's own key ---------------------------------------


def _signer_key(record: dict, organisation: Organisation, find_key=None) -> OrgKey:
    """The active key of `organisation` that signed the record (its "kid"), the signature
    checked. `find_key(kid)`, when given, looks keys up instead of the database."""
    if "sig" not in record or "kid" not in record:
        raise RegistryError("missing_signature", "the record has no kid and sig: sign it first")
    kid = record.get("kid") if isinstance(record.get("kid"), str) else ""
    key = find_key(kid) if find_key else OrgKey.objects.filter(kid=kid).first()
    if key is None or key.organisation_id != organisation.pk:
        raise RegistryError("wrong_key", "the record's kid is not a key of your organisation")
    if key.status != OrgKey.Status.ACTIVE:
        raise RegistryError("key_not_active", f"key {key.kid} is {key.status}: it can no longer sign")
    try:
        verify_record(record, PublicKey.from_pem(key.public_pem))
    except SignatureError as exc:
        raise RegistryError(exc.reason, str(exc)) from None
    return key


REGISTRATION_FIELDS = {
    "v",
    "type",
    "time",
    "brand",
    "gtin",
    "serial",
    "label_sig",
    "lot",
    "production_date",
    "origin",
    "kid",
    "sig",
}
EVENT_FIELDS = {
    "v",
    "type",
    "time",
    "event",
    "gtin",
    "serial",
    "prev",
    "by",
    "epcis",
    "details",
    "kid",
    "sig",
}


def submit_signed_record(*, actor, record: dict) -> Item | ItemEvent:
    """Accept an item registration or event that the holder signed with its own key."""
    membership = require(actor, "registry.add_item")
    organisation = membership.organisation
    if not isinstance(record, dict):
        raise RegistryError("not_an_object", "a record must be a JSON object")
    kind = record.get("type")
    if kind == records.ITEM_REGISTERED:
        return _accept_registration(organisation, record)
    if kind == records.ITEM_EVENT:
        return _accept_event(organisation, record)
    raise RegistryError("bad_type", f"type must be {records.ITEM_REGISTERED!r} or {records.ITEM_EVENT!r}")


def _check_fields(record: dict, allowed: set[str], required: set[str]) -> None:
    if extra := set(record) - allowed:
        raise RegistryError("unknown_field", f"unknown fields: {', '.join(sorted(extra))}")
    if missing := required - set(record):
        raise RegistryError("missing_field", f"missing fields: {', '.join(sorted(missing))}")
    if record.get("v") != records.VERSION:
        raise RegistryError("bad_version", f"v must be {records.VERSION}")


def _accept_registration(brand: Organisation, record: dict) -> Item:
    _check_brand(brand)
    row, key, label_sig = _checked_registration(brand, record)
    products, licences = _terms_or_refusal(brand, [row])
    return _store_items(brand, [key], products, [row], [record], [label_sig], timezone.now(), None, licences)[
        0
    ]


def _checked_registration(brand: Organisation, record, find_key=None, line: int = 0) -> tuple:
    """A registration signed by the holder, checked: its fields, its key and both its
    signatures (the record's and the label's). Returns (row, key, label signature)."""
    if not isinstance(record, dict):
        raise RegistryError("not_an_object", "a record must be a JSON object")
    if record.get("type") != records.ITEM_REGISTERED:
        raise RegistryError("bad_type", f"type must be {records.ITEM_REGISTERED!r}")
    _check_fields(
        record,
        REGISTRATION_FIELDS,
        {"v", "type", "time", "brand", "gtin", "serial", "label_sig"},
    )
    if record["brand"] != brand.slug:
        raise RegistryError("wrong_brand", "a brand can only register its own items")
    row = check_item_row(
        gtin=record["gtin"],
        serial=record["serial"],
        lot=record.get("lot", ""),
        production_date=record.get("production_date"),
        origin=record.get("origin", ""),
        line=line,
    )
    if row.gtin != record["gtin"] or row.serial != record["serial"]:
        raise RegistryError("not_normalised", "gtin must be 14 digits and serial without spaces")
    key = _signer_key(record, brand, find_key)
    try:
        label_sig = b64url_decode(record["label_sig"])
    except SignatureError:
        raise RegistryError("malformed_signature", "label_sig is not base64url") from None
    if not PublicKey.from_pem(key.public_pem).verify(label_message(row.gtin, row.serial), label_sig):
        raise RegistryError("bad_label_signature", "label_sig does not verify for this GTIN and serial")
    return row, key, label_sig


def accept_signed_batch(*, actor, records) -> list[Item]:
    """Accept up to MAX_BATCH item registrations the holder signed with its own keys, in one
    transaction, all or nothing: BatchRefused lists every bad record by its index, with its
    reason (the same reasons as one record's). Every record's and label's signature is
    checked."""
    membership = require(actor, "registry.add_item")
    brand = membership.organisation if membership else None
    if brand is None:
        raise RegistryError("not_a_brand", "signed records come from a rights holder's member")
    _check_brand(brand)
    if not isinstance(records, list) or not 1 <= len(records) <= MAX_BATCH:
        raise RegistryError("bad_batch", f"records is a list of 1 to {MAX_BATCH} signed records")
    keys = {key.kid: key for key in OrgKey.objects.filter(organisation=brand)}  # one query for all
    checked, problems, seen = [], [], {}
    for index, record in enumerate(records):
        try:
            row, key, label_sig = _checked_registration(brand, record, keys.get, line=index)
        except RegistryError as exc:
            problems.append(_problem(index, exc.reason, str(exc)))
            continue
        if (row.gtin, row.serial) in seen:
            problems.append(
                _problem(index, "duplicate_in_file", f"the same item as record {seen[row.gtin, row.serial]}")
            )
            continue
        seen[row.gtin, row.serial] = index
        checked.append((row, key, label_sig, record))
    rows = [row for row, *_ in checked]
    terms = registration_terms(brand, {row.gtin for row in rows})
    problems += _unregistrable(rows, terms)
    if problems:
        raise BatchRefused(sorted(problems, key=lambda p: p["index"]))
    products, licences = _products_and_licences(terms)  # every product known and signable
    return _store_items(
        brand,
        [key for _, key, _, _ in checked],
        products,
        rows,
        [record for *_, record in checked],
        [label_sig for _, _, label_sig, _ in checked],
        timezone.now(),
        None,
        licences,
    )


def _accept_event(signer: Organisation, record: dict) -> ItemEvent:
    _check_fields(
        record,
        EVENT_FIELDS,
        {"v", "type", "time", "event", "gtin", "serial", "prev", "by", "epcis"},
    )
    if record["by"] != signer.slug:
        raise RegistryError("wrong_signer", "'by' must be your organisation")
    key = _signer_key(record, signer)
    with transaction.atomic():
        item = (
            Item.objects.select_for_update()
            .select_related("product")
            .filter(product__gtin=record["gtin"], serial=record["serial"])
            .first()
        )
        if item is None:
            raise RegistryError("unknown_item", "no such item")
        details = record.get("details", {})
        new_owner = _check_event(item, record["event"], signer, details)
        expected = records.item_event_record(
            event=record["event"],
            gtin=item.product.gtin,
            serial=item.serial,
            prev=bytes(item.head_hash),
            by=signer.slug,
            details=details,
            moment=timezone.now(),
        )
        if not hmac.compare_digest(record["prev"], expected["prev"]):
            raise RegistryError("stale_prev", "prev is not the item's latest record: fetch its history again")
        if record["epcis"] != expected["epcis"]:
            raise RegistryError("bad_epcis", "epcis does not match the event")
        occurred = _parse_time(record["time"])
        return _store_event(item, record["event"], signer, key, record, details, new_owner, occurred)


def _parse_time(value) -> datetime:
    try:
        moment = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise RegistryError("bad_time", "time must be RFC 3339, e.g. 2026-01-31T12:00:00Z") from None
    if moment.tzinfo is None:
        raise RegistryError("bad_time", "time needs a time zone")
    return moment


def append_customs_outcome(
    *, authority: Organisation, item: Item, outcome: str, case: int | None, case_salt: str = "", office: str
) -> ItemEvent:
    """A customs decision, signed with the authority's node-held key, chained to the item's
    history. It does not change the item's status: the goods customs hold may bear a cloned
    label of a genuine item that is elsewhere."""
    if outcome not in records.CUSTOMS_OUTCOMES:
        raise RegistryError("bad_outcome", f"outcome is one of {', '.join(records.CUSTOMS_OUTCOMES)}")
    if authority.kind != Organisation.Kind.CUSTOMS:
        raise RegistryError("not_customs", "only a customs authority records customs outcomes")
    with transaction.atomic():
        item = Item.objects.select_for_update().select_related("product").get(pk=item.pk)
        key, private = signing_key(authority)
        now = timezone.now()
        record = records.customs_outcome_record(
            outcome=outcome,
            gtin=item.product.gtin,
            serial=item.serial,
            prev=bytes(item.head_hash),
            by=authority.slug,
            case_commitment=(
                records.case_commitment(salt=case_salt, authority=authority.slug, case=case) if case else None
            ),
            office=office,
            moment=now,
        )
        kind = f"customs_{outcome}"
        details = {"office": office} | ({"case": str(case)} if case else {})
        return _store_event(item, kind, authority, key, sign_record(record, private), details, None, now)

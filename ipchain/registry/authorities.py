"""Customs authorities and their customs offices: the office creates an authority, which gets
its node-held signing key at once (admitted in the log), since a customs authority signs its
sightings to the rights holders of other offices (federation/sightings.py); the office or the
authority's supervisors add the customs offices its officers work at, with their positions."""

import json
import math
import re

from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone

from ipchain.accounts import changes
from ipchain.accounts.models import CustomsOffice, Membership, Organisation
from ipchain.accounts.roles import require
from ipchain.ledger import log
from ipchain.ledger.models import LogEntry

from . import records
from .errors import RegistryError
from .holders import free_identifier
from .keys import create_node_key, office_sign
from .models import OrgKey
from .st3 import is_st3_code

# The EU's customs office reference numbers: a country code and up to 15 more characters.
OFFICE_CODE = re.compile(r"[A-Z]{2}[A-Z0-9]{1,15}")


def create_customs_authority(
    *, actor, name: str, country: str, slug: str = "", contact_email: str = "", contact_phone: str = ""
) -> Organisation:
    """A customs authority, admitted, with its node-held signing key registered in the log;
    all or nothing."""
    membership = require(actor, "accounts.add_organisation")
    if membership is not None and membership.organisation.kind != Organisation.Kind.OFFICE:
        raise PermissionDenied("only the IP office adds customs authorities")
    name = name.strip()
    if not name:
        raise RegistryError("name_required_org", "give the organisation's name")
    country = country.strip().upper()
    if not is_st3_code(country):
        raise RegistryError("bad_country", f"{country!r} is not a WIPO ST.3 code")
    slug = slug or free_identifier(name, fallback="customs")
    try:
        with transaction.atomic():
            authority = Organisation.objects.create(
                kind=Organisation.Kind.CUSTOMS,
                slug=slug,
                name=name,
                country=country,
                contact_email=contact_email,
                contact_phone=contact_phone,
                status=Organisation.Status.ADMITTED,
            )
            create_node_key(organisation=authority)
            announce(authority)
    except IntegrityError:
        raise RegistryError("duplicate_slug", f"identifier {slug!r} is taken") from None
    return authority


def announce(authority: Organisation) -> None:
    """Say in the log, signed by the office, that `authority` is a customs authority, with its
    name: peer offices' rights holders then name it in their applications for action."""
    record = records.authority_admitted_record(
        org=authority.slug, name=authority.name, country=authority.country, moment=timezone.now()
    )
    log.append(office_sign(record))


def announce_the_rest() -> list[Organisation]:
    """Announce the admitted customs authorities the log does not name as such yet (those added
    before announcements existed); returns them."""
    announced = set()
    rows = LogEntry.objects.filter(kind=records.ORG_ADMITTED).values_list("body", flat=True)
    for body in rows.iterator(chunk_size=2000):
        record = json.loads(bytes(body))
        if record.get("kind") == "customs":
            announced.add(record["org"])
    rest = Organisation.objects.filter(kind=Organisation.Kind.CUSTOMS, status=Organisation.Status.ADMITTED)
    rest = list(rest.exclude(slug__in=announced).order_by("slug"))
    for authority in rest:
        announce(authority)
    return rest


def give_signing_key(*, actor, authority: Organisation) -> OrgKey:
    """A node-held key for an authority that has none (one made before authorities came with
    their key): without it, its officers' sightings of peer offices' items reach nobody."""
    membership = require(actor, "registry.manage_keys")
    if membership is not None and membership.organisation.kind != Organisation.Kind.OFFICE:
        raise PermissionDenied("only the IP office gives a customs authority its key")
    if authority.kind != Organisation.Kind.CUSTOMS:
        raise RegistryError("not_a_customs_authority", f"{authority} is not a customs authority")
    if authority.keys.filter(status=OrgKey.Status.ACTIVE).exists():
        raise RegistryError("active_key_exists", f"{authority} already has an active signing key")
    return create_node_key(organisation=authority)


def add_customs_office(
    *,
    actor,
    authority: Organisation,
    name: str,
    code: str = "",
    latitude: float | None = None,
    longitude: float | None = None,
) -> CustomsOffice:
    """A customs office (a border post, a port, an airport) of `authority`: by the office, or by
    one of the authority's own supervisors."""
    membership = require(actor, "accounts.add_customsoffice")
    if membership is not None and membership.organisation.kind != Organisation.Kind.OFFICE:
        require(actor, "accounts.add_customsoffice", authority)
    if authority.kind != Organisation.Kind.CUSTOMS:
        raise RegistryError("not_a_customs_authority", f"{authority} is not a customs authority")
    name = name.strip()
    if not name or len(name) > 120:
        raise RegistryError("name_required_org", "give the customs office's name (at most 120 characters)")
    code = code.strip().upper()
    if code and not OFFICE_CODE.fullmatch(code):
        raise RegistryError("bad_customs_office_code", f"{code!r} is not a customs office reference number")
    latitude, longitude = _position(latitude, longitude)
    try:
        with transaction.atomic():
            return CustomsOffice.objects.create(
                authority=authority, name=name, code=code, latitude=latitude, longitude=longitude
            )
    except IntegrityError:
        raise RegistryError(
            "duplicate_customs_office", f"{authority} already has an office {name!r}"
        ) from None


def move_customs_office(*, actor, office: CustomsOffice, latitude, longitude) -> CustomsOffice:
    """A corrected position, for the office and for its officers' scans from now on."""
    membership = require(actor, "accounts.add_customsoffice")
    if membership is not None and membership.organisation.kind != Organisation.Kind.OFFICE:
        require(actor, "accounts.add_customsoffice", office.authority)
    office.latitude, office.longitude = _position(latitude, longitude)
    with transaction.atomic():
        office.save(update_fields=["latitude", "longitude"])
        Membership.objects.filter(organisation=office.authority_id, customs_office=office.name).update(
            latitude=office.latitude, longitude=office.longitude
        )
        changes.changed()
    return office


def _position(latitude, longitude) -> tuple[float | None, float | None]:
    if latitude in (None, "") and longitude in (None, ""):
        return None, None
    try:
        lat, lon = float(latitude), float(longitude)
    except (TypeError, ValueError):
        raise RegistryError("bad_position", "give both latitude and longitude, as numbers") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and -90 <= lat <= 90 and -180 <= lon <= 180):
        raise RegistryError("bad_position", "latitude runs from -90 to 90, longitude from -180 to 180")
    return lat, lon

"""Small factories for registry tests: real services, no mocks."""

import itertools

from django.contrib.auth import get_user_model

from ipchain.accounts.models import Organisation, Role
from ipchain.accounts.roles import assign_role
from ipchain.registry import admission, catalogue, keys
from ipchain.registry.digital_link import gtin_check_digit

_n = itertools.count(1)


def gtin(n: int | None = None) -> str:
    body = f"0950600{(n if n is not None else next(_n)):06d}"
    return body + str(gtin_check_digit(body))


def office() -> Organisation:
    existing = Organisation.objects.filter(kind="office").first()
    if existing:
        return existing
    org = Organisation.objects.create(
        kind="office", slug="test-office", name="Test Office", country="EM", status="admitted"
    )
    keys.create_node_key(organisation=org)
    return org


def user(org: Organisation, role: str, username: str | None = None):
    account = get_user_model().objects.create_user(
        username=username or f"user{next(_n)}", password="x-test-pass"
    )
    assign_role(account, org, role)
    return account


def office_admin():
    return user(office(), Role.OFFICE_ADMIN)


def brand(slug: str | None = None, *, admitted: bool = True, node_key: bool = True) -> Organisation:
    office()
    slug = slug or f"brand{next(_n)}"
    org = Organisation.objects.create(kind="brand", slug=slug, name=slug.title(), country="DE")
    admission.add_ip_right(
        holder=org, kind="trademark", office="EM", registration_number=f"0{next(_n):08d}", nice_classes=[25]
    )
    if admitted:
        admission.decide(actor=office_admin(), holder=org, decision="admitted")
    if node_key:
        keys.create_node_key(organisation=org)
    org.refresh_from_db()
    return org


def customs(slug: str | None = None) -> Organisation:
    office()
    org = Organisation.objects.create(
        kind="customs", slug=slug or f"customs{next(_n)}", name="Customs", country="NL", status="admitted"
    )
    keys.create_node_key(organisation=org)
    return org


def product(org: Organisation, **guide):
    admin = org.members.filter(role=Role.BRAND_ADMIN).first()
    actor = admin.user if admin else user(org, Role.BRAND_ADMIN)
    return catalogue.create_product(
        actor=actor, brand=org, gtin=gtin(), name=guide.pop("name", "Jacket"), **guide
    )


def brand_admin(org: Organisation):
    admin = org.members.filter(role=Role.BRAND_ADMIN).first()
    return admin.user if admin else user(org, Role.BRAND_ADMIN)


def application(holder: Organisation, authority: Organisation, *, rights=None, small_consignment=False):
    """An application for action by `holder`, granted by `authority` for a year: customs act on
    its rights under Art. 17 (and Art. 26 for small consignments when asked)."""
    from ipchain.enforcement import applications

    rights = list(rights if rights is not None else holder.ip_rights.filter(status="registered"))
    filed = applications.file_application(
        actor=brand_admin(holder),
        holder=holder,
        competent_authority=authority,
        rights=rights,
        small_consignment_rights=rights if small_consignment else (),
        contact_name="Brand protection",
        contact_email=f"protect@{holder.slug}.example",
        liability_undertaking=True,
    )
    supervisor = user(authority, Role.CUSTOMS_SUPERVISOR)
    return applications.decide(actor=supervisor, application=filed, decision="granted")

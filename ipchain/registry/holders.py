"""Rights holders: the office records one with the IP rights it relies on, before admitting it
(admission.py). The API and the office's pages both create them here."""

from django.db import IntegrityError, transaction
from django.utils.text import slugify

from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import require

from .admission import add_ip_right
from .errors import RegistryError
from .st3 import is_st3_code


def create_rights_holder(
    *,
    actor,
    slug: str,
    name: str,
    country: str,
    contact_email: str = "",
    contact_phone: str = "",
    website: str = "",
    ip_rights: list[dict] = (),
) -> Organisation:
    """A rights holder, pending admission, with its IP rights (each as add_ip_right takes
    them); all or nothing."""
    require(actor, "accounts.add_organisation")
    slug = slug or free_identifier(name)
    country = country.strip().upper()
    if not is_st3_code(country):
        raise RegistryError("bad_country", f"{country!r} is not a WIPO ST.3 code")
    try:
        with transaction.atomic():
            holder = Organisation.objects.create(
                kind=Organisation.Kind.BRAND,
                slug=slug,
                name=name.strip(),
                country=country,
                contact_email=contact_email,
                contact_phone=contact_phone,
                website=website,
            )
            for right in ip_rights:
                add_ip_right(holder=holder, actor=actor, **right)
    except IntegrityError:
        raise RegistryError("duplicate_slug", f"identifier {slug!r} is taken") from None
    return holder


def free_identifier(name: str, fallback: str = "holder") -> str:
    """An identifier made from the name ("Acme Outdoor GmbH" → "acme-outdoor-gmbh"), with a
    number added when it is taken; a name of no Latin letters gives "<fallback>-N"."""
    base = slugify(name)[:56].strip("-") or fallback
    taken = set(Organisation.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    if base not in taken and base != fallback:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"

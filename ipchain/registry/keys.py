"""Organisations' signing keys: create, register, rotate, revoke, and sign with node-held ones.

Every registration and revocation is a ledger record signed by the office, so the trust
list anyone derives from the log says which key was valid for whom and when.
"""

import copy
from datetime import datetime
from functools import lru_cache

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from ipchain.accounts import changes
from ipchain.accounts.changes import Kept
from ipchain.accounts.models import Organisation
from ipchain.accounts.roles import membership_of, require
from ipchain.ledger import log

from . import keystore, records
from .errors import RegistryError
from .models import OrgKey
from .signing import PrivateKey, PublicKey, sign_record


def encryption_keys() -> list[bytes]:
    """The key-encryption keys, the current one first: IPCHAIN_KEY_ENCRYPTION_KEYS, or in the
    embedded default (none set) keys derived from SECRET_KEY (keystore.development_keys)."""
    return _encryption_keys(settings.IPCHAIN_KEY_ENCRYPTION_KEYS, settings.SECRET_KEY)


@lru_cache(maxsize=4)
def _encryption_keys(configured: str, secret_key: str) -> list[bytes]:
    if configured.strip():
        return keystore.parse_keys(configured)
    return keystore.development_keys(secret_key)


def _aad(key: OrgKey) -> bytes:
    # Binds the ciphertext to its row: a sealed key copied onto another key's row won't open.
    return f"ipchain-orgkey/v1:{key.organisation.slug}:{key.kid}".encode()


def the_office() -> Organisation:
    office = Organisation.objects.filter(kind=Organisation.Kind.OFFICE).order_by("pk").first()
    if office is None:
        raise RegistryError(
            "no_office", "this node has no IP office yet: run `manage.py ipchain_setup_office`"
        )
    return office


def active_key(organisation: Organisation) -> OrgKey:
    key = organisation.keys.filter(status=OrgKey.Status.ACTIVE).order_by("-created_at").first()
    if key is None:
        raise RegistryError("no_active_key", f"{organisation} has no active signing key")
    return key


@lru_cache(maxsize=256)
def _unsealed(kid: str, sealed: str, aad: bytes) -> PrivateKey:
    # Parsing a PEM and unsealing costs far more than a signature; bulk jobs sign thousands
    # of records with one key, so keep the parsed key in this process (never on disk).
    return PrivateKey.from_pem(keystore.unseal(sealed, keys=encryption_keys(), aad=aad))


def private_key(key: OrgKey) -> PrivateKey:
    if key.custody != OrgKey.Custody.NODE or not key.sealed_private_key:
        raise RegistryError("key_not_held", f"key {key.kid} is held by its owner, not by this node")
    return _unsealed(key.kid, key.sealed_private_key, _aad(key))


_active_keys = Kept("active keys")


def signing_key(organisation: Organisation) -> tuple[OrgKey, PrivateKey]:
    """The organisation's active node-held key, ready to sign (kept while no key changes:
    ipchain/accounts/changes.py)."""
    key = copy.copy(_active_keys.get(organisation.pk, lambda _pk: active_key(organisation)))
    return key, private_key(key)


def sign_as(organisation: Organisation, record: dict) -> tuple[OrgKey, dict]:
    key, private = signing_key(organisation)
    return key, sign_record(record, private)


def office_sign(record: dict) -> dict:
    return sign_as(the_office(), record)[1]


@transaction.atomic
def create_node_key(*, organisation: Organisation, replaces: OrgKey | None = None) -> OrgKey:
    """Generate a key held by the node for `organisation`, sealed at rest, and register it."""
    private = PrivateKey.generate()
    key = OrgKey(
        organisation=organisation,
        kid=private.public_key.key_id,
        public_pem=private.public_key.to_pem(),
        custody=OrgKey.Custody.NODE,
        created_at=timezone.now(),
    )
    key.sealed_private_key = keystore.seal(private.to_pem().encode(), keys=encryption_keys(), aad=_aad(key))
    return _register(key, replaces=replaces)


@transaction.atomic
def register_holder_key(
    *, organisation: Organisation, public_key: PublicKey, replaces: OrgKey | None = None
) -> OrgKey:
    """Register a public key whose private half the rights holder keeps (bring your own key)."""
    key = OrgKey(
        organisation=organisation,
        kid=public_key.key_id,
        public_pem=public_key.to_pem(),
        custody=OrgKey.Custody.HOLDER,
        created_at=timezone.now(),
    )
    return _register(key, replaces=replaces)


def _register(key: OrgKey, *, replaces: OrgKey | None) -> OrgKey:
    if OrgKey.objects.filter(kid=key.kid).exists():
        raise RegistryError("duplicate_key", f"key {key.kid} is already registered")
    if replaces is not None and replaces.organisation_id != key.organisation_id:
        raise RegistryError("wrong_organisation", "a key can only replace a key of the same organisation")
    now = key.created_at
    record = records.key_registered_record(
        org=key.organisation.slug,
        key_id=key.kid,
        jwk=PublicKey.from_pem(key.public_pem).to_jwk(),
        custody=key.custody,
        replaces=replaces.kid if replaces else None,
        moment=now,
    )
    if key.organisation.kind == Organisation.Kind.OFFICE and not _office_has_key(key.organisation):
        # The office's first key is the trust anchor: it signs its own registration.
        key.save()
        record = sign_record(record, private_key(key)) if key.custody == OrgKey.Custody.NODE else record
    else:
        record = office_sign(record)
        key.save()
    key.registration_entry = log.append(record)
    key.save(update_fields=["registration_entry"])
    if replaces is not None:
        OrgKey.objects.filter(pk=replaces.pk, status=OrgKey.Status.ACTIVE).update(
            status=OrgKey.Status.RETIRED, retired_at=now
        )
        changes.changed()
    return key


def _office_has_key(office: Organisation) -> bool:
    return office.keys.exclude(registration_entry=None).exists()


@transaction.atomic
def rotate_key(*, organisation: Organisation, public_key: PublicKey | None = None) -> OrgKey:
    """A new key replaces the active one. Records signed earlier stay valid."""
    old = active_key(organisation)
    if public_key is None:
        return create_node_key(organisation=organisation, replaces=old)
    return register_holder_key(organisation=organisation, public_key=public_key, replaces=old)


@transaction.atomic
def revoke_key(*, key: OrgKey, reason: str, effective_at: datetime | None = None) -> OrgKey:
    """Revoke a key from `effective_at` (default now): records the node accepted with it after
    that moment are invalid; earlier ones stay valid."""
    key = OrgKey.objects.select_for_update().get(pk=key.pk)
    if key.status == OrgKey.Status.REVOKED:
        raise RegistryError("already_revoked", f"key {key.kid} is already revoked")
    reason = reason.strip()
    if not reason:
        raise RegistryError("reason_required", "a revocation needs a reason")
    now = timezone.now()
    effective_at = effective_at or now
    if effective_at > now:
        raise RegistryError("effective_in_future", "a revocation cannot take effect in the future")
    record = records.key_revoked_record(
        org=key.organisation.slug, key_id=key.kid, reason=reason[:200], effective=effective_at, moment=now
    )
    key.revocation_entry = log.append(office_sign(record))
    key.status = OrgKey.Status.REVOKED
    key.revoked_at = now
    key.revocation_effective_at = effective_at
    key.revocation_reason = reason[:200]
    key.save()
    return key


# --- What people ask for (the API and the portal alike) -----------------------------------


def add_key(
    *, actor, organisation: Organisation, public_key: PublicKey | None = None, rotate=False
) -> OrgKey:
    """A first key for the organisation, or with `rotate` a new key replacing its active one:
    held by the node (no `public_key`) or by the holder. A second active key is never made
    silently: without `rotate` an organisation with an active key is refused."""
    require(actor, "registry.manage_keys", organisation)
    if rotate:
        return rotate_key(organisation=organisation, public_key=public_key)
    if organisation.keys.filter(status=OrgKey.Status.ACTIVE).exists():
        raise RegistryError("active_key_exists", "you have an active key: set rotate to replace it")
    if public_key is None:
        return create_node_key(organisation=organisation)
    return register_holder_key(organisation=organisation, public_key=public_key)


def revoke_key_for(*, actor, key: OrgKey, reason: str, effective_at: datetime | None = None) -> OrgKey:
    """A rights holder revokes its own keys; the office may revoke any (a compromise it learns of)."""
    membership = membership_of(actor)
    if membership is not None and membership.organisation.kind == Organisation.Kind.OFFICE:
        require(actor, "registry.manage_keys")
    else:
        require(actor, "registry.manage_keys", key.organisation)
    return revoke_key(key=key, reason=reason, effective_at=effective_at)

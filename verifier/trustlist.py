"""The trust list an offline verifier caches: every registered key, signed by the office.

Served as {"payload": base64url(canonical JSON bytes), "kid": ..., "sig": ...} so that a
browser verifies the exact bytes with WebCrypto (ECDSA P-256, SHA-256, r || s) before it
parses them: no canonicalisation is needed on the client.
"""

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils import timezone

from ipchain.accounts.models import Organisation
from ipchain.ledger.canonical import canonicalize
from ipchain.ledger.logkey import log_verifier
from ipchain.registry import records
from ipchain.registry.keys import signing_key, the_office
from ipchain.registry.models import OrgKey, Product
from ipchain.registry.signing import PublicKey, b64url_encode

from . import plugins


def trust_list_payload() -> dict:
    office = the_office()
    keys = OrgKey.objects.select_related("organisation").order_by("organisation__slug", "created_at")
    products = _gtins_by_brand()
    return {
        "v": 1,
        "type": "trust_list",
        "issued": records.timestamp(timezone.now()),
        "office": {"slug": office.slug, "name": office.name, "country": office.country},
        "log": {"origin": log_verifier().name, "vkey": log_verifier().vkey},
        "keys": [
            {
                "kid": key.kid,
                "org": key.organisation.slug,
                "name": key.organisation.name,
                "kind": key.organisation.kind,
                "status": key.status,
                "jwk": PublicKey.from_pem(key.public_pem).to_jwk(),
                "valid_from": records.timestamp(key.created_at),
                # The products its holder registered: offline, a holder's key on another
                # holder's product is not taken as valid (offline.js).
                **(
                    {"gtins": products.get(key.organisation_id, [])}
                    if key.organisation.kind == Organisation.Kind.BRAND
                    else {}
                ),
                **(
                    {"revoked_from": records.timestamp(key.revocation_effective_at)}
                    if key.revocation_effective_at
                    else {}
                ),
            }
            for key in keys
        ]
        # Keys other apps vouch for: federation adds the brand keys peer offices admitted in
        # their own logs, each marked with its office (docs/federation.md).
        + plugins.more_trust_list_keys(),
        # Witnesses of this log (federation): a checkpoint's cosignatures checked offline.
        "witnesses": plugins.more_trust_list_witnesses(),
        # Peer offices' logs this node mirrors (federation): their items' proofs checked offline.
        "peer_logs": plugins.more_trust_list_logs(),
    }


def _gtins_by_brand() -> dict[int, list[str]]:
    gtins: dict[int, list[str]] = {}
    for brand_id, gtin in Product.objects.order_by("gtin").values_list("brand_id", "gtin"):
        gtins.setdefault(brand_id, []).append(gtin)
    return gtins


CACHE_KEY = "verifier:trust-list"


def signed_trust_list() -> dict:
    """The signed list, shared by the node's processes for IPCHAIN_TRUST_LIST_CACHE_SECONDS:
    every phone's scanner fetches it, and building it reads every key and product (~40 ms
    at 10,000 products). A key or product saved here drops it at once (forget)."""
    signed = cache.get(CACHE_KEY)
    if signed is None:
        office_key, private = signing_key(the_office())
        payload = canonicalize(trust_list_payload())
        signed = {
            "payload": b64url_encode(payload),
            "kid": office_key.kid,
            "sig": b64url_encode(private.sign(payload)),
        }
        cache.set(CACHE_KEY, signed, settings.IPCHAIN_TRUST_LIST_CACHE_SECONDS)
    return signed


def forget(**_kwargs) -> None:
    """Drop the cached list (a signal receiver: a key revoked must reach phones at once).

    Now, and again after the commit: a list rebuilt by another request in between would
    hold the state from before the transaction (and the rest of it, a retired key say)."""
    cache.delete(CACHE_KEY)
    transaction.on_commit(lambda: cache.delete(CACHE_KEY))

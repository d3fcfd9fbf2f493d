"""This node as a GS1-Conformant Resolver (GS1-Conformant Resolver standard 1.2.0), for the
products it registers: a scanning app that follows GS1's rules finds the verification
service from the label's own URI, and a brand's resolver can point its verification link here.

- `/.well-known/gs1resolver`: the resolver description file.
- `/01/<gtin>/21/<serial>` and `/01/<gtin>`: with `linkType=linkset` (or `all`), or asking for
  `application/linkset+json`, the RFC 9264 linkset of the identifier; with another
  `linkType`, a redirect to that link (none of that type: the default link); without one,
  the default link itself, which is the verdict for an item and the product's page for a GTIN.

The linkset is the same for every serial of a known GTIN: whether a serial is registered is
what the verification answers, with the label's signature, not something to enumerate here.
"""

from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings

from ipchain.registry.digital_link import DigitalLinkError, normalize_gtin
from ipchain.registry.models import Product

GS1_VOC = "https://gs1.org/voc/"
LINKSET = "application/linkset+json"
# GS1's context that makes a linkset JSON-LD, named in a Link header (the standard's artefacts).
LINKSET_CONTEXT_LINK = (
    '<https://ref.gs1.org/standards/resolver/linkset-context>; rel="http://www.w3.org/ns/json-ld#context"; '
    'type="application/ld+json"'
)
# The link types this node answers, by their GS1 Web Vocabulary names.
VERIFICATION = "verificationService"
PIP = "pip"
DEFAULT = "defaultLink"
SUPPORTED_PRIMARY_KEYS = ["01"]


def root() -> str:
    return f"{settings.IPCHAIN_PUBLIC_SCHEME}://{settings.IPCHAIN_PUBLIC_HOST}"


def description(office_name: str) -> dict:
    """The resolver description file (/.well-known/gs1resolver)."""
    return {
        "name": f"ipchain verification service of {office_name}",
        "resolverRoot": root(),
        "supportedPrimaryKeys": SUPPORTED_PRIMARY_KEYS,
        "supportedLinkType": [{"namespace": GS1_VOC, "prefix": "gs1:"}],
        "linkTypeDefaultCanBeLinkset": False,
    }


def requested(link_type: str | None, accept: str) -> str | None:
    """What a request asks of the resolver: "linkset", a link type's name (pip,
    verificationService...; unknown names too), or None for the default behaviour."""
    if link_type:
        value = link_type.strip()
        if value in ("linkset", "all"):
            return "linkset"
        for prefix in ("gs1:", GS1_VOC):
            if value.startswith(prefix):
                return value.removeprefix(prefix)
        return value
    if LINKSET in accept:
        return "linkset"
    return None


@dataclass(frozen=True)
class Identifier:
    """A GS1 key this node holds a product for: the GTIN (14 digits) and, for an item, its serial."""

    product: Product
    serial: str | None = None

    @property
    def gtin(self) -> str:
        return self.product.gtin

    @property
    def product_uri(self) -> str:
        return f"{root()}/01/{self.gtin}"

    @property
    def uri(self) -> str:
        if self.serial is None:
            return self.product_uri
        return f"{self.product_uri}/21/{quote(self.serial, safe='')}"


def identify(gtin: str, serial: str | None = None) -> Identifier | None:
    """The identifier, if its GTIN is one of this node's products (a GS1 key it resolves)."""
    try:
        gtin14 = normalize_gtin(gtin)
    except DigitalLinkError:
        return None
    product = Product.objects.select_related("brand").filter(gtin=gtin14).first()
    return Identifier(product, serial) if product is not None else None


def links(identifier: Identifier) -> dict[str, list[dict]]:
    """Each link type this node offers for the identifier, with its targets."""
    product = identifier.product
    page = {"href": identifier.product_uri, "title": product.name, "type": "text/html"}
    if identifier.serial is None:
        return {PIP: [page], DEFAULT: [page]}
    title = f"Check whether this {product.name} is genuine"
    verdict = [
        {"href": identifier.uri, "title": title, "type": "text/html"},
        {"href": identifier.uri, "title": title, "type": "application/json"},
    ]
    return {VERIFICATION: verdict, PIP: [page], DEFAULT: verdict[:1]}


def linkset(identifier: Identifier) -> dict:
    """RFC 9264 JSON: the identifier as anchor, each link type by its full GS1 URI."""
    entry = {"anchor": identifier.uri}
    entry.update({GS1_VOC + name: targets for name, targets in links(identifier).items()})
    return {"linkset": [entry]}


def redirect_target(identifier: Identifier, wanted: str) -> str | None:
    """Where a request for a link type goes: its first page, unless that is the verdict at
    the identifier's own address (None: the caller strips the resolver's parameter)."""
    targets = links(identifier).get(wanted) or links(identifier)[DEFAULT]
    href = targets[0]["href"]
    return None if href == identifier.uri else href


def link_header(path: str) -> str:
    """Points an answer at `path` (/01/...) to its linkset (RFC 9264, section 6), without a
    query: the verdict's hot path makes no lookup for it."""
    return f'<{root()}{path}?linkType=linkset>; rel="linkset"; type="{LINKSET}"'

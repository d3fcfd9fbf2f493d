"""The node as a GS1-Conformant Resolver for its products: the description file, linksets
(RFC 9264) for a GTIN and for an item, link types as redirects, the verdict as the item's
default link and verification service; every URI checked with GS1's digital-link.js."""

import json
import os
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from ipchain.registry import items
from tests import factories

pytestmark = pytest.mark.django_db

CHECK_JS = Path(__file__).resolve().parents[1] / "data/digital-link/check.js"
GS1 = "https://gs1.org/voc/"


@pytest.fixture
def labelled(settings):
    settings.IPCHAIN_PUBLIC_HOST = "verify.ipo.example"
    brand = factories.brand("acme")
    product = factories.product(brand, name="Trail Jacket", genuine_features="Holographic ACME mark")
    item = items.register_item(
        actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="R/1"
    )
    return item, items.label_uri(item)


def path_of(uri: str) -> str:
    parts = urlsplit(uri)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def digital_link_js(uris: list[str]) -> dict:
    """GS1's digital-link.js (tests/data/digital-link) on these URIs."""
    if shutil.which("node") is None:
        if os.environ.get("IPCHAIN_REQUIRE_POSTGRES") == "1":
            pytest.fail("the resolver tests need Node.js to run GS1's digital-link.js")
        pytest.skip("needs Node.js for GS1's digital-link.js")
    done = subprocess.run(
        ["node", str(CHECK_JS)],
        input=json.dumps(uris),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def test_the_resolver_description_file(client, settings):
    settings.IPCHAIN_PUBLIC_HOST = "verify.ipo.example"
    factories.office()
    answer = client.get("/.well-known/gs1resolver")
    assert answer.status_code == 200 and answer["Content-Type"] == "application/json"
    description = answer.json()
    assert description["resolverRoot"] == "https://verify.ipo.example"
    assert description["supportedPrimaryKeys"] == ["01"]
    assert description["supportedLinkType"] == [{"namespace": GS1, "prefix": "gs1:"}]
    assert description["linkTypeDefaultCanBeLinkset"] is False
    assert "Test Office" in description["name"]


def test_an_items_linkset_names_the_verification_service_the_product_page_and_the_default(client, labelled):
    item, label = labelled
    for request in (
        {"path": path_of(label) + "&linkType=linkset"},
        {"path": "/01/" + item.product.gtin + "/21/R%2F1?linkType=all"},
        {"path": "/01/" + item.product.gtin + "/21/R%2F1", "HTTP_ACCEPT": "application/linkset+json"},
    ):
        answer = client.get(request.pop("path"), **request)
        assert answer.status_code == 200
        assert answer["Content-Type"] == "application/linkset+json"
        assert 'rel="http://www.w3.org/ns/json-ld#context"' in answer["Link"]
        (entry,) = answer.json()["linkset"]
        anchor = f"https://verify.ipo.example/01/{item.product.gtin}/21/R%2F1"
        assert entry["anchor"] == anchor
        verification = entry[GS1 + "verificationService"]
        assert {target["type"] for target in verification} == {"text/html", "application/json"}
        assert all(target["href"] == anchor and target["title"] for target in verification)
        assert entry[GS1 + "pip"] == [
            {
                "href": f"https://verify.ipo.example/01/{item.product.gtin}",
                "title": "Trail Jacket",
                "type": "text/html",
            }
        ]
        assert entry[GS1 + "defaultLink"][0]["href"] == anchor


def test_link_types_redirect_and_the_verdict_stays_the_default(client, labelled):
    item, label = labelled
    verdict = client.get(path_of(label), HTTP_ACCEPT="application/json")
    assert verdict.json()["verdict"] == "genuine"
    page = client.get(path_of(label))
    assert page.status_code == 200
    assert page["Link"] == (
        f"<https://verify.ipo.example/01/{item.product.gtin}/21/R%2F1?linkType=linkset>; "
        'rel="linkset"; type="application/linkset+json"'
    )
    # The verification service is the verdict itself: the label's own parameters are kept.
    for link_type in (
        "gs1:verificationService",
        GS1 + "verificationService",
        "gs1:defaultLink",
        "gs1:recipeInfo",
    ):
        answer = client.get(path_of(label) + "&linkType=" + link_type)
        assert answer.status_code == 307, link_type
        location = urlsplit(answer["Location"])
        assert location.path == f"/01/{item.product.gtin}/21/R%2F1"
        assert "linkType" not in parse_qs(location.query)
        assert parse_qs(location.query)["s"] == parse_qs(urlsplit(label).query)["s"]
        followed = client.get(answer["Location"], HTTP_ACCEPT="application/json")
        assert followed.json()["verdict"] == "genuine"
    pip = client.get(path_of(label) + "&linkType=gs1:pip")
    assert (pip.status_code, pip["Location"]) == (307, f"https://verify.ipo.example/01/{item.product.gtin}")


def test_the_product_page_and_its_linkset(client, labelled):
    item, _label = labelled
    gtin = item.product.gtin
    page = client.get(f"/01/{gtin}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Trail Jacket" in text and "Acme" in text
    assert 'rel="linkset"' in page["Link"]
    assert "Holographic" not in text  # the identification guide is for customs, not the public
    linkset = client.get(f"/01/{gtin}?linkType=linkset").json()["linkset"][0]
    assert linkset["anchor"] == f"https://verify.ipo.example/01/{gtin}"
    assert GS1 + "verificationService" not in linkset  # an item's, not a GTIN's
    assert client.get(f"/01/{gtin[1:]}").status_code == 200  # GTIN-13 as printed on EAN barcodes


@pytest.mark.parametrize("gtin", ["09506000134352", "09506000134353", "12345678"])
def test_a_gtin_this_node_does_not_hold_is_not_found(client, labelled, gtin):
    page = client.get(f"/01/{gtin}")
    assert page.status_code == 404 and "Unknown product" in page.content.decode()
    linkset = client.get(f"/01/{gtin}/21/X?linkType=linkset")
    assert (linkset.status_code, linkset.json()["error"]["reason"]) == (404, "unknown_product")
    # An item of an unknown product is still the verifier's to answer: unknown, not a 404.
    assert client.get(f"/01/{gtin}/21/X?linkType=gs1:verificationService").status_code == 307


def test_every_uri_the_resolver_gives_is_a_valid_digital_link_by_gs1s_toolkit(client, labelled):
    item, label = labelled
    entry = client.get(path_of(label) + "&linkType=linkset").json()["linkset"][0]
    product_entry = client.get(f"/01/{item.product.gtin}?linkType=linkset").json()["linkset"][0]
    uris = [label, entry["anchor"], product_entry["anchor"]]
    uris += [
        t["href"]
        for e in (entry, product_entry)
        for k, targets in e.items()
        if k != "anchor"
        for t in targets
    ]
    uris += [
        f"{entry['anchor']}?linkType=gs1:{name}" for name in ("verificationService", "pip", "defaultLink")
    ]
    checked = digital_link_js(uris)
    assert [r["uri"] for r in checked["results"] if not r["valid"]] == []
    # Every link type the node offers is one of GS1's, as the toolkit knows them.
    offered = {"gs1:" + k.removeprefix(GS1) for e in (entry, product_entry) for k in e if k != "anchor"}
    assert offered <= set(checked["linkTypes"])
    assert {r["linkType"] for r in checked["results"][-3:]} == {
        "gs1:verificationService",
        "gs1:pip",
        "gs1:defaultLink",
    }
    # The toolkit is not lenient: a wrong check digit is refused.
    bad = digital_link_js(
        [
            label.replace(
                item.product.gtin, item.product.gtin[:-1] + str((int(item.product.gtin[-1]) + 1) % 10)
            )
        ]
    )
    assert bad["results"][0]["valid"] is False

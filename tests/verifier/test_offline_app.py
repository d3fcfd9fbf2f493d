"""The offline web app's files: the manifest, the service worker and what it caches, the
offline page with the pinned office key and the trust list's age limit."""

import json
import re

import pytest
from django.contrib.staticfiles import finders

from ipchain.registry import keys
from tests import factories

pytestmark = pytest.mark.django_db


def static_path(url: str) -> str | None:
    return finders.find(url.removeprefix("/static/"))


def test_the_manifest_makes_an_installable_app(client):
    response = client.get("/verify/manifest.webmanifest")
    assert response.status_code == 200 and response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["start_url"] == "/verify/" and manifest["display"] == "standalone"
    assert manifest["name"] and manifest["short_name"]
    sizes = {icon["sizes"]: icon for icon in manifest["icons"]}
    assert {"192x192", "512x512", "any"} <= set(sizes)
    for icon in manifest["icons"]:
        assert static_path(icon["src"]), icon["src"]


def test_the_manifest_speaks_the_officers_language(client):
    manifest = client.get("/verify/manifest.webmanifest", HTTP_ACCEPT_LANGUAGE="fr").json()
    assert manifest["lang"] == "fr"


def test_the_service_worker_caches_the_scanner_decoder_offline_page_and_trust_list(client):
    response = client.get("/verify/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/javascript")
    assert response["Service-Worker-Allowed"] == "/" and response["Cache-Control"] == "no-cache"
    script = response.content.decode()
    urls = json.loads(re.search(r"const URLS = (\[.*?\]);", script).group(1))
    assert {"/verify/", "/verify/offline/", "/verify/trust-list.json", "/verify/manifest.webmanifest"} <= set(
        urls
    )
    statics = [url for url in urls if url.startswith("/static/")]
    assert any(url.endswith("zxing_reader.wasm") for url in statics)
    assert any(url.endswith("zxing_reader.iife.js") for url in statics)
    assert any(url.endswith("verifier/offline.js") for url in statics)
    for url in statics:
        assert static_path(url), url
    version = re.search(r'const CACHE = "ipchain-verifier-(\w+)";', script).group(1)
    assert len(version) == 16


def test_the_scanner_and_offline_pages_pin_the_office_key(client, settings):
    settings.IPCHAIN_TRUST_LIST_MAX_AGE = 3 * 86400
    office_key = keys.active_key(factories.office())
    for path in ("/verify/", "/verify/offline/"):
        html = client.get(path).content.decode()
        pinned = json.loads(
            re.search(r'<script id="office-key" type="application/json">(.*?)</script>', html).group(1)
        )
        assert pinned["kid"] == office_key.kid and pinned["jwk"]["crv"] == "P-256"
        assert 'rel="manifest"' in html
    offline = client.get("/verify/offline/").content.decode()
    assert 'data-max-age="259200"' in offline
    reasons = json.loads(
        re.search(r'<script id="offline-reasons" type="application/json">(.*?)</script>', offline).group(1)
    )
    assert {"not_a_code", "bad_check_digit", "no_trust_list", "bad_trust_list"} <= set(reasons)


def test_the_trust_list_is_public_and_cached_briefly(client):
    factories.brand("acme")
    response = client.get("/verify/trust-list.json")
    assert response.status_code == 200 and response["Cache-Control"] == "public, max-age=300"
    assert set(response.json()) == {"payload", "kid", "sig"}

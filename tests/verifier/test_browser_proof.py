"""The proof page in headless Chromium, phone-sized: a registration's .tlog-proof downloaded
from its verdict is dropped on the page with the network gone, and checked on the phone
(WebCrypto Ed25519 and SHA-256) against the trust list's ledger and witness keys; a
tampered file is not proven."""

import base64
import time

import pytest
from django.test import Client
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from ipchain.federation.models import Cosignature, Peer
from ipchain.federation.tlog_cosignature import CosignatureSigner
from ipchain.ledger import log
from ipchain.ledger.models import SignedCheckpoint
from ipchain.registry import items
from tests import factories

from .browser import chrome, csp_violations, keep, phone
from .test_browser_offline import Outage, set_offline

pytestmark = pytest.mark.django_db(transaction=True)

READY = """
const done = arguments[arguments.length - 1];
(async () => {
  const registration = await navigator.serviceWorker.getRegistration("/");
  const page = await caches.match("/verify/proof/");
  const list = await caches.match("/verify/trust-list.json");
  done(Boolean(registration && registration.active && registration.active.state === "activated" && page && list));
})().catch(() => done(false));
"""


@pytest.fixture
def proof_files(tmp_path):
    brand = factories.brand("acme")
    product = factories.product(brand, name="Trail Jacket")
    item = items.register_item(
        actor=factories.brand_admin(brand), brand=brand, gtin=product.gtin, serial="P-1"
    )
    log.integrate_pending()
    witness = CosignatureSigner.generate("witness.example/w")
    peer = Peer.objects.create(
        name="w",
        origin="w.example/log",
        log_vkey="w.example/log+00000000+AA",
        url="https://w.example",
        witness_vkey=witness.verifier.vkey,
        cosigns_our_log=True,
    )
    checkpoint = SignedCheckpoint.objects.latest("tree_size")
    text = checkpoint.note.partition("\n\n")[0] + "\n"
    Cosignature.objects.create(
        checkpoint=checkpoint, witness=peer, line=witness.cosign(text, 1_760_000_000), timestamp=1_760_000_000
    )
    client = Client()
    verdict = client.get(items.label_uri(item).split("ipo.example", 1)[-1], HTTP_ACCEPT="application/json")
    proof = client.get(verdict.json()["evidence"]["tlog_proof_url"]).content.decode()
    good = tmp_path / "registration.tlog-proof"
    good.write_text(proof)
    lines = proof.split("\n")
    lines[1] = "extra " + base64.b64encode(b'{"serial":"P-2"}').decode()
    tampered = tmp_path / "tampered.tlog-proof"
    tampered.write_text("\n".join(lines))
    return good, tampered


def drop(browser, path) -> tuple[str, str]:
    field = browser.find_element(By.ID, "proof-file")
    browser.execute_script("arguments[0].value = ''", field)
    field.send_keys(str(path))
    box = browser.find_element(By.ID, "proof-result")
    WebDriverWait(browser, 20).until(lambda b: box.get_attribute("data-result"))
    return box.get_attribute("data-result"), box.text


def test_a_proof_is_checked_on_the_phone_offline(live_server, proof_files, tmp_path, settings):
    settings.IPCHAIN_PUBLIC_HOST = "ipo.example"
    good, tampered = proof_files
    outage = Outage(live_server)
    browser = chrome(profile=str(tmp_path / "profile"))
    try:
        phone(browser)
        browser.get(live_server.url + "/verify/proof/")
        WebDriverWait(browser, 30).until(lambda b: b.execute_async_script(READY))
        with outage:
            set_offline(browser, True)
            browser.get(live_server.url + "/verify/proof/")  # from the phone's cache
            assert browser.find_element(By.TAG_NAME, "h1").text == "Check a proof"
            result, text = drop(browser, good)
            assert result == "proven", text
            assert "Proven: this record is in the ledger" in text
            assert "in its checkpoint of" in text and "signed by the ledger" in text
            assert "Cosigned by the witness witness.example/w" in text
            browser.find_element(By.CSS_SELECTOR, "#proof-result summary").click()
            assert '"serial": "P-1"' in browser.find_element(By.ID, "proof-record").text
            keep(browser, tmp_path, "proof-proven-en")
            result, text = drop(browser, tampered)
            assert result == "not-proven"
            assert "The record is not in the signed checkpoint" in text
            keep(browser, tmp_path, "proof-not-proven-en")
            assert outage.refused >= 0
        assert browser.execute_script("return document.documentElement.scrollWidth") <= 390
        assert csp_violations(browser) == []
    finally:
        set_offline(browser, False)
        browser.quit()
    time.sleep(0)
